#include "ctl/alarms/alarm_routing.h"

#include <doctest/doctest.h>

using namespace xc;

namespace {

AlarmRouteNode tree() {
  AlarmRouteNode root;
  root.receiver = "ops";
  root.group_wait_ms = 10'000;
  AlarmRouteNode pager;
  pager.match = {{"severity", "critical"}};
  pager.receiver = "pager";
  pager.repeat_interval_ms = 600'000;
  pager.continue_matching = true;
  AlarmRouteNode p2;
  p2.match = {{"pool", "p2"}};
  p2.receiver = "p2-team";
  AlarmRouteNode p2_db;  // inherits p2-team
  p2_db.match = {{"team", "db"}};
  p2_db.group_wait_ms = 0;
  p2.routes = {p2_db};
  AlarmRouteNode never;  // after a match without continue
  never.receiver = "never";
  root.routes = {pager, p2, never};
  return root;
}

AlarmRecord alarm(const std::string& severity, const std::string& pool,
                  const std::string& labels = "{}") {
  AlarmRecord a;
  a.rule = "r";
  a.object = "host/x86-03";
  a.host = "x86-03";
  a.pool = pool;
  a.severity = severity;
  a.state = "firing";
  a.labels_json = labels;
  return a;
}

std::string targets(const std::vector<RouteTarget>& ts) {
  std::string out;
  for (const auto& t : ts)
    out += t.receiver + ":" + std::to_string(t.group_wait_ms) + ":" +
           std::to_string(t.repeat_interval_ms) + " ";
  return out;
}

}  // namespace

TEST_CASE("alarm routing: labels, first match, continue, inheritance, and the root as fallback") {
  AlarmLabels l = alarm_labels(alarm("critical", "p2", R"({"team": "db", "rule": "ignored"})"));
  CHECK(l.at("source") == "host");
  CHECK(l.at("rule") == "r");  // the built-in labels win
  CHECK(l.at("team") == "db");
  CHECK(l.count("tenant") == 0);

  // critical in p2: pager (continue), then p2's child route for team db.
  CHECK(targets(route_alarm(tree(), l)) == "pager:10000:600000 p2-team:0:14400000 ");
  // major in p2 without team: the p2 route itself.
  CHECK(targets(route_alarm(tree(), alarm_labels(alarm("major", "p2")))) ==
        "p2-team:10000:14400000 ");
  // major in p1: the next sibling without matchers takes it.
  CHECK(targets(route_alarm(tree(), alarm_labels(alarm("major", "p1")))) ==
        "never:10000:14400000 ");
  AlarmRouteNode only_root;
  only_root.receiver = "ops";
  CHECK(targets(route_alarm(only_root, alarm_labels(alarm("minor", "p1")))) ==
        "ops:30000:14400000 ");
}

TEST_CASE("alarm routing: a silence holds matching alarms back only between its start and end") {
  AlarmRouteSpec spec;
  spec.silences.push_back({"x86-03 disks", 1000, 2000, {{"host", "x86-03"}}});
  AlarmLabels l = alarm_labels(alarm("major", "p2"));
  CHECK(silence_for(spec, l, 999) == nullptr);
  REQUIRE(silence_for(spec, l, 1000) != nullptr);
  CHECK(silence_for(spec, l, 1000)->name == "x86-03 disks");
  CHECK(silence_for(spec, l, 2000) == nullptr);
  l["host"] = "x86-01";
  CHECK(silence_for(spec, l, 1500) == nullptr);
}
