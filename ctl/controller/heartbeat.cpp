#include "ctl/controller/heartbeat.h"

#include <future>

#include "ctl/controller/watched_hosts.h"
#include "ctl/sla/sla_inputs.h"

namespace xc {

namespace {

std::string seconds(int64_t ms) {
  return std::to_string((ms + 500) / 1000) + " s";
}

// The host's maintenance history for availability (ctl/sla): an event when
// its Host manifest's `maintenance` changes, as the heartbeat sees it.
std::optional<EventRecord> maintenance_change(nlohmann::json& snapshot, const std::string& host,
                                              bool maintenance, int64_t now) {
  if (!snapshot.is_object()) return std::nullopt;
  if (snapshot.value("maintenanceSeen", false) == maintenance) return std::nullopt;
  snapshot["maintenanceSeen"] = maintenance;
  EventRecord e;
  e.time_ms = e.received_ms = now;
  e.host = host;
  e.type = maintenance ? kHostMaintenanceEvent : kHostMaintenanceEndEvent;
  return e;
}

}  // namespace

Result<std::vector<HostHeartbeat>> heartbeat_round(LoopWorld& w) {
  auto hosts = watched_hosts(w.store, w.hosts);
  if (!hosts.ok()) return hosts.status();
  std::vector<std::future<Result<nlohmann::json>>> calls;
  for (const WatchedHost& h : *hosts) {
    std::string name = h.record.name;
    calls.push_back(std::async(std::launch::async, [&w, name] {
      return w.hosts.call(name, "host.heartbeat", nlohmann::json::object());
    }));
  }
  std::vector<HostHeartbeat> out;
  for (size_t i = 0; i < calls.size(); ++i) {
    Result<nlohmann::json> reply = calls[i].get();
    HostHeartbeat b;
    b.host = (*hosts)[i].record.name;
    b.maintenance = (*hosts)[i].maintenance;
    b.reachable = reply.ok();
    if (!reply.ok()) b.error = reply.status().message();
    out.push_back(std::move(b));
  }
  const int64_t now = w.clock();
  std::vector<EventRecord> changes;
  Status saved = w.store.transact([&]() -> Status {
    for (HostHeartbeat& b : out) {
      auto record = w.store.get_host(b.host);  // again, inside the transaction
      if (!record.ok()) {
        if (record.status().code() == Code::kNotFound) continue;  // deleted meanwhile
        return record.status();
      }
      nlohmann::json snapshot = nlohmann::json::parse(record->facts_json, nullptr, false);
      int64_t was_since =
          snapshot.is_object() ? snapshot.value("unreachableSinceMs", int64_t{0}) : 0;
      b.change = record_contact(snapshot, {b.reachable, b.error}, now);
      b.unreachable_since_ms = snapshot.value("unreachableSinceMs", int64_t{0});
      if (auto e = maintenance_change(snapshot, b.host, b.maintenance, now))
        changes.push_back(std::move(*e));
      HostRecord updated = *record;
      updated.facts_json = snapshot.dump();
      if (Status s = w.store.upsert_host(updated); !s.ok()) return s;
      if (b.change == HealthChange::kNone) continue;
      EventRecord e;
      e.time_ms = e.received_ms = now;
      e.host = b.host;
      if (b.change == HealthChange::kUnreachable) {
        e.type = "host-unreachable";
        e.detail = b.error;
      } else {
        e.type = "host-ready";
        e.detail = was_since > 0 ? "unreachable for " + seconds(now - was_since) : "first contact";
      }
      changes.push_back(std::move(e));
    }
    if (!changes.empty()) {
      if (Status s = w.store.insert_events(changes); !s.ok()) return s;
    }
    auto pruned = w.store.prune_events(now - kEventRetentionMs);
    return pruned.ok() ? Status{} : pruned.status();
  });
  if (!saved.ok()) return saved;
  for (const EventRecord& e : changes) {
    if (e.type == kHostMaintenanceEvent || e.type == kHostMaintenanceEndEvent)
      w.log.event("host " + e.host +
                  (e.type == kHostMaintenanceEvent ? " in maintenance" : " out of maintenance"));
    else
      w.log.event("host " + e.host + " " + (e.type == "host-ready" ? "ready" : "unreachable") +
                  ": " + e.detail);
  }
  return out;
}

}  // namespace xc
