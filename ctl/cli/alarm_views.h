// How alarms are shown: the JSON of an alarm (and of its history and
// deliveries), the list's filters, and the rows of `alarms list`. Pure;
// thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "ctl/alarms/alarm_json.h"
#include "ctl/store/alarm_records.h"

namespace xc {

struct AlarmListFilter {
  std::vector<std::string> severities;  // empty: all
  std::string state = "active";         // active (firing or acknowledged), firing,
                                        // acknowledged, cleared, all
  std::string name;                     // the rule
  std::string source;                   // the object ("host/x86-01") or its name ("x86-01")
  std::string pool;
};

// kInvalidArgument naming the option when a value is not one of those known.
Status check_alarm_filter(const AlarmListFilter& filter);
bool alarm_matches(const AlarmRecord& alarm, const AlarmListFilter& filter);

nlohmann::json alarm_note_json(const AlarmNote& note);
nlohmann::json alarm_delivery_json(const AlarmDelivery& delivery);

}  // namespace xc
