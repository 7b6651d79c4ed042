// Cumulative counters from two readings of one VM turned into rates. A new
// domain id (its QEMU process restarted), a counter that went back, time
// that did not advance, or a CPU rate past what the vCPUs can do mean the
// counters were reset between the readings: no rate then, rather than a
// negative or huge one. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>

namespace xc {

struct CounterReading {
  int64_t domain_id = -1;
  int64_t time_ms = 0;  // the agent's clock
  uint64_t cpu_time_ns = 0;
  uint64_t disk_read_bytes = 0, disk_write_bytes = 0;
  uint64_t disk_read_ops = 0, disk_write_ops = 0;
  uint64_t net_rx_bytes = 0, net_tx_bytes = 0;
};

struct CounterRates {
  uint64_t cpu_milli = 0;  // 1/1000 core
  uint64_t disk_read_bps = 0, disk_write_bps = 0;
  uint64_t read_iops_milli = 0, write_iops_milli = 0;
  uint64_t net_rx_bps = 0, net_tx_bps = 0;
};

// Readings further apart than this give no rate (an average over hours says
// little about any minute of them).
inline constexpr int64_t kMaxRateGapMs = 3'600'000;

std::optional<CounterRates> counter_rates(const CounterReading& before, const CounterReading& after,
                                          int64_t vcpus);

}  // namespace xc
