#include "ctl/sla/availability.h"

#include <doctest/doctest.h>

#include <limits>

#include "common/time.h"

using namespace xc;

namespace {

constexpr int64_t kShanghai = 8 * 3'600'000;
constexpr int64_t kMinute = 60'000, kHour = 3'600'000;

// Asia/Shanghai local time: "2026-11-10" (midnight) or "2026-11-10T10:30:00".
int64_t at(const std::string& text) {
  std::string zoned = text.find('T') == std::string::npos ? text : text + "+08:00";
  Result<int64_t> ms = civil::parse_instant(zoned, kShanghai);
  REQUIRE_MESSAGE(ms.ok(), ms.status().message());
  return *ms;
}

// November 2026 in Asia/Shanghai, observed throughout, evaluated after it.
SlaInput november() {
  SlaInput in;
  in.period = {at("2026-11-01"), at("2026-12-01")};
  in.now_ms = at("2026-12-05");
  in.observed = {{at("2026-10-01"), at("2026-12-05")}};
  return in;
}

SlaVm vm(const std::string& name, const std::string& system, const std::string& host,
         Spans declared) {
  return {"education", name, system, host, std::move(declared), {}};
}

const SystemAvailability& only_system(const PlatformAvailability& p) {
  REQUIRE(p.systems.size() == 1);
  return p.systems[0];
}

}  // namespace

TEST_CASE("a VM running all month is available 100%, with no outage") {
  SlaInput in = november();
  in.vms.push_back(vm("web-1", "portal", "x86-01", {{at("2026-10-20"), at("2026-12-04")}}));
  PlatformAvailability p = compute_availability(in);
  const SystemAvailability& s = only_system(p);
  CHECK(s.service_ms == 30 * 24 * kHour);
  CHECK(s.down_ms == 0);
  CHECK(s.outages.empty());
  CHECK(availability_ppm(s.service_ms, s.down_ms) == 1'000'000);
  CHECK(p.unobserved_ms == 0);
}

TEST_CASE("a crash is down until the VM runs again, the system's outages are the union") {
  SlaInput in = november();
  SlaVm a = vm("web-1", "portal", "x86-01", {{at("2026-10-20"), at("2026-12-04")}});
  a.changes = {{at("2026-11-10T10:00:00"), false, "crashed"},
               {at("2026-11-10T11:00:00"), true, "started"}};
  SlaVm b = vm("web-2", "portal", "x86-02", {{at("2026-10-20"), at("2026-12-04")}});
  // Overlaps web-1's outage: one outage of the system, 10:00 to 11:30.
  b.changes = {{at("2026-11-10T10:30:00"), false, "shutdown (guest)"},
               {at("2026-11-10T11:30:00"), true, "started"}};
  in.vms = {a, b};
  PlatformAvailability p = compute_availability(in);
  const SystemAvailability& s = only_system(p);
  REQUIRE(s.outages.size() == 1);
  CHECK(s.outages[0].span == Span{at("2026-11-10T10:00:00"), at("2026-11-10T11:30:00")});
  CHECK(s.outages[0].cause == "vm web-1 crashed; vm web-2 shutdown (guest)");
  CHECK(s.down_ms == 90 * kMinute);
  CHECK(s.longest_outage_ms == 90 * kMinute);
  CHECK(p.vm_down_ms == 2 * kHour);  // each VM's hour
  // 90 minutes of 43,200: 99.7916...% rounded down.
  CHECK(availability_ppm(s.service_ms, s.down_ms) == 997916);
  CHECK(ppm_percent_text(997916) == "99.7916%");
}

TEST_CASE("an outage across the month's end counts in each month with its own part") {
  SlaInput in = november();
  SlaVm a = vm("db-1", "records", "x86-01", {{at("2026-10-20"), at("2026-12-04")}});
  a.changes = {{at("2026-11-30T23:00:00"), false, "crashed"},
               {at("2026-12-01T02:00:00"), true, "started"}};
  in.vms = {a};
  const SystemAvailability nov = only_system(compute_availability(in));
  CHECK(nov.down_ms == kHour);
  CHECK(nov.outages.at(0).span == Span{at("2026-11-30T23:00:00"), at("2026-12-01")});

  in.period = {at("2026-12-01"), at("2027-01-01")};
  const SystemAvailability dec = only_system(compute_availability(in));
  CHECK(dec.down_ms == 2 * kHour);
  // December is evaluated up to now (the 5th): its service time stops there.
  CHECK(dec.service_ms == 3 * 24 * kHour);  // declared running until the 4th
}

