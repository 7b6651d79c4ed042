#include "ctl/hosts/agent_transport.h"

#include "common/base64.h"

namespace xc {

Result<nlohmann::json> AgentTransport::call_bytes(const std::string& method,
                                                  const nlohmann::json& params,
                                                  const std::string& input, std::string& output) {
  nlohmann::json request_params = params;
  if (!input.empty()) request_params["data"] = base64_encode(input);
  auto response = call({{"id", 1}, {"method", method}, {"params", std::move(request_params)}});
  output.clear();
  if (!response.ok() || !response->contains("result") || !(*response)["result"].is_object())
    return response;
  nlohmann::json& result = (*response)["result"];
  if (auto data = result.find("data"); data != result.end()) {
    auto raw = data->is_string() ? base64_decode(data->get_ref<const std::string&>())
                                 : Result<std::string>(error(Code::kIo, "data: not base64"));
    if (!raw.ok())
      return error(Code::kIo, "method " + method + ": the agent sent bad data (" +
                                  raw.status().message() + ")");
    output = std::move(*raw);
    result.erase(data);
  }
  return response;
}

}  // namespace xc
