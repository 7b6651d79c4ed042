// Which receivers an alarm goes to, Alertmanager's way: the root route takes
// every alarm; an alarm descends into the first child route whose matchers
// its labels satisfy (and on into later siblings while the matched ones say
// `continue`); the deepest routes matched deliver, each to its receiver with
// its group wait and repeat interval (inherited from the parent when not
// set). Silences hold matching alarms back while they are in force.
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/alarm_spec.h"
#include "ctl/store/alarm_records.h"

namespace xc {

using AlarmLabels = std::map<std::string, std::string>;

// rule, severity, state, source (host, vm, pool, audit), object, host, pool,
// tenant (those not empty), then the rule's own labels.
AlarmLabels alarm_labels(const AlarmRecord& alarm);

inline constexpr int64_t kDefaultGroupWaitMs = 30'000;
inline constexpr int64_t kDefaultRepeatIntervalMs = 4 * 3'600'000;

struct RouteTarget {
  std::string receiver;
  int64_t group_wait_ms = kDefaultGroupWaitMs;
  int64_t repeat_interval_ms = kDefaultRepeatIntervalMs;
};

// Each receiver once (the first route naming it wins).
std::vector<RouteTarget> route_alarm(const AlarmRouteNode& root, const AlarmLabels& labels);

// The silence holding the alarm back at `now_ms`, or nullptr.
const AlarmSilence* silence_for(const AlarmRouteSpec& spec, const AlarmLabels& labels,
                                int64_t now_ms);

}  // namespace xc
