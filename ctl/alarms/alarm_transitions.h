// The alarm state machine, pure: given the alarms not yet cleared and what
// the rules find true now, which alarms fire (new), which clear by
// themselves (their condition ended), and which carry a new value. One alarm
// per rule and object while it is active; a candidate for an object whose
// alarm was cleared fires a new alarm. Thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "ctl/alarms/alarm_candidates.h"
#include "ctl/store/alarm_records.h"

namespace xc {

struct AlarmTransitions {
  std::vector<AlarmRecord> fired;    // new alarms (id 0), state firing
  std::vector<AlarmRecord> cleared;  // active alarms now cleared
  std::vector<AlarmRecord> updated;  // active alarms whose value changed
  size_t active = 0;                 // active alarms after the transitions
};

// `active`: the alarms not cleared. `candidates` may hold one rule and
// object twice (the first is taken).
AlarmTransitions plan_alarm_transitions(const std::vector<AlarmRecord>& active,
                                        const std::vector<AlarmCandidate>& candidates,
                                        int64_t now_ms);

}  // namespace xc
