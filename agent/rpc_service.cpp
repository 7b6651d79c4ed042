#include "agent/rpc_service.h"

#include <openssl/rand.h>

#include "agent/host_arch.h"
#include "agent/lifecycle_events.h"
#include "agent/metrics_sample.h"
#include "agent/prometheus_text.h"
#include "common/sm_crypto.h"

namespace xc {

std::unique_lock<std::mutex> AgentContext::lock_object(const std::string& name) {
  std::mutex* m;
  {
    std::lock_guard<std::mutex> guard(locks_mutex_);
    m = &locks_[name];
  }
  return std::unique_lock<std::mutex>(*m);
}

const AgentContext::HostBasics& AgentContext::basics() {
  std::call_once(basics_once_, [this] {
    virNodeInfo info;
    std::string model = virNodeGetInfo(conn, &info) == 0 ? info.model : "";
    basics_.capabilities = take_string(virConnectGetCapabilities(conn));
    basics_.arch = host_arch(test_driver, basics_.capabilities, model, own_machine());
  });
  return basics_;
}

nlohmann::json error_response(const nlohmann::json& id, const Status& status) {
  return {{"id", id},
          {"error", {{"code", code_name(status.code())}, {"message", status.message()}}}};
}

Result<std::string> param_string(const nlohmann::json& params, const char* key) {
  if (!params.is_object() || !params.contains(key) || !params[key].is_string() ||
      params[key].get<std::string>().empty())
    return error(Code::kInvalidArgument,
                 std::string("params.") + key + ": expected a non-empty string");
  return params[key].get<std::string>();
}

void add_all_methods(MethodTable& table, TextMethodTable* text, ByteMethodTable* bytes) {
  add_host_methods(table);
  add_identity_methods(table);
  add_domain_methods(table, text);
  add_domain_ensure(table);
  add_domain_adopt(table);
  add_domain_power(table);
  add_volume_methods(table);
  add_network_methods(table);
  add_event_methods(table);
  add_migrate_methods(table);
  add_transfer_methods(table, bytes);
  add_snapshot_methods(table);
  add_backup_methods(table, bytes);
  add_image_methods(table, bytes);
}

RpcService::RpcService(Connection conn, AgentConfig config) : conn_(std::move(conn)) {
  ctx_.conn = conn_.get();
  ctx_.config = std::move(config);
  ctx_.test_driver = ctx_.config.libvirt_uri.rfind("test:", 0) == 0;
  add_all_methods(methods_, &text_methods_, &byte_methods_);
  unsigned char id[16];
  if (RAND_bytes(id, sizeof id) != 1) {
    // Unique enough to tell two runs apart.
    uint64_t t = static_cast<uint64_t>(system_now_ms());
    for (size_t i = 0; i < sizeof id; ++i) id[i] = static_cast<unsigned char>(t >> (i % 8 * 8));
  }
  ctx_.boot_id = to_hex(std::string(reinterpret_cast<const char*>(id), sizeof id));
  auto subscription = LifecycleSubscription::start(ctx_.conn, ctx_.events, system_now_ms);
  if (subscription.ok())
    lifecycle_ = std::move(*subscription);
  else
    events_error_ = subscription.status().message();
}

RpcService::~RpcService() {
  ctx_.events.close();
  lifecycle_.reset();  // before the connection closes
}

nlohmann::json RpcService::handle(const nlohmann::json& request) {
  nlohmann::json id =
      request.is_object() && request.contains("id") ? request["id"] : nlohmann::json();
  if (!request.is_object() || !request.contains("method") || !request["method"].is_string())
    return error_response(
        id, error(Code::kInvalidArgument, "request: expected {\"id\", \"method\", \"params\"}"));
  std::string method = request["method"];
  auto it = methods_.find(method);
  if (it == methods_.end())
    return error_response(id, error(Code::kNotFound, "method " + method + ": no such method"));
  nlohmann::json params = request.value("params", nlohmann::json::object());
  try {
    Result<nlohmann::json> result = it->second(ctx_, params);
    if (!result.ok()) return error_response(id, result.status());
    nlohmann::json response = {{"id", id}};
    response["result"] = std::move(*result);  // replies can be megabytes: no copy
    return response;
  } catch (const nlohmann::json::exception& e) {
    return error_response(
        id, error(Code::kInvalidArgument, "method " + method + ": bad params: " + e.what()));
  }
}

RpcReply RpcService::reply(const nlohmann::json& request) {
  if (request.is_object()) {
    auto m = request.find("method");
    auto it = m != request.end() && m->is_string()
                  ? text_methods_.find(m->get_ref<const std::string&>())
                  : text_methods_.end();
    if (it != text_methods_.end()) {
      nlohmann::json id = request.contains("id") ? request["id"] : nlohmann::json();
      nlohmann::json params = request.value("params", nlohmann::json::object());
      try {
        Result<std::string> result = it->second(ctx_, params);
        if (!result.ok()) return error_response(id, result.status());
        std::string head = "{\"id\":" + id.dump() + ",\"result\":";
        std::string& text = *result;
        text.insert(0, head);
        text += '}';
        return RpcReply::serialized(std::move(text));
      } catch (const nlohmann::json::exception& e) {
        return error_response(
            id, error(Code::kInvalidArgument, "method " + it->first + ": bad params: " + e.what()));
      }
    }
  }
  return handle(request);
}

Result<ByteReply> RpcService::call_bytes(const std::string& method, const nlohmann::json& params,
                                         const std::string& input) {
  auto it = byte_methods_.find(method);
  if (it == byte_methods_.end())
    return error(Code::kNotFound, "method " + method + ": no such bulk-bytes method");
  if (!params.is_object()) return error(Code::kInvalidArgument, "params: expected an object");
  try {
    return it->second(ctx_, params, input);
  } catch (const nlohmann::json::exception& e) {
    return error(Code::kInvalidArgument, "method " + method + ": bad params: " + e.what());
  }
}

Result<std::string> RpcService::prometheus_metrics() {
  auto sample = read_metrics_sample(ctx_);
  if (!sample.ok()) return sample.status();
  return prometheus_text(*sample);
}

}  // namespace xc
