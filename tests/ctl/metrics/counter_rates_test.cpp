#include "ctl/metrics/counter_rates.h"

#include <doctest/doctest.h>

using namespace xc;

namespace {

CounterReading at(int64_t time_ms, uint64_t scale, int64_t id = 4) {
  CounterReading r;
  r.domain_id = id;
  r.time_ms = time_ms;
  r.cpu_time_ns = scale * 1'000'000'000ULL;  // `scale` core-seconds
  r.disk_read_bytes = scale * 1000;
  r.disk_write_bytes = scale * 2000;
  r.disk_read_ops = scale * 3;
  r.disk_write_ops = scale * 4;
  r.net_rx_bytes = scale * 5000;
  r.net_tx_bytes = scale * 6000;
  return r;
}

}  // namespace

TEST_CASE("counters 60 s apart become per-second rates") {
  // 90 core-seconds in 60 s: 1.5 cores.
  auto r = counter_rates(at(1'000'000, 10), at(1'060'000, 100), 2);
  REQUIRE(r);
  CHECK(r->cpu_milli == 1500);
  CHECK(r->disk_read_bps == 1500);  // 90,000 B / 60 s
  CHECK(r->disk_write_bps == 3000);
  CHECK(r->read_iops_milli == 4500);  // 270 / 60 = 4.5 per s
  CHECK(r->write_iops_milli == 6000);
  CHECK(r->net_rx_bps == 7500);
  CHECK(r->net_tx_bps == 9000);
}

TEST_CASE("an idle VM has zero rates, not missing ones") {
  auto r = counter_rates(at(0, 7), at(60'000, 7), 1);
  REQUIRE(r);
  CHECK(r->cpu_milli == 0);
  CHECK(r->net_tx_bps == 0);
}

TEST_CASE("a restarted VM (new domain id) gives no rate, even when its counters grew") {
  CHECK_FALSE(counter_rates(at(0, 10, 4), at(60'000, 20, 5), 2));
}

TEST_CASE("a counter that went back gives no rate instead of a negative or huge one") {
  CounterReading before = at(0, 10), after = at(60'000, 20);
  after.net_tx_bytes = before.net_tx_bytes - 1;
  CHECK_FALSE(counter_rates(before, after, 2));
  after = at(60'000, 20);
  after.cpu_time_ns = 5;
  CHECK_FALSE(counter_rates(before, after, 2));
}

TEST_CASE("readings at the same instant, out of order, or more than an hour apart give no rate") {
  CHECK_FALSE(counter_rates(at(60'000, 10), at(60'000, 10), 2));
  CHECK_FALSE(counter_rates(at(60'000, 10), at(0, 20), 2));
  CHECK_FALSE(counter_rates(at(0, 10), at(kMaxRateGapMs + 1, 20), 2));
  CHECK(counter_rates(at(0, 10), at(kMaxRateGapMs, 20), 2));
}

TEST_CASE("more CPU than the vCPUs can give is a reset nobody saw, not a rate") {
  // 3 cores on a 2-vCPU VM.
  CHECK_FALSE(counter_rates(at(0, 0), at(60'000, 180), 2));
  // 2.1 cores is within the clocks' slack.
  auto r = counter_rates(at(0, 0), at(60'000, 126), 2);
  REQUIRE(r);
  CHECK(r->cpu_milli == 2100);
  // A VM whose vCPUs are unknown is not capped.
  CHECK(counter_rates(at(0, 0), at(60'000, 180), 0));
}

TEST_CASE("a VM not running before (id -1) gives no rate") {
  CHECK_FALSE(counter_rates(at(0, 0, -1), at(60'000, 1, -1), 2));
}
