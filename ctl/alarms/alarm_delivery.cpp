#include "ctl/alarms/alarm_delivery.h"

#include <nlohmann/json.hpp>

namespace xc {

namespace {

struct StoredRoute {
  std::string name;
  AlarmRouteSpec spec;
};

Result<std::vector<StoredRoute>> stored_routes(Store& store) {
  auto records = store.list_resources(std::string("AlarmRoute"));
  if (!records.ok()) return records.status();
  std::vector<StoredRoute> out;
  for (const ResourceRecord& r : *records) {
    nlohmann::json record = nlohmann::json::parse(r.spec_json, nullptr, false);
    if (!record.is_object() || !record.contains("manifest") || !record["manifest"].is_object())
      continue;
    out.push_back({r.name, alarm_route_from_json(
                               record["manifest"].value("spec", nlohmann::json::object()))});
  }
  return out;
}

}  // namespace

NoticeKind next_notice(const AlarmRecord& a, const std::optional<AlarmDelivery>& last,
                       const RouteTarget& t, int64_t now) {
  const bool sent_before = last && !last->state.empty();
  if (a.state == "cleared")
    return sent_before && last->state != "cleared" ? NoticeKind::kCleared : NoticeKind::kNone;
  if (a.state != "firing") return NoticeKind::kNone;  // acknowledged: someone is on it
  if (!sent_before)
    return now - a.started_ms >= t.group_wait_ms ? NoticeKind::kFiring : NoticeKind::kNone;
  return now - last->last_sent_ms >= t.repeat_interval_ms ? NoticeKind::kRepeat : NoticeKind::kNone;
}

Result<DeliveryRound> deliver_alarms(Store& store, int64_t now, AlarmNotifier& notifier,
                                     int64_t cleared_window_ms) {
  DeliveryRound out;
  auto routes = stored_routes(store);
  if (!routes.ok()) return routes.status();
  if (routes->empty()) return out;
  auto alarms = store.list_alarms(false, now - cleared_window_ms);
  if (!alarms.ok()) return alarms.status();
  for (const AlarmRecord& a : *alarms) {
    auto deliveries = store.list_alarm_deliveries(a.id);
    if (!deliveries.ok()) return deliveries.status();
    const AlarmLabels labels = alarm_labels(a);
    // Who is sent what: a clear goes to every receiver told the alarm fired
    // (its labels may have changed since: a new severity); the rest by routing.
    std::vector<std::pair<const StoredRoute*, RouteTarget>> targets;
    for (const StoredRoute& route : *routes) {
      if (a.state == "cleared") {
        for (const AlarmDelivery& d : *deliveries)
          if (d.route == route.name) targets.push_back({&route, RouteTarget{d.receiver, 0, 0}});
        continue;
      }
      if (silence_for(route.spec, labels, now) != nullptr) {
        ++out.silenced;
        continue;
      }
      for (const RouteTarget& t : route_alarm(route.spec.route, labels))
        targets.push_back({&route, t});
    }
    for (const auto& [route, target] : targets) {
      std::optional<AlarmDelivery> last;
      for (const AlarmDelivery& d : *deliveries)
        if (d.route == route->name && d.receiver == target.receiver) last = d;
      NoticeKind kind = next_notice(a, last, target, now);
      if (kind == NoticeKind::kNone) continue;
      const AlarmReceiver* receiver = nullptr;
      for (const AlarmReceiver& r : route->spec.receivers)
        if (r.name == target.receiver) receiver = &r;
      if (receiver == nullptr) continue;  // the route was changed since
      AlarmNotice notice{kind == NoticeKind::kCleared ? "cleared" : "firing",
                         kind == NoticeKind::kRepeat, route->name, a, labels};
      Status sent = notifier.notify(*receiver, notice);
      AlarmDelivery d =
          last.value_or(AlarmDelivery{a.id, route->name, target.receiver, "", 0, 0, ""});
      std::string what = "alarm " + std::to_string(a.id) + " " + a.rule + " " + a.object + " " +
                         notice.status + (notice.repeat ? " (repeat)" : "") + " to " + route->name +
                         "/" + target.receiver;
      if (sent.ok()) {
        d.state = notice.status;
        d.last_sent_ms = now;
        ++d.count;
        d.last_error.clear();
        ++out.sent;
        out.lines.push_back(what + ": sent");
      } else {
        d.last_error = sent.message();
        ++out.failed;
        out.lines.push_back(what + ": " + sent.message());
      }
      if (Status s = store.put_alarm_delivery(d); !s.ok()) return s;
    }
  }
  return out;
}

}  // namespace xc
