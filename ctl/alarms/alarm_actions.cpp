#include "ctl/alarms/alarm_actions.h"

#include "common/alarm_spec.h"
#include "common/time.h"
#include "ctl/audit/audit_log.h"

namespace xc {

const char* alarm_action_name(AlarmAction action) {
  switch (action) {
    case AlarmAction::kAcknowledge:
      return "acknowledged";
    case AlarmAction::kAssign:
      return "assigned";
    case AlarmAction::kSeverity:
      return "severity";
    case AlarmAction::kComment:
      return "comment";
    case AlarmAction::kClear:
      return "cleared";
  }
  return "?";
}

Result<AlarmRecord> apply_alarm_change(AlarmRecord a, const AlarmChange& c, int64_t now,
                                       const std::string& actor) {
  const std::string name = "alarm " + std::to_string(a.id);
  if (a.state == "cleared" && c.action != AlarmAction::kComment)
    return error(
        Code::kFailedPrecondition,
        name + " was cleared at " + format_time_ms(a.cleared_ms) + "; only comments may be added");
  switch (c.action) {
    case AlarmAction::kAcknowledge:
      if (a.state == "acknowledged")
        return error(Code::kFailedPrecondition, name + " was already acknowledged by " +
                                                    a.acked_by + " at " +
                                                    format_time_ms(a.acked_ms));
      a.state = "acknowledged";
      a.acked_ms = now;
      a.acked_by = actor;
      break;
    case AlarmAction::kAssign:
      if (c.text.empty()) return error(Code::kInvalidArgument, name + ": assign to whom?");
      a.assignee = c.text;
      break;
    case AlarmAction::kSeverity: {
      bool known = false;
      for (const std::string& s : alarm_severities()) known |= s == c.text;
      if (!known)
        return error(Code::kInvalidArgument,
                     "severity '" + c.text + "': expected critical, major, minor or warning");
      if (a.severity == c.text)
        return error(Code::kFailedPrecondition, name + " is already " + c.text);
      a.severity = c.text;
      break;
    }
    case AlarmAction::kComment:
      if (c.text.empty()) return error(Code::kInvalidArgument, name + ": the comment is empty");
      break;
    case AlarmAction::kClear:
      a.state = "cleared";
      a.cleared_ms = now;
      a.cleared_by = actor;
      break;
  }
  a.updated_ms = now;
  return a;
}

Result<AlarmRecord> change_alarm(Store& store, int64_t id, const AlarmChange& c, int64_t now,
                                 const AuditIdentity& who) {
  AlarmRecord out;
  Status done = store.transact([&]() -> Status {
    auto alarm = store.get_alarm(id);
    if (!alarm.ok()) return alarm.status();
    auto changed = apply_alarm_change(*alarm, c, now, who.actor);
    if (!changed.ok()) return changed.status();
    if (Status s = store.update_alarm(*changed); !s.ok()) return s;
    AlarmNote note{0, id, now, who.actor, alarm_action_name(c.action), c.text};
    if (Status s = store.add_alarm_note(note); !s.ok()) return s;
    AuditRecord r =
        who.record("Alarm", changed->tenant, std::to_string(id), alarm_action_name(c.action));
    r.result = "ok";
    r.message = changed->rule + " " + changed->object + (c.text.empty() ? "" : ": " + c.text);
    AuditLog log(store, [now] { return now; });
    auto appended = log.append(r);
    if (!appended.ok()) return appended.status();
    out = *changed;
    return Status{};
  });
  if (!done.ok()) return done;
  return out;
}

}  // namespace xc
