// One implementation per bulk-bytes method, two ways to call it: raw bytes
// (POST /v1/bytes) and JSON with the bytes base64 in "data" (every other
// transport; the JSON form is what the method's schema describes).
#include "agent/rpc_service.h"
#include "common/base64.h"

namespace xc {

void add_byte_method(MethodTable& table, ByteMethodTable* bytes, const std::string& name,
                     ByteMethod method) {
  table[name] = [method](AgentContext& ctx,
                         const nlohmann::json& params) -> Result<nlohmann::json> {
    std::string input;
    if (auto it = params.find("data"); it != params.end()) {
      if (!it->is_string()) return error(Code::kInvalidArgument, "params.data: expected base64");
      auto decoded = base64_decode(it->get_ref<const std::string&>());
      if (!decoded.ok()) return decoded.status();
      input = std::move(*decoded);
    }
    auto reply = method(ctx, params, input);
    if (!reply.ok()) return reply.status();
    nlohmann::json result = std::move(reply->result);
    if (reply->data) result["data"] = base64_encode(*reply->data);
    return result;
  };
  if (bytes != nullptr) (*bytes)[name] = std::move(method);
}

}  // namespace xc
