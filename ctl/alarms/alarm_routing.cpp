#include "ctl/alarms/alarm_routing.h"

#include <nlohmann/json.hpp>

namespace xc {

namespace {

bool matches(const std::map<std::string, std::string>& match, const AlarmLabels& labels) {
  for (const auto& [k, v] : match) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  return true;
}

void descend(const AlarmRouteNode& node, RouteTarget inherited, const AlarmLabels& labels,
             std::vector<RouteTarget>& out) {
  if (!node.receiver.empty()) inherited.receiver = node.receiver;
  if (node.group_wait_ms) inherited.group_wait_ms = *node.group_wait_ms;
  if (node.repeat_interval_ms) inherited.repeat_interval_ms = *node.repeat_interval_ms;
  bool any = false;
  for (const AlarmRouteNode& child : node.routes) {
    if (!matches(child.match, labels)) continue;
    any = true;
    descend(child, inherited, labels, out);
    if (!child.continue_matching) break;
  }
  if (any || inherited.receiver.empty()) return;
  for (const RouteTarget& t : out)
    if (t.receiver == inherited.receiver) return;
  out.push_back(inherited);
}

}  // namespace

AlarmLabels alarm_labels(const AlarmRecord& a) {
  AlarmLabels l;
  l["rule"] = a.rule;
  l["severity"] = a.severity;
  l["state"] = a.state;
  l["source"] = a.object.substr(0, a.object.find('/'));
  l["object"] = a.object;
  if (!a.host.empty()) l["host"] = a.host;
  if (!a.pool.empty()) l["pool"] = a.pool;
  if (!a.tenant.empty()) l["tenant"] = a.tenant;
  nlohmann::json extra = nlohmann::json::parse(a.labels_json, nullptr, false);
  if (extra.is_object())
    for (const auto& [k, v] : extra.items())
      if (v.is_string() && !l.count(k)) l[k] = v.get<std::string>();
  return l;
}

std::vector<RouteTarget> route_alarm(const AlarmRouteNode& root, const AlarmLabels& labels) {
  std::vector<RouteTarget> out;
  if (matches(root.match, labels)) descend(root, RouteTarget{}, labels, out);
  return out;
}

const AlarmSilence* silence_for(const AlarmRouteSpec& spec, const AlarmLabels& labels,
                                int64_t now) {
  for (const AlarmSilence& s : spec.silences)
    if (now >= s.start_ms && now < s.end_ms && matches(s.match, labels)) return &s;
  return nullptr;
}

}  // namespace xc
