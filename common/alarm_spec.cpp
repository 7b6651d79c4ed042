#include "common/alarm_spec.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string_view>

#include "common/json_fields.h"
#include "common/time.h"

namespace xc {

using nlohmann::json;

namespace {

std::map<std::string, std::string> string_map(const json& j, const char* key) {
  std::map<std::string, std::string> out;
  if (j.contains(key) && j[key].is_object())
    for (const auto& [k, v] : j[key].items())
      if (v.is_string()) out[k] = v.get<std::string>();
  return out;
}

std::optional<int64_t> duration_of(const json& j, const char* key) {
  std::string text = string_field(j, key);
  if (text.empty()) return std::nullopt;
  return parse_alarm_duration(text);
}

AlarmRouteNode route_of(const json& j, int depth) {
  AlarmRouteNode n;
  if (!j.is_object()) return n;
  n.match = string_map(j, "match");
  n.receiver = string_field(j, "receiver");
  n.continue_matching = j.contains("continue") && j["continue"].is_boolean() && j["continue"];
  n.group_wait_ms = duration_of(j, "groupWait");
  n.repeat_interval_ms = duration_of(j, "repeatInterval");
  if (depth < 16 && j.contains("routes") && j["routes"].is_array())
    for (const json& child : j["routes"]) n.routes.push_back(route_of(child, depth + 1));
  return n;
}

}  // namespace

const std::vector<std::string>& alarm_metric_names() {
  static const std::vector<std::string> names = {
      "vm.cpu",   "vm.memory",   "vm.iops",   "vm.net",  //
      "host.cpu", "host.memory", "host.iops", "host.net", "host.pool-used"};
  return names;
}

const std::vector<std::string>& alarm_event_types() {
  static const std::vector<std::string> types = {
      "started", "stopped",  "shutdown",         "crashed",    "paused",
      "resumed", "migrated", "host-unreachable", "host-ready", "agent-restarted"};
  return types;
}

const std::vector<std::string>& alarm_severities() {
  static const std::vector<std::string> s = {"critical", "major", "minor", "warning"};
  return s;
}

bool AlarmCondition::holds(double v) const {
  if (op == ">") return v > threshold;
  if (op == ">=") return v >= threshold;
  if (op == "<") return v < threshold;
  if (op == "<=") return v <= threshold;
  if (op == "==") return v == threshold;
  if (op == "!=") return v != threshold;
  return false;
}

std::string AlarmCondition::text() const {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", threshold);
  return op + " " + buf;
}

std::optional<AlarmCondition> parse_alarm_condition(const std::string& text) {
  size_t i = 0;
  while (i < text.size() && text[i] == ' ') ++i;
  size_t op_start = i;
  while (i < text.size() && std::string_view("<>=!").find(text[i]) != std::string_view::npos) ++i;
  AlarmCondition c;
  c.op = text.substr(op_start, i - op_start);
  if (c.op != ">" && c.op != ">=" && c.op != "<" && c.op != "<=" && c.op != "==" && c.op != "!=")
    return std::nullopt;
  while (i < text.size() && text[i] == ' ') ++i;
  std::string number = text.substr(i);
  if (number.empty() || number.size() > 24) return std::nullopt;
  for (char ch : number)
    if (!(std::isdigit(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-'))
      return std::nullopt;
  try {
    size_t used = 0;
    c.threshold = std::stod(number, &used);
    if (used != number.size() || !std::isfinite(c.threshold)) return std::nullopt;
  } catch (...) {
    return std::nullopt;
  }
  return c;
}

std::optional<int64_t> parse_alarm_duration(const std::string& text) {
  if (text.size() < 2 || text.size() > 10) return std::nullopt;
  int64_t unit = 0;
  switch (text.back()) {
    case 's':
      unit = 1000;
      break;
    case 'm':
      unit = 60'000;
      break;
    case 'h':
      unit = 3'600'000;
      break;
    case 'd':
      unit = kMsPerDay;
      break;
    default:
      return std::nullopt;
  }
  int64_t n = 0;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    n = n * 10 + (text[i] - '0');
  }
  if (n * unit > 400 * kMsPerDay) return std::nullopt;
  return n * unit;
}

AlarmRuleSpec alarm_rule_from_json(const json& s) {
  AlarmRuleSpec r;
  if (!s.is_object()) return r;
  r.metric = string_field(s, "metric");
  r.event = string_field(s, "event");
  if (auto c = parse_alarm_condition(string_field(s, "condition"))) r.condition = *c;
  r.for_ms = duration_of(s, "for").value_or(0);
  r.clear_after_ms = duration_of(s, "clearAfter").value_or(0);
  if (std::string sev = string_field(s, "severity"); !sev.empty()) r.severity = sev;
  r.summary = string_field(s, "summary");
  if (s.contains("scope") && s["scope"].is_object()) {
    const json& sc = s["scope"];
    r.scope.tenant = string_field(sc, "tenant");
    r.scope.pool = string_field(sc, "pool");
    r.scope.host = string_field(sc, "host");
    r.scope.labels = string_map(sc, "labels");
  }
  r.labels = string_map(s, "labels");
  return r;
}

AlarmRouteSpec alarm_route_from_json(const json& s) {
  AlarmRouteSpec r;
  if (!s.is_object()) return r;
  if (s.contains("receivers") && s["receivers"].is_array()) {
    for (const json& j : s["receivers"]) {
      AlarmReceiver rc;
      rc.name = string_field(j, "name");
      rc.type = string_field(j, "type");
      if (j.contains("to") && j["to"].is_array())
        for (const json& t : j["to"])
          if (t.is_string()) rc.to.push_back(t);
      rc.url = string_field(j, "url");
      rc.smtp = string_field(j, "smtp");
      rc.from = string_field(j, "from");
      rc.secret_file = string_field(j, "secretFile");
      rc.address = string_field(j, "address");
      rc.community = string_field(j, "community");
      rc.text_template = string_field(j, "template");
      r.receivers.push_back(std::move(rc));
    }
  }
  if (s.contains("route")) r.route = route_of(s["route"], 0);
  if (s.contains("silences") && s["silences"].is_array()) {
    for (const json& j : s["silences"]) {
      AlarmSilence si;
      si.name = string_field(j, "name");
      if (auto t = parse_time_ms(string_field(j, "start")); t.ok()) si.start_ms = *t;
      if (auto t = parse_time_ms(string_field(j, "end")); t.ok()) si.end_ms = *t;
      si.match = string_map(j, "match");
      r.silences.push_back(std::move(si));
    }
  }
  return r;
}

}  // namespace xc
