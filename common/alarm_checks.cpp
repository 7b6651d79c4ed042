#include "common/alarm_checks.h"

#include <nlohmann/json.hpp>
#include <set>

namespace xc {

namespace {

void check_node(const AlarmRouteNode& node, const std::string& pointer, bool root,
                const std::set<std::string>& receivers, const YamlDocument& doc,
                std::vector<Diagnostic>& out) {
  if (root && node.receiver.empty())
    out.push_back(doc.error_at(pointer, "the root route needs a receiver"));
  if (!node.receiver.empty() && !receivers.count(node.receiver))
    out.push_back(doc.error_at(pointer + "/receiver",
                               "receiver '" + node.receiver + "' is not declared in receivers"));
  for (size_t i = 0; i < node.routes.size(); ++i)
    check_node(node.routes[i], pointer + "/routes/" + std::to_string(i), false, receivers, doc,
               out);
}

}  // namespace

void check_alarm_rule(const Object& o, const YamlDocument& doc, std::vector<Diagnostic>& out) {
  const auto& r = o.as<AlarmRuleSpec>();
  if (r.metric.empty() == r.event.empty()) {
    out.push_back(doc.error_at("/spec", "an AlarmRule watches exactly one of metric or event"));
    return;
  }
  const nlohmann::json spec = doc.tree.value("spec", nlohmann::json::object());
  const bool has_condition = spec.is_object() && spec.contains("condition");
  if (!r.metric.empty() && !has_condition)
    out.push_back(
        doc.error_at("/spec", "a metric rule needs a condition, e.g. condition: \"> 90\""));
  if (!r.event.empty() && has_condition)
    out.push_back(doc.error_at("/spec/condition",
                               "an event rule has no condition: it fires when the event happens"));
}

void check_alarm_route(const Object& o, const YamlDocument& doc, std::vector<Diagnostic>& out) {
  const auto& r = o.as<AlarmRouteSpec>();
  std::set<std::string> names;
  for (size_t i = 0; i < r.receivers.size(); ++i) {
    const AlarmReceiver& rc = r.receivers[i];
    std::string at = "/spec/receivers/" + std::to_string(i);
    if (!names.insert(rc.name).second)
      out.push_back(doc.error_at(at + "/name", "receiver '" + rc.name + "' is declared twice"));
    auto need = [&](bool present, const char* field, const char* what) {
      if (!present)
        out.push_back(
            doc.error_at(at, "a " + rc.type + " receiver needs " + field + " (" + what + ")"));
    };
    if (rc.type == "mail") {
      need(!rc.to.empty(), "to", "mail addresses");
      need(!rc.smtp.empty(), "smtp", "smtp://HOST:PORT");
    }
    if (rc.type == "webhook") need(!rc.url.empty(), "url", "http://HOST:PORT/PATH");
    if (rc.type == "syslog") need(!rc.address.empty(), "address", "tcp://HOST:PORT");
    if (rc.type == "snmp") {
      need(!rc.address.empty(), "address", "udp://HOST[:PORT] of the trap receiver");
      if (!rc.address.empty() && rc.address.rfind("udp://", 0) != 0)
        out.push_back(
            doc.error_at(at + "/address", "an snmp receiver's address is udp://HOST[:PORT]"));
    }
    if (rc.type == "sms") {
      need(!rc.url.empty(), "url", "the gateway's http://HOST:PORT/PATH");
      need(!rc.to.empty(), "to", "phone numbers");
    }
  }
  check_node(r.route, "/spec/route", true, names, doc, out);
  for (size_t i = 0; i < r.silences.size(); ++i)
    if (r.silences[i].end_ms <= r.silences[i].start_ms)
      out.push_back(doc.error_at("/spec/silences/" + std::to_string(i) + "/end",
                                 "silence '" + r.silences[i].name + "' ends before it starts"));
}

}  // namespace xc
