// The rows metric collection keeps: the objects measured (VMs and hosts, by a
// small id) and per host and round (or hour) one row of packed values, whose
// layout belongs to ctl/metrics/packed_values.h. Plain value types.
#pragma once

#include <cstdint>
#include <string>

namespace xc {

struct MetricObject {
  int64_t id = 0;
  std::string kind;    // "vm" or "host"
  std::string tenant;  // empty for a host
  std::string name;

  bool operator==(const MetricObject&) const = default;
};

// Raw rows: `time_ms` is the round's time. Rollup rows: the hour's start.
struct MetricRow {
  int64_t time_ms = 0;
  int64_t host_id = 0;      // a MetricObject of kind "host"
  std::string host_values;  // the host's own values, packed
  std::string vm_values;    // its VMs' values, packed

  bool operator==(const MetricRow&) const = default;
};

// How many rows a prune removed.
struct MetricPrune {
  int64_t raw_rows = 0;
  int64_t rollup_rows = 0;
};

}  // namespace xc
