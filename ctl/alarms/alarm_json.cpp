#include "ctl/alarms/alarm_json.h"

#include "common/time.h"

namespace xc {

using nlohmann::json;

namespace {

std::string when(int64_t ms) {
  return ms > 0 ? format_time_ms(ms) : "";
}

}  // namespace

json alarm_json(const AlarmRecord& a) {
  json labels = json::parse(a.labels_json, nullptr, false);
  return {{"id", a.id},
          {"rule", a.rule},
          {"object", a.object},
          {"host", a.host},
          {"pool", a.pool},
          {"tenant", a.tenant},
          {"severity", a.severity},
          {"state", a.state},
          {"summary", a.summary},
          {"value", a.value},
          {"labels", labels.is_object() ? labels : json::object()},
          {"assignee", a.assignee},
          {"started", when(a.started_ms)},
          {"startedMs", a.started_ms},
          {"updated", when(a.updated_ms)},
          {"acknowledged", when(a.acked_ms)},
          {"acknowledgedBy", a.acked_by},
          {"cleared", when(a.cleared_ms)},
          {"clearedBy", a.cleared_by}};
}

}  // namespace xc
