#include <doctest/doctest.h>

#include "ctl/store/host_health.h"
#include "ctl/store/state_lock.h"
#include "ctl/store/store.h"
#include "tests/support/temp_dir.h"

using namespace xc;

namespace {

using xc::test::TempDir;

EventRecord event(const std::string& host, const std::string& vm, int64_t time_ms,
                  const std::string& type, int64_t seq, const std::string& boot = "b1") {
  EventRecord e;
  e.time_ms = time_ms;
  e.received_ms = time_ms + 5;
  e.host = host;
  e.tenant = vm.empty() ? "" : "education";
  e.vm = vm;
  e.domain = vm.empty() ? "" : "xc-education." + vm;
  e.type = type;
  e.boot_id = seq > 0 ? boot : "";
  e.agent_seq = seq;
  return e;
}

std::string types(const std::vector<EventRecord>& events) {
  std::string out;
  for (const auto& e : events) out += e.type + " ";
  return out;
}

}  // namespace

TEST_CASE("events are stored once per agent run and sequence number, and read by filter") {
  TempDir dir;
  auto opened = open_store(dir.path("state.db"), OpenMode::kCreate);
  REQUIRE(opened.ok());
  Store& s = **opened;
  CHECK(*s.schema_version() >= 7);  // events came with version 7
  REQUIRE(s.insert_events({event("x86-01", "web-1", 1000, "started", 1),
                           event("x86-01", "web-1", 3000, "crashed", 2),
                           event("x86-02", "db-1", 2000, "paused", 1),
                           event("x86-02", "", 2500, "host-unreachable", 0),
                           event("x86-02", "", 2600, "host-ready", 0)})
              .ok());
  // Read again after a reconnect: the same (host, run, seq) is skipped; a new
  // run numbers from 1 again and is stored.
  REQUIRE(s.insert_events({event("x86-01", "web-1", 1000, "started", 1),
                           event("x86-01", "web-1", 4000, "started", 1, "b2")})
              .ok());
  auto all = s.list_events({});
  REQUIRE(all.ok());
  CHECK(types(*all) == "started paused host-unreachable host-ready crashed started ");
  CHECK((*all)[0] == [&] {
    EventRecord e = event("x86-01", "web-1", 1000, "started", 1);
    e.id = (*all)[0].id;
    return e;
  }());
  CHECK((*all)[2].agent_seq == 0);

  EventFilter web;
  web.tenant = "education";
  web.vm = "web-1";
  CHECK(types(*s.list_events(web)) == "started crashed started ");
  EventFilter host;
  host.host = "x86-02";
  host.since_ms = 2500;
  CHECK(types(*s.list_events(host)) == "host-unreachable host-ready ");
  EventFilter newest;
  newest.limit = 2;
  CHECK(types(*s.list_events(newest)) == "crashed started ");

  auto pruned = s.prune_events(2500);
  REQUIRE(pruned.ok());
  CHECK(*pruned == 2);
  CHECK(types(*s.list_events({})) == "host-unreachable host-ready crashed started ");
}

TEST_CASE(
    "newest per object: a VM's across hosts, a host's own, an unmanaged domain's, backups apart") {
  TempDir dir;
  auto opened = open_store(dir.path("state.db"), OpenMode::kCreate);
  REQUIRE(opened.ok());
  Store& s = **opened;
  EventRecord unmanaged = event("x86-02", "", 2700, "crashed", 0);
  unmanaged.domain = "legacy-db";
  REQUIRE(s.insert_events({event("x86-01", "web-1", 1000, "crashed", 1),
                           event("x86-02", "web-1", 2000, "started", 1),  // moved, then started
                           event("x86-02", "web-1", 2100, "backup-failed", 2),
                           event("x86-02", "web-1", 2200, "backup-ok", 3),
                           event("x86-02", "", 2500, "host-unreachable", 0),
                           event("x86-02", "", 2600, "host-ready", 0), unmanaged,
                           event("x86-01", "db-1", 3000, "paused", 2)})
              .ok());
  EventFilter f;
  f.newest_per_object = true;
  auto newest = s.list_events(f);
  REQUIRE(newest.ok());
  CHECK(types(*newest) == "started backup-ok host-ready crashed paused ");
  CHECK((*newest)[3].domain == "legacy-db");
  f.since_ms = 2150;  // the window comes first: web-1's lifecycle stream is outside it
  CHECK(types(*s.list_events(f)) == "backup-ok host-ready crashed paused ");
}

TEST_CASE("a host's event cursor is kept and replaced") {
  TempDir dir;
  auto opened = open_store(dir.path("state.db"), OpenMode::kCreate);
  REQUIRE(opened.ok());
  Store& s = **opened;
  CHECK(!s.get_event_cursor("x86-01")->has_value());
  REQUIRE(s.put_event_cursor({"x86-01", "b1", 17, 1000}).ok());
  REQUIRE(s.put_event_cursor({"x86-01", "b2", 3, 2000}).ok());
  CHECK(**s.get_event_cursor("x86-01") == EventCursor{"x86-01", "b2", 3, 2000});
}

TEST_CASE("a contact moves a host between ready and unreachable, keeping the first failure") {
  nlohmann::json snapshot = {{"contactedAtMs", 100},
                             {"domains", {{{"domain", "d1"}, {"state", "running"}}}}};
  CHECK(record_contact(snapshot, {true, ""}, 200) == HealthChange::kNone);
  CHECK(record_contact(snapshot, {false, "refused"}, 300) == HealthChange::kUnreachable);
  CHECK(record_contact(snapshot, {false, "timed out"}, 400) == HealthChange::kNone);
  CHECK(snapshot["unreachableSinceMs"] == 300);
  CHECK(snapshot["lastError"] == "timed out");
  CHECK(record_contact(snapshot, {true, ""}, 500) == HealthChange::kReady);
  CHECK(!snapshot.contains("unreachableSinceMs"));
  CHECK(snapshot["lastError"] == "timed out");  // kept for -o wide
  CHECK(snapshot["contactedAtMs"] == 500);
  nlohmann::json fresh = nlohmann::json::object();
  CHECK(record_contact(fresh, {true, ""}, 600) == HealthChange::kReady);  // first contact
  CHECK(set_domain_state(snapshot, "d1", "paused"));
  CHECK(!set_domain_state(snapshot, "d1", "paused"));
  CHECK(!set_domain_state(snapshot, "nope", "paused"));
  CHECK(snapshot["domains"][0]["state"] == "paused");
}

TEST_CASE("serve's lock is its own: a second serve is refused, changes are not") {
  TempDir dir;
  std::string state = dir.path("state.db");
  LockHolder me{"serve", "xcloud", 4242, 0};
  auto first = StateLock::acquire_serve(state, me, 0);
  REQUIRE(first.ok());
  auto second = StateLock::acquire_serve(state, me, 0);
  REQUIRE(!second.ok());
  CHECK(second.status().code() == Code::kUnavailable);
  CHECK(second.status().message() ==
        "state database " + state + " is already served by the serve by xcloud (pid 4242)");
  auto change = StateLock::acquire(state, {"apply", "alice", 1, 0}, false, nullptr, 0);
  CHECK(change.ok());
}
