// Delivery of alarms through the applied AlarmRoute objects: per alarm and
// route receiver, what to send now (the first notice after the group wait,
// a repeat every repeat interval while it fires unacknowledged, the clear
// once), skipping silenced alarms, with the result stored per receiver so
// dedup and repeat survive a restart. The sending itself is an
// AlarmNotifier's. Not thread-safe (one store).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/alarm_spec.h"
#include "ctl/alarms/alarm_routing.h"
#include "ctl/store/store.h"

namespace xc {

enum class NoticeKind { kNone, kFiring, kRepeat, kCleared };

// What `alarm` should be sent to a receiver now, given what was last sent
// to it (nullopt: nothing yet). Pure.
NoticeKind next_notice(const AlarmRecord& alarm, const std::optional<AlarmDelivery>& last,
                       const RouteTarget& target, int64_t now_ms);

struct AlarmNotice {
  std::string status;  // "firing" or "cleared"
  bool repeat = false;
  std::string route;
  AlarmRecord alarm;
  AlarmLabels labels;
};

// Sends one notice to one receiver (mail, webhook, syslog, sms).
class AlarmNotifier {
 public:
  virtual ~AlarmNotifier() = default;
  virtual Status notify(const AlarmReceiver& receiver, const AlarmNotice& notice) = 0;
};

struct DeliveryRound {
  int64_t sent = 0, failed = 0, silenced = 0;
  std::vector<std::string> lines;  // one per notice sent or failed, for logs
};

// Alarms active or cleared within `cleared_window_ms` are considered.
Result<DeliveryRound> deliver_alarms(Store& store, int64_t now_ms, AlarmNotifier& notifier,
                                     int64_t cleared_window_ms = 86'400'000);

}  // namespace xc
