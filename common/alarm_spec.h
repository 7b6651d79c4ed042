// The two alarm kinds of the manifest model: AlarmRule (a metric or an event
// type, a condition, how long it must hold, a severity and a scope) and
// AlarmRoute (an Alertmanager-like tree of label matchers delivering to
// receivers, with silences). Value types and pure parsers; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace xc {

// The metrics a rule may watch, as the metric tables keep them: per VM and
// per host CPU and memory in percent of what is allocated (VM) or present
// (host), IOPS (read + write), network KiB/s (rx + tx); per host the storage
// pool's use in percent of its capacity.
const std::vector<std::string>& alarm_metric_names();
// The event types a rule may watch (those the events table holds).
const std::vector<std::string>& alarm_event_types();
const std::vector<std::string>& alarm_severities();  // critical, major, minor, warning

// ">", ">=", "<", "<=", "==", "!=" then a number: "> 90", ">=0.5".
struct AlarmCondition {
  std::string op;
  double threshold = 0;

  bool holds(double value) const;
  std::string text() const;  // "> 90"
};
std::optional<AlarmCondition> parse_alarm_condition(const std::string& text);

// "30s", "5m", "2h", "1d" in ms; nullopt for anything else (or over 400 days).
std::optional<int64_t> parse_alarm_duration(const std::string& text);

struct AlarmScope {
  std::string tenant;  // VMs of this tenant and its sub-tenants
  std::string pool;
  std::string host;
  std::map<std::string, std::string> labels;  // the object's labels must all match
};

struct AlarmRuleSpec {
  std::string metric;  // one of alarm_metric_names(), or empty
  std::string event;   // one of alarm_event_types(), or empty
  AlarmCondition condition;
  int64_t for_ms = 0;
  int64_t clear_after_ms = 0;  // event rules: cleared this long after the event (0: never by time)
  std::string severity = "major";
  std::string summary;
  AlarmScope scope;
  std::map<std::string, std::string> labels;  // added to the alarm's labels for routing
};

AlarmRuleSpec alarm_rule_from_json(const nlohmann::json& spec);

struct AlarmReceiver {
  std::string name;
  std::string type;             // mail, webhook, syslog, sms, snmp
  std::vector<std::string> to;  // mail: addresses; sms: phone numbers
  std::string smtp;             // mail: smtp://HOST:PORT or smtps://HOST:PORT
  std::string from;             // mail: the sender (default xcloud@ this host)
  std::string url;              // webhook, sms: http://HOST:PORT/PATH
  std::string secret_file;      // webhook: the HMAC-SM3 key, read at delivery
  std::string address;        // syslog: tcp://HOST:PORT or tls://HOST:PORT; snmp: udp://HOST[:PORT]
  std::string community;      // snmp: the SNMPv2c community (default "public")
  std::string text_template;  // sms: "{severity} {rule} {object}: {summary}"
};

struct AlarmRouteNode {
  std::map<std::string, std::string> match;   // all must equal the alarm's labels
  std::string receiver;                       // empty: inherit the parent's
  bool continue_matching = false;             // siblings after a match are tried too
  std::optional<int64_t> group_wait_ms;       // empty: inherit (root default 30 s)
  std::optional<int64_t> repeat_interval_ms;  // empty: inherit (root default 4 h)
  std::vector<AlarmRouteNode> routes;
};

struct AlarmSilence {
  std::string name;
  int64_t start_ms = 0, end_ms = 0;
  std::map<std::string, std::string> match;
};

struct AlarmRouteSpec {
  std::vector<AlarmReceiver> receivers;
  AlarmRouteNode route;
  std::vector<AlarmSilence> silences;
};

AlarmRouteSpec alarm_route_from_json(const nlohmann::json& spec);

}  // namespace xc
