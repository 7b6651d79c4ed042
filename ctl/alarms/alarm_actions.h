// What an operator does to an alarm: acknowledge, assign, change severity,
// comment, clear. The rule (apply_alarm_change) is pure; change_alarm stores
// the result with a note and an audit record in one transaction. Not
// thread-safe (one store).
#pragma once

#include <cstdint>
#include <string>

#include "ctl/audit/audit_record.h"
#include "ctl/store/store.h"

namespace xc {

enum class AlarmAction { kAcknowledge, kAssign, kSeverity, kComment, kClear };
const char* alarm_action_name(AlarmAction action);  // "acknowledged", "assigned", ...

struct AlarmChange {
  AlarmAction action = AlarmAction::kComment;
  std::string text;  // the assignee, the severity, the comment; a note for ack and clear
};

// The alarm after the change by `actor`, or why not: a cleared alarm takes
// comments only (kFailedPrecondition), an acknowledged one is not
// acknowledged again, a severity must be one of alarm_severities().
Result<AlarmRecord> apply_alarm_change(AlarmRecord alarm, const AlarmChange& change, int64_t now_ms,
                                       const std::string& actor);

Result<AlarmRecord> change_alarm(Store& store, int64_t id, const AlarmChange& change,
                                 int64_t now_ms, const AuditIdentity& who);

}  // namespace xc
