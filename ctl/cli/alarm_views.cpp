#include "ctl/cli/alarm_views.h"

#include "common/alarm_spec.h"
#include "common/time.h"

namespace xc {

using nlohmann::json;

namespace {

std::string when(int64_t ms) {
  return ms > 0 ? format_time_ms(ms) : "";
}

}  // namespace

Status check_alarm_filter(const AlarmListFilter& f) {
  for (const std::string& s : f.severities) {
    bool known = false;
    for (const std::string& k : alarm_severities()) known |= k == s;
    if (!known)
      return error(Code::kInvalidArgument,
                   "--severity: '" + s + "': expected critical, major, minor or warning");
  }
  static const std::vector<std::string> kStates = {"active", "firing", "acknowledged", "cleared",
                                                   "all"};
  bool known = false;
  for (const std::string& k : kStates) known |= k == f.state;
  if (!known)
    return error(Code::kInvalidArgument, "--state: '" + f.state +
                                             "': expected active, firing, acknowledged, "
                                             "cleared or all");
  return {};
}

bool alarm_matches(const AlarmRecord& a, const AlarmListFilter& f) {
  if (!f.severities.empty()) {
    bool any = false;
    for (const std::string& s : f.severities) any |= s == a.severity;
    if (!any) return false;
  }
  if (f.state == "active" && a.state == "cleared") return false;
  if (f.state != "active" && f.state != "all" && f.state != a.state) return false;
  if (!f.name.empty() && a.rule != f.name) return false;
  if (!f.source.empty() && a.object != f.source) {
    size_t slash = a.object.rfind('/');
    std::string name = slash == std::string::npos ? a.object : a.object.substr(slash + 1);
    // "x86-01", or "education/web-1" for a VM
    size_t kind_end = a.object.find('/');
    std::string key = kind_end == std::string::npos ? a.object : a.object.substr(kind_end + 1);
    if (f.source != name && f.source != key) return false;
  }
  if (!f.pool.empty() && a.pool != f.pool) return false;
  return true;
}

json alarm_note_json(const AlarmNote& n) {
  return {{"time", when(n.time_ms)}, {"actor", n.actor}, {"action", n.action}, {"text", n.text}};
}

json alarm_delivery_json(const AlarmDelivery& d) {
  return {{"route", d.route}, {"receiver", d.receiver},
          {"state", d.state}, {"lastSent", when(d.last_sent_ms)},
          {"count", d.count}, {"lastError", d.last_error}};
}

}  // namespace xc
