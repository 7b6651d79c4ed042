// One evaluation of every alarm rule (`xcloudctl alarms evaluate`, and the
// "alarms" loop of `xcloudctl serve`): the candidates found now, the state
// transitions they imply, stored in one transaction with a note and an audit
// record per alarm fired or cleared. Not thread-safe (one store).
#pragma once

#include <cstdint>
#include <vector>

#include "ctl/alarms/alarm_candidates.h"
#include "ctl/alarms/alarm_transitions.h"
#include "ctl/audit/audit_record.h"
#include "ctl/store/store.h"

namespace xc {

struct AlarmEvaluation {
  size_t rules = 0;
  std::vector<AlarmRecord> fired;  // with their ids
  std::vector<AlarmRecord> cleared;
  size_t active = 0;
};

// The actor of the evaluation's own notes ("fired", "cleared").
inline constexpr const char* kAlarmSystemActor = "xcloudctl";

Result<AlarmEvaluation> evaluate_alarms(Store& store, int64_t now_ms,
                                        const CandidateOptions& options, const AuditIdentity& who);

// "alarm 12 host-unreachable host/x86-01 fired (critical): ...", for logs.
std::string alarm_line(const AlarmRecord& alarm, const std::string& what);

}  // namespace xc
