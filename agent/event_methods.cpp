// events.wait: lifecycle events after a sequence number, waiting up to a
// limit for one (a long-poll that works the same over HTTPS and SSH stdio);
// host.heartbeat: a cheap "agent and libvirt answer" for the controller.
#include <chrono>
#include <cstdint>

#include "agent/rpc_service.h"
#include "common/time.h"

namespace xc {
namespace {

using nlohmann::json;

constexpr int64_t kMaxWaitMs = 60'000;
constexpr int64_t kMaxEvents = 1000;

Result<int64_t> bounded_int(const json& params, const char* key, int64_t fallback, int64_t min,
                            int64_t max) {
  if (!params.is_object() || !params.contains(key)) return fallback;
  const json& v = params[key];
  if (!v.is_number_integer() || v.get<int64_t>() < min || v.get<int64_t>() > max)
    return error(Code::kInvalidArgument, std::string("params.") + key +
                                             ": expected an integer from " + std::to_string(min) +
                                             " to " + std::to_string(max));
  return v.get<int64_t>();
}

Result<json> events_wait(AgentContext& ctx, const json& params) {
  auto after = bounded_int(params, "after", 0, 0, INT64_MAX);
  auto wait = bounded_int(params, "waitMs", 0, 0, kMaxWaitMs);
  auto max = bounded_int(params, "max", kMaxEvents, 1, kMaxEvents);
  for (const auto* r : {&after, &wait, &max})
    if (!r->ok()) return r->status();
  std::string boot_id;
  if (params.is_object() && params.contains("bootId")) {
    if (!params["bootId"].is_string())
      return error(Code::kInvalidArgument, "params.bootId: expected a string");
    boot_id = params["bootId"];
  }
  // Numbers from another run of the agent mean nothing here: start over.
  bool reset = !boot_id.empty() && boot_id != ctx.boot_id;
  int64_t from = reset ? 0 : *after;
  EventBatch batch =
      ctx.events.read(from, static_cast<size_t>(*max),
                      reset ? std::chrono::milliseconds(0) : std::chrono::milliseconds(*wait));
  json events = json::array();
  for (const LifecycleEvent& e : batch.events)
    events.push_back({{"seq", e.seq},
                      {"timeMs", e.time_ms},
                      {"domain", e.domain},
                      {"uuid", e.uuid},
                      {"type", e.type},
                      {"detail", e.detail}});
  return json{{"bootId", ctx.boot_id},
              {"reset", reset},
              {"lastSeq", batch.last_seq},
              {"missed", batch.missed},
              {"events", std::move(events)}};
}

Result<json> host_heartbeat(AgentContext& ctx, const json&) {
  if (virConnectIsAlive(ctx.conn) != 1)
    return error(Code::kUnavailable, "libvirt: the agent's connection to libvirt is lost");
  return json{{"bootId", ctx.boot_id},
              {"timeMs", system_now_ms()},
              {"lastEventSeq", ctx.events.last_seq()}};
}

}  // namespace

void add_event_methods(MethodTable& table) {
  table["events.wait"] = events_wait;
  table["host.heartbeat"] = host_heartbeat;
}

}  // namespace xc