TEST_CASE("a crash before the month carries into it, a declared stop is not down") {
  SlaInput in = november();
  SlaVm a = vm("db-1", "records", "x86-01", {{at("2026-10-20"), at("2026-11-03")}});
  a.changes = {{at("2026-10-31T20:00:00"), false, "crashed"}};
  // Stopped by the agent 20 s before the meter's stop: the stop itself.
  SlaVm b = vm("db-2", "records", "x86-01", {{at("2026-10-20"), at("2026-11-20")}});
  b.changes = {{at("2026-11-20") - 20'000, false, "stopped"}};
  in.vms = {a, b};
  const SystemAvailability s = only_system(compute_availability(in));
  CHECK(s.down_ms == 2 * 24 * kHour);  // Nov 1 00:00 to Nov 3 00:00, when db-1 was stopped
  REQUIRE(s.outages.size() == 1);
  CHECK(s.outages[0].span.start_ms == at("2026-11-01"));
}

TEST_CASE("a stop more than a minute before the declared stop is down") {
  SlaInput in = november();
  SlaVm b = vm("db-2", "records", "x86-01", {{at("2026-10-20"), at("2026-11-20")}});
  b.changes = {{at("2026-11-20") - 2 * kMinute, false, "shutdown (guest)"}};
  in.vms = {b};
  CHECK(only_system(compute_availability(in)).down_ms == 2 * kMinute);
}

TEST_CASE("a VM started again by the operator starts its new span running") {
  SlaInput in = november();
  SlaVm a = vm("app-1", "records", "x86-01",
               {{at("2026-10-20"), at("2026-11-05")}, {at("2026-11-06"), at("2026-12-04")}});
  a.changes = {{at("2026-11-05") - 1000, false, "stopped"}};  // the declared stop
  in.vms = {a};
  // Declared stopped for a day; the start event came late or not at all.
  const SystemAvailability s = only_system(compute_availability(in));
  CHECK(s.down_ms == 0);
  CHECK(s.service_ms == 29 * 24 * kHour);
}

TEST_CASE("an unreachable host is down for its VMs, unless in maintenance") {
  SlaInput in = november();
  in.vms = {vm("web-1", "portal", "kp-01", {{at("2026-10-20"), at("2026-12-04")}}),
            vm("web-2", "portal", "x86-01", {{at("2026-10-20"), at("2026-12-04")}})};
  SlaHost kp{"kp-01",
             {{at("2026-11-02T08:00:00"), at("2026-11-02T08:10:00")},
              {at("2026-11-03T08:00:00"), at("2026-11-03T12:00:00")}},
             {{at("2026-11-03T07:00:00"), at("2026-11-03T11:00:00")}}};
  in.hosts = {kp};
  const SystemAvailability s = only_system(compute_availability(in));
  REQUIRE(s.outages.size() == 2);
  CHECK(s.outages[0].cause == "host kp-01 unreachable");
  CHECK(s.outages[1].span == Span{at("2026-11-03T11:00:00"), at("2026-11-03T12:00:00")});
  CHECK(s.down_ms == 70 * kMinute);
}

TEST_CASE("declared maintenance of a system is not down") {
  SlaInput in = november();
  SlaVm a = vm("web-1", "portal", "x86-01", {{at("2026-10-20"), at("2026-12-04")}});
  a.changes = {{at("2026-11-10T01:00:00"), false, "stopped"},
               {at("2026-11-10T03:00:00"), true, "started"}};
  in.vms = {a};
  in.system_maintenance["education/portal"] = {
      {at("2026-11-10T00:30:00"), at("2026-11-10T02:00:00")}};
  const SystemAvailability s = only_system(compute_availability(in));
  CHECK(s.down_ms == kHour);
  CHECK(s.outages.at(0).span.start_ms == at("2026-11-10T02:00:00"));
}

TEST_CASE("time the controller did not watch is unobserved, not up or down") {
  SlaInput in = november();
  in.observed = {{at("2026-11-01"), at("2026-11-16")}};
  in.vms = {vm("web-1", "portal", "x86-01", {{at("2026-10-20"), at("2026-12-04")}})};
  PlatformAvailability p = compute_availability(in);
  CHECK(p.systems[0].unobserved_ms == 15 * 24 * kHour);
  CHECK(p.unobserved_ms == 15 * 24 * kHour);
}

TEST_CASE("a month still running is evaluated up to now") {
  SlaInput in = november();
  in.now_ms = at("2026-11-11");
  SlaVm a =
      vm("web-1", "portal", "x86-01", {{at("2026-10-20"), std::numeric_limits<int64_t>::max()}});
  a.changes = {{at("2026-11-10T23:00:00"), false, "crashed"}};
  in.vms = {a};
  const SystemAvailability s = only_system(compute_availability(in));
  CHECK(s.service_ms == 10 * 24 * kHour);
  CHECK(s.down_ms == kHour);
}

TEST_CASE("availability_below is exact at the threshold") {
  const int64_t month = 30 * 24 * kHour;  // 99.99% of it is 4 min 19.2 s down
  CHECK_FALSE(availability_below(month, 259'200, 999'900));
  CHECK(availability_below(month, 259'201, 999'900));
  CHECK(availability_ppm(month, 259'201) == 999'899);
  CHECK_FALSE(availability_below(0, 0, 999'900));
}
