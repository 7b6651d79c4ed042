#include "ctl/alarms/alarm_transitions.h"

#include <doctest/doctest.h>

using namespace xc;

namespace {

AlarmCandidate candidate(const std::string& rule, const std::string& object,
                         const std::string& value, int64_t since) {
  AlarmCandidate c;
  c.rule = rule;
  c.object = object;
  c.severity = "critical";
  c.value = value;
  c.since_ms = since;
  return c;
}

}  // namespace

TEST_CASE(
    "alarm transitions: a new condition fires, a lasting one is one alarm, an ended one clears") {
  auto t1 = plan_alarm_transitions(
      {}, {candidate("host-unreachable", "host/x86-01", "refused", 900)}, 1000);
  REQUIRE(t1.fired.size() == 1);
  CHECK(t1.fired[0].state == "firing");
  CHECK(t1.fired[0].started_ms == 900);  // when the condition began
  CHECK(t1.fired[0].updated_ms == 1000);
  CHECK(t1.cleared.empty());
  CHECK(t1.active == 1);

  AlarmRecord stored = t1.fired[0];
  stored.id = 7;
  // Still true: no second alarm; a new value is an update of the same one.
  auto t2 = plan_alarm_transitions(
      {stored}, {candidate("host-unreachable", "host/x86-01", "refused", 900)}, 2000);
  CHECK(t2.fired.empty());
  CHECK(t2.updated.empty());
  CHECK(t2.active == 1);
  auto t3 = plan_alarm_transitions(
      {stored}, {candidate("host-unreachable", "host/x86-01", "timed out", 900)}, 3000);
  REQUIRE(t3.updated.size() == 1);
  CHECK(t3.updated[0].id == 7);
  CHECK(t3.updated[0].value == "timed out");

  // Acknowledged alarms stay acknowledged while the condition holds.
  stored.state = "acknowledged";
  auto t4 = plan_alarm_transitions(
      {stored}, {candidate("host-unreachable", "host/x86-01", "refused", 900)}, 4000);
  CHECK(t4.fired.empty());
  CHECK(t4.cleared.empty());

  // Ended: cleared by itself (no one cleared it).
  auto t5 = plan_alarm_transitions({stored}, {}, 5000);
  REQUIRE(t5.cleared.size() == 1);
  CHECK(t5.cleared[0].id == 7);
  CHECK(t5.cleared[0].state == "cleared");
  CHECK(t5.cleared[0].cleared_ms == 5000);
  CHECK(t5.cleared[0].cleared_by == "");
  CHECK(t5.active == 0);

  // Fires again after the clear: a new alarm (the cleared one is not active).
  auto t6 = plan_alarm_transitions(
      {}, {candidate("host-unreachable", "host/x86-01", "refused", 6000)}, 6000);
  REQUIRE(t6.fired.size() == 1);
  CHECK(t6.fired[0].id == 0);
}

TEST_CASE("alarm transitions: one alarm per rule and object, other rules and objects are apart") {
  auto t = plan_alarm_transitions({},
                                  {candidate("vm-crashed", "vm/education/web-1", "crashed", 10),
                                   candidate("vm-crashed", "vm/education/web-1", "crashed", 20),
                                   candidate("vm-crashed", "vm/education/web-2", "crashed", 10),
                                   candidate("vm-paused", "vm/education/web-1", "paused", 10)},
                                  100);
  REQUIRE(t.fired.size() == 3);
  CHECK(t.fired[0].object == "vm/education/web-1");
  CHECK(t.fired[0].started_ms == 10);  // the first candidate is taken
  CHECK(t.fired[1].object == "vm/education/web-2");
  CHECK(t.fired[2].rule == "vm-paused");
  // A condition said to begin in the future (a host's clock ahead) starts now.
  auto ahead = plan_alarm_transitions({}, {candidate("r", "host/h", "v", 500)}, 100);
  CHECK(ahead.fired[0].started_ms == 100);
}
