#include "ctl/alarms/alarm_loop.h"

#include "ctl/alarms/alarm_evaluate.h"
#include "ctl/alarms/alarm_notifier.h"
#include "ctl/alarms/capacity_allocation.h"
#include "ctl/alarms/pki_credentials.h"

namespace xc {

Loop alarms_loop(std::chrono::seconds interval, std::string state_path) {
  Loop loop;
  loop.name = "alarms";
  loop.interval = interval;
  loop.call_timeout = std::chrono::seconds(10);
  const AuditIdentity who = current_identity({"xcloudctl", "serve"}, "", "");
  loop.round = [who, state_path](LoopWorld& w) -> Status {
    CapacityAllocationSource capacity(w.clock);
    CandidateOptions options;
    options.allocations = &capacity;
    // Read before the evaluation's transaction; unreadable, the rules are quiet.
    auto credentials = pki_credentials(state_path);
    if (credentials.ok())
      options.credentials = &*credentials;
    else
      w.log.event("alarms: credentials not read: " + credentials.status().message());
    auto done = evaluate_alarms(w.store, w.clock(), options, who);
    if (!done.ok()) return done.status();
    for (const AlarmRecord& a : done->fired) w.log.event(alarm_line(a, "fired"));
    for (const AlarmRecord& a : done->cleared) w.log.event(alarm_line(a, "cleared"));
    NetworkNotifier notifier;
    auto sent = deliver_alarms(w.store, w.clock(), notifier);
    if (!sent.ok()) return sent.status();
    for (const std::string& line : sent->lines) w.log.event(line);
    return Status{};
  };
  return loop;
}

}  // namespace xc
