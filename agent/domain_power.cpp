// domain.power: start, shutdown (graceful, bounded), reboot (ACPI, or reset
// when forced) and destroy (power off at once).
#include "agent/domain_power.h"

#include <thread>

#include "agent/domain_inventory.h"
#include "agent/rpc_service.h"

namespace xc {

using nlohmann::json;

int domain_state(virDomainPtr d) {
  int state = 0, reason = 0;
  return virDomainGetState(d, &state, &reason, 0) == 0 ? state : -1;
}

Result<StopResult> stop_domain(virDomainPtr d, const std::string& name,
                               std::chrono::milliseconds timeout, bool power_off_after) {
  GuestStopOps ops;
  ops.is_off = [d] { return domain_state(d) == VIR_DOMAIN_SHUTOFF; };
  ops.ask_shutdown = [d] {
    if (virDomainShutdown(d) == 0) return true;
    virResetLastError();
    return false;
  };
  ops.power_off = [d] {
    if (virDomainDestroy(d) == 0) return true;
    return false;
  };
  ops.sleep = [](std::chrono::milliseconds ms) { std::this_thread::sleep_for(ms); };
  ops.now = [] { return std::chrono::steady_clock::now(); };
  StopResult r = stop_guest(ops, timeout, power_off_after);
  if (r.outcome == StopOutcome::kFailed) return libvirt_error("domain " + name + ": power off: ");
  return r;
}

namespace {

Result<json> domain_power(AgentContext& ctx, const json& params) {
  auto name = param_string(params, "name");
  auto action = param_string(params, "action");
  if (!name.ok()) return name.status();
  if (!action.ok()) return action.status();
  const bool force = params.value("force", false);
  const int64_t timeout_s = params.value("timeout_s", int64_t{kDefaultStopTimeout.count()});
  if (timeout_s < 0 || timeout_s > kMaxStopTimeout.count())
    return error(Code::kInvalidArgument, "domain " + *name + ": params.timeout_s: expected 0 to " +
                                             std::to_string(kMaxStopTimeout.count()) + " seconds");
  auto lock = ctx.lock_object("domain/" + *name);
  auto domain = owned_domain(ctx, *name);
  if (!domain.ok()) return domain.status();
  virDomainPtr d = domain->get();
  const int before = domain_state(d);
  json result = {{"domain", *name}, {"before", domain_state_name(before)}};
  int rc = 0;
  std::string outcome;
  if (*action == "start") {
    outcome = before == VIR_DOMAIN_RUNNING ? "already-running" : "started";
    if (before != VIR_DOMAIN_RUNNING) rc = virDomainCreate(d);
  } else if (*action == "shutdown" || *action == "destroy") {
    bool now = *action == "destroy" || force;
    auto stopped =
        stop_domain(d, *name, now ? std::chrono::milliseconds(0) : std::chrono::seconds(timeout_s),
                    params.value("power_off_after_timeout", true) || now);
    if (!stopped.ok()) return stopped.status();
    outcome = stop_outcome_name(stopped->outcome);
    result["waited_ms"] = stopped->waited.count();
    if (stopped->shutdown_refused) result["shutdown_refused"] = true;
  } else if (*action == "reboot") {
    if (before != VIR_DOMAIN_RUNNING)
      return error(Code::kFailedPrecondition,
                   "domain " + *name + ": cannot reboot: it is " + domain_state_name(before));
    outcome = force ? "reset" : "reboot-requested";
    rc = force ? virDomainReset(d, 0) : virDomainReboot(d, 0);
  } else {
    return error(
        Code::kInvalidArgument,
        "domain " + *name + ": params.action: expected start, shutdown, reboot or destroy");
  }
  if (rc < 0) return libvirt_error("domain " + *name + ": " + *action + " failed: ");
  result["outcome"] = outcome;
  result["state"] = domain_state_name(domain_state(d));
  return result;
}

}  // namespace

void add_domain_power(MethodTable& table) {
  table["domain.power"] = domain_power;
}

}  // namespace xc
