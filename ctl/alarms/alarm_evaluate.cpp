#include "ctl/alarms/alarm_evaluate.h"

#include "ctl/audit/audit_log.h"

namespace xc {

namespace {

Status record(Store& store, int64_t now, const AuditIdentity& who, const AlarmRecord& a,
              const std::string& action) {
  AlarmNote note{0, a.id, now, kAlarmSystemActor, action, a.value};
  if (Status s = store.add_alarm_note(note); !s.ok()) return s;
  AuditRecord r = who.record("Alarm", a.tenant, std::to_string(a.id), action);
  r.result = "ok";
  r.message = a.rule + " " + a.object + ": " + a.value;
  AuditLog log(store, [now] { return now; });
  auto appended = log.append(r);
  return appended.ok() ? Status{} : appended.status();
}

}  // namespace

std::string alarm_line(const AlarmRecord& a, const std::string& what) {
  return "alarm " + std::to_string(a.id) + " " + a.rule + " " + a.object + " " + what + " (" +
         a.severity + ")" + (a.value.empty() ? "" : ": " + a.value);
}

Result<AlarmEvaluation> evaluate_alarms(Store& store, int64_t now, const CandidateOptions& o,
                                        const AuditIdentity& who) {
  AlarmEvaluation out;
  Status done = store.transact([&]() -> Status {
    auto rules = alarm_rules(store);
    if (!rules.ok()) return rules.status();
    out.rules = rules->size();
    auto candidates = alarm_candidates(store, *rules, now, o);
    if (!candidates.ok()) return candidates.status();
    auto active = store.list_alarms(true, now);
    if (!active.ok()) return active.status();
    AlarmTransitions t = plan_alarm_transitions(*active, *candidates, now);
    out.active = t.active;
    for (AlarmRecord& a : t.fired) {
      auto id = store.insert_alarm(a);
      if (!id.ok()) return id.status();
      a.id = *id;
      if (Status s = record(store, now, who, a, "fired"); !s.ok()) return s;
    }
    for (const AlarmRecord& a : t.cleared) {
      if (Status s = store.update_alarm(a); !s.ok()) return s;
      if (Status s = record(store, now, who, a, "cleared"); !s.ok()) return s;
    }
    for (const AlarmRecord& a : t.updated)
      if (Status s = store.update_alarm(a); !s.ok()) return s;
    out.fired = std::move(t.fired);
    out.cleared = std::move(t.cleared);
    return Status{};
  });
  if (!done.ok()) return done;
  return out;
}

}  // namespace xc
