#include "ctl/controller/event_pull.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <thread>

#include "ctl/controller/vm_events.h"
#include "ctl/controller/watched_hosts.h"
#include "ctl/store/host_health.h"

namespace xc {
namespace {

using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

constexpr int64_t kBatch = 1000;  // events.wait's own maximum

// What the host threads share; every use of the store, the clock and the
// counters is under `mutex`.
struct Shared {
  LoopWorld& world;
  const DomainIndex& index;
  std::mutex mutex;
  EventPullSummary summary;
};

EventRecord host_note(const std::string& host, const std::string& type, const std::string& detail,
                      int64_t now) {
  EventRecord e;
  e.time_ms = e.received_ms = now;
  e.host = host;
  e.type = type;
  e.detail = detail;
  return e;
}

// Stores one events.wait result; returns the new cursor and the log lines.
Result<EventCursor> store_batch(Shared& s, const EventCursor& cursor, const json& result,
                                std::vector<std::string>& lines) {
  Store& store = s.world.store;
  const int64_t now = s.world.clock();
  const std::string boot_id = result.value("bootId", "");
  std::vector<EventRecord> events;
  bool restarted = !cursor.boot_id.empty() && cursor.boot_id != boot_id;
  if (restarted) {
    events.push_back(host_note(
        cursor.host, "agent-restarted",
        "new agent run " + boot_id.substr(0, 8) + "; events while no agent ran are not known",
        now));
  }
  int64_t missed = result.value("missed", int64_t{0});
  if (missed > 0) {
    events.push_back(host_note(
        cursor.host, "events-lost",
        std::to_string(missed) + " events were dropped by the agent before they were read", now));
  }
  std::vector<EventRecord> from_agent = vm_events_from(result, cursor.host, s.index, now);
  EventCursor next = cursor;
  next.boot_id = boot_id;
  if (restarted || cursor.boot_id.empty()) next.seq = 0;
  for (const EventRecord& e : from_agent) next.seq = std::max(next.seq, e.agent_seq);
  next.updated_at_ms = now;
  events.insert(events.end(), from_agent.begin(), from_agent.end());
  Status saved = store.transact([&]() -> Status {
    if (!events.empty()) {
      if (Status st = store.insert_events(events); !st.ok()) return st;
    }
    if (Status st = store.put_event_cursor(next); !st.ok()) return st;
    // The inventory shows what the newest event of each domain left behind.
    std::map<std::string, std::string> states;
    for (const EventRecord& e : from_agent)
      if (auto state = state_after(e)) states[e.domain] = *state;
    if (states.empty()) return Status{};
    auto record = store.get_host(cursor.host);
    if (!record.ok()) return record.status().code() == Code::kNotFound ? Status{} : record.status();
    json snapshot = json::parse(record->facts_json, nullptr, false);
    bool changed = false;
    for (const auto& [domain, state] : states) changed |= set_domain_state(snapshot, domain, state);
    if (!changed) return Status{};
    HostRecord updated = *record;
    updated.facts_json = snapshot.dump();
    return store.upsert_host(updated);
  });
  if (!saved.ok()) return saved;
  s.summary.stored += static_cast<int64_t>(events.size());
  for (const EventRecord& e : events) lines.push_back(event_line(e));
  return next;
}

void poll_host(Shared& s, const std::string& host, const EventPullOptions& o,
               SteadyClock::time_point deadline) {
  const StopSignal& stop = s.world.stop;
  EventCursor cursor;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    auto stored = s.world.store.get_event_cursor(host);
    if (!stored.ok()) {
      s.world.log.event("events: host " + host + ": " + stored.status().message());
      ++s.summary.failed;
      return;
    }
    cursor = stored->value_or(EventCursor{host, "", 0, 0});
  }
  std::string last_error;
  for (;;) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    int64_t wait = std::max<int64_t>(0, std::min<int64_t>(o.wait.count(), left.count()));
    json params = {{"after", cursor.seq}, {"waitMs", wait}, {"max", kBatch}};
    if (!cursor.boot_id.empty()) params["bootId"] = cursor.boot_id;
    Result<json> reply = s.world.hosts.call(host, "events.wait", params);
    bool full = false;
    if (!reply.ok()) {
      if (reply.status().message() != last_error)
        s.world.log.event("events: cannot read events: " + reply.status().message());
      last_error = reply.status().message();
    } else {
      if (!last_error.empty()) s.world.log.event("events: host " + host + ": reading events again");
      last_error.clear();
      std::vector<std::string> lines;
      std::lock_guard<std::mutex> lock(s.mutex);
      auto next = store_batch(s, cursor, *reply, lines);
      if (!next.ok()) {
        s.world.log.event("events: host " + host + ": " + next.status().message());
        last_error = next.status().message();
      } else {
        cursor = *next;
        full = reply->value("events", json::array()).size() >= static_cast<size_t>(kBatch);
      }
      for (const auto& line : lines) s.world.log.event(line);
    }
    if (full && !stop.stopped()) continue;  // more are waiting
    if (stop.stopped() || SteadyClock::now() >= deadline) break;
    if (!last_error.empty() &&
        stop.wait_for(std::min(o.retry, std::chrono::duration_cast<std::chrono::milliseconds>(
                                            deadline - SteadyClock::now()))))
      break;
  }
  std::lock_guard<std::mutex> lock(s.mutex);
  if (!last_error.empty()) ++s.summary.failed;
}

}  // namespace

Result<EventPullSummary> events_round(LoopWorld& w, const EventPullOptions& o) {
  auto hosts = watched_hosts(w.store, w.hosts);
  if (!hosts.ok()) return hosts.status();
  auto index = domain_index(w.store);
  if (!index.ok()) return index.status();
  Shared shared{w, *index, {}, {}};
  shared.summary.hosts = static_cast<int64_t>(hosts->size());
  const auto deadline = SteadyClock::now() + std::max(o.duration, o.wait);
  std::vector<std::thread> threads;
  for (const WatchedHost& h : *hosts)
    threads.emplace_back(poll_host, std::ref(shared), h.record.name, std::cref(o), deadline);
  for (auto& t : threads) t.join();
  return shared.summary;
}

}  // namespace xc
