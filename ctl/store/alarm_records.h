// The rows the alarm workflow keeps (migration 9): alarms, their history
// (who acknowledged, assigned, changed severity, commented, and when) and
// each alarm's delivery state per route receiver, so dedup and repeat
// survive a restart. Plain value types.
#pragma once

#include <cstdint>
#include <string>

namespace xc {

// One alarm: one rule firing for one object. While it is not cleared it is
// the only alarm of that rule and object; a re-fire after a clear is a new one.
struct AlarmRecord {
  int64_t id = 0;        // set by the store
  std::string rule;      // an AlarmRule's name, or a built-in rule's
  std::string object;    // what it is about: "host/x86-01", "vm/education/web-1", "pool/p1"
  std::string host;      // the host concerned, if any
  std::string pool;      // the pool concerned, if any
  std::string tenant;    // the VM's tenant, if any
  std::string severity;  // critical, major, minor, warning
  std::string state;     // firing, acknowledged, cleared
  std::string summary;
  std::string value;        // the figure that fired it, as text ("97.5"), or the event
  std::string labels_json;  // the rule's extra labels, a JSON object
  std::string assignee;
  int64_t started_ms = 0;
  int64_t updated_ms = 0;
  int64_t acked_ms = 0;  // 0: not acknowledged
  std::string acked_by;
  int64_t cleared_ms = 0;  // 0: not cleared
  std::string cleared_by;  // "" when the condition ended by itself

  bool operator==(const AlarmRecord&) const = default;
};

// One change of an alarm: "fired", "acknowledged", "assigned", "severity",
// "comment", "cleared".
struct AlarmNote {
  int64_t id = 0;
  int64_t alarm_id = 0;
  int64_t time_ms = 0;
  std::string actor;  // "xcloudctl" for the evaluation's own changes
  std::string action;
  std::string text;

  bool operator==(const AlarmNote&) const = default;
};

// What was sent of one alarm to one receiver of one route.
struct AlarmDelivery {
  int64_t alarm_id = 0;
  std::string route;     // the AlarmRoute's name
  std::string receiver;  // the receiver's name
  std::string state;     // the alarm state last sent: firing, acknowledged, cleared
  int64_t last_sent_ms = 0;
  int64_t count = 0;
  std::string last_error;  // "" after a success

  bool operator==(const AlarmDelivery&) const = default;
};

}  // namespace xc
