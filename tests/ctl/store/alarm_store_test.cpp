#include <doctest/doctest.h>

#include "ctl/store/store.h"
#include "tests/support/temp_dir.h"

using namespace xc;
using xc::test::TempDir;

namespace {

AlarmRecord alarm(const std::string& object) {
  AlarmRecord a;
  a.rule = "host-unreachable";
  a.object = object;
  a.host = "x86-01";
  a.severity = "critical";
  a.state = "firing";
  a.value = "refused";
  a.labels_json = R"({"team":"ops"})";
  a.started_ms = a.updated_ms = 1000;
  return a;
}

}  // namespace

TEST_CASE("alarm store: one active alarm per rule and object, history and deliveries kept") {
  TempDir dir;
  auto opened = open_store(dir.path("state.db"), OpenMode::kCreate);
  REQUIRE(opened.ok());
  Store& store = **opened;
  auto id = store.insert_alarm(alarm("host/x86-01"));
  REQUIRE(id.ok());
  CHECK(*id == 1);
  auto again = store.insert_alarm(alarm("host/x86-01"));
  CHECK_FALSE(again.ok());  // the partial unique index
  CHECK(store.insert_alarm(alarm("host/x86-02")).ok());

  auto stored = store.get_alarm(1);
  REQUIRE(stored.ok());
  AlarmRecord want = alarm("host/x86-01");
  want.id = 1;
  CHECK(*stored == want);
  stored->state = "cleared";
  stored->cleared_ms = 2000;
  REQUIRE(store.update_alarm(*stored).ok());
  // Cleared: the same rule and object may fire again, as a new alarm.
  auto refired = store.insert_alarm(alarm("host/x86-01"));
  REQUIRE(refired.ok());
  CHECK(*refired == 3);

  CHECK(store.list_alarms(true, 0)->size() == 2);
  CHECK(store.list_alarms(false, 0)->size() == 3);
  CHECK(store.list_alarms(false, 2001)->size() == 2);  // cleared before 2001
  CHECK(store.get_alarm(9).status().code() == Code::kNotFound);
  AlarmRecord missing = want;
  missing.id = 9;
  CHECK(store.update_alarm(missing).code() == Code::kNotFound);

  REQUIRE(store.add_alarm_note({0, 1, 1500, "alice", "acknowledged", "on it"}).ok());
  REQUIRE(store.add_alarm_note({0, 1, 1600, "alice", "comment", "fan"}).ok());
  auto notes = store.list_alarm_notes(1);
  REQUIRE(notes->size() == 2);
  CHECK((*notes)[1] == AlarmNote{2, 1, 1600, "alice", "comment", "fan"});

  AlarmDelivery d{1, "ops", "hook", "firing", 1000, 1, ""};
  REQUIRE(store.put_alarm_delivery(d).ok());
  d.count = 2;
  d.last_sent_ms = 5000;
  REQUIRE(store.put_alarm_delivery(d).ok());
  auto sent = store.list_alarm_deliveries(1);
  REQUIRE(sent->size() == 1);
  CHECK((*sent)[0] == d);
}
