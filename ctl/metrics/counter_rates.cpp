#include "ctl/metrics/counter_rates.h"

namespace xc {
namespace {

// delta per second, scaled; rounded to the nearest integer.
uint64_t per_second(uint64_t delta, int64_t dt_ms, uint64_t scale) {
  long double v =
      static_cast<long double>(delta) * 1000.0L * scale / static_cast<long double>(dt_ms);
  return static_cast<uint64_t>(v + 0.5L);
}

}  // namespace

std::optional<CounterRates> counter_rates(const CounterReading& b, const CounterReading& a,
                                          int64_t vcpus) {
  if (b.domain_id < 0 || a.domain_id != b.domain_id) return std::nullopt;
  int64_t dt = a.time_ms - b.time_ms;
  if (dt <= 0 || dt > kMaxRateGapMs) return std::nullopt;
  if (a.cpu_time_ns < b.cpu_time_ns || a.disk_read_bytes < b.disk_read_bytes ||
      a.disk_write_bytes < b.disk_write_bytes || a.disk_read_ops < b.disk_read_ops ||
      a.disk_write_ops < b.disk_write_ops || a.net_rx_bytes < b.net_rx_bytes ||
      a.net_tx_bytes < b.net_tx_bytes)
    return std::nullopt;
  CounterRates r;
  // One core busy for a ms is 1,000,000 ns: 1/1000 core is 1000 ns per ms.
  r.cpu_milli = static_cast<uint64_t>(
      static_cast<long double>(a.cpu_time_ns - b.cpu_time_ns) / (dt * 1000.0L) + 0.5L);
  // A little slack for the two clocks; beyond it the counter cannot be right.
  if (vcpus > 0 && r.cpu_milli > static_cast<uint64_t>(vcpus) * 1100) return std::nullopt;
  r.disk_read_bps = per_second(a.disk_read_bytes - b.disk_read_bytes, dt, 1);
  r.disk_write_bps = per_second(a.disk_write_bytes - b.disk_write_bytes, dt, 1);
  r.read_iops_milli = per_second(a.disk_read_ops - b.disk_read_ops, dt, 1000);
  r.write_iops_milli = per_second(a.disk_write_ops - b.disk_write_ops, dt, 1000);
  r.net_rx_bps = per_second(a.net_rx_bytes - b.net_rx_bytes, dt, 1);
  r.net_tx_bps = per_second(a.net_tx_bytes - b.net_tx_bytes, dt, 1);
  return r;
}

}  // namespace xc
