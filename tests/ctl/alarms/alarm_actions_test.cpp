#include "ctl/alarms/alarm_actions.h"

#include <doctest/doctest.h>

using namespace xc;

namespace {

AlarmRecord firing() {
  AlarmRecord a;
  a.id = 3;
  a.rule = "vm-crashed";
  a.object = "vm/education/web-1";
  a.severity = "major";
  a.state = "firing";
  a.started_ms = 1000;
  return a;
}

}  // namespace

TEST_CASE(
    "alarm actions: ack once, assign, change severity, comment, clear, a cleared alarm takes "
    "comments only") {
  auto acked = apply_alarm_change(firing(), {AlarmAction::kAcknowledge, "on it"}, 2000, "alice");
  REQUIRE(acked.ok());
  CHECK(acked->state == "acknowledged");
  CHECK(acked->acked_by == "alice");
  CHECK(acked->acked_ms == 2000);
  auto again = apply_alarm_change(*acked, {AlarmAction::kAcknowledge, ""}, 3000, "bob");
  CHECK(again.status().code() == Code::kFailedPrecondition);
  CHECK(again.status().message() ==
        "alarm 3 was already acknowledged by alice at 1970-01-01T00:00:02.000Z");

  auto assigned = apply_alarm_change(*acked, {AlarmAction::kAssign, "zhang.wei"}, 3000, "alice");
  REQUIRE(assigned.ok());
  CHECK(assigned->assignee == "zhang.wei");
  CHECK(apply_alarm_change(*acked, {AlarmAction::kAssign, ""}, 3000, "a").status().code() ==
        Code::kInvalidArgument);

  auto minor = apply_alarm_change(*assigned, {AlarmAction::kSeverity, "minor"}, 4000, "alice");
  REQUIRE(minor.ok());
  CHECK(minor->severity == "minor");
  auto bad = apply_alarm_change(*assigned, {AlarmAction::kSeverity, "huge"}, 4000, "alice");
  CHECK(bad.status().message() == "severity 'huge': expected critical, major, minor or warning");

  auto cleared = apply_alarm_change(*minor, {AlarmAction::kClear, ""}, 5000, "alice");
  REQUIRE(cleared.ok());
  CHECK(cleared->state == "cleared");
  CHECK(cleared->cleared_by == "alice");
  CHECK(cleared->updated_ms == 5000);
  CHECK(
      apply_alarm_change(*cleared, {AlarmAction::kComment, "root cause: disk"}, 6000, "bob").ok());
  auto late = apply_alarm_change(*cleared, {AlarmAction::kAcknowledge, ""}, 6000, "bob");
  CHECK(late.status().message() ==
        "alarm 3 was cleared at 1970-01-01T00:00:05.000Z; only comments may be added");
}
