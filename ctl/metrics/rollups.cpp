#include "ctl/metrics/rollups.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ctl/metrics/collect.h"
#include "ctl/metrics/metric_columns.h"
#include "ctl/metrics/packed_values.h"

namespace xc {
namespace {

const std::string kRolledThroughKey = kRolledUpThroughKey;

struct Accumulator {
  std::vector<long double> sum;
  std::vector<uint64_t> max;
  uint64_t count = 0;

  void add(const PackedTable& t, size_t row) {
    if (sum.empty()) sum.assign(t.columns.size(), 0), max.assign(t.columns.size(), 0);
    for (size_t c = 0; c < t.columns.size() && c < sum.size(); ++c) {
      sum[c] += static_cast<long double>(t.columns[c][row]);
      max[c] = std::max(max[c], t.columns[c][row]);
    }
    ++count;
  }
};

struct HostHour {
  Accumulator host;
  std::map<int64_t, Accumulator> vms;
};

PackedTable rollup_table(const std::map<int64_t, Accumulator>& objects, size_t raw_columns) {
  PackedTable t;
  t.clear(rollup_count(raw_columns) + 1);
  for (const auto& [id, a] : objects) {
    t.ids.push_back(id);
    for (size_t c = 0; c < raw_columns; ++c) {
      long double avg = a.count ? a.sum[c] / a.count : 0;
      t.columns[rollup_avg(c)].push_back(static_cast<uint64_t>(avg + 0.5L));
      t.columns[rollup_max(c)].push_back(a.max[c]);
    }
    t.columns[rollup_count(raw_columns)].push_back(a.count);
  }
  return t;
}

Result<int64_t> roll_up_hour(Store& store, int64_t hour) {
  std::map<int64_t, HostHour> hosts;
  PackedTable host_values, vm_values;
  Status bad;
  Status scanned = store.scan_metric_rows(hour, hour + kRollupMs, false, [&](const MetricRow& r) {
    if (bad = unpack_table(r.host_values, {}, host_values); !bad.ok()) return false;
    if (bad = unpack_table(r.vm_values, {}, vm_values); !bad.ok()) return false;
    HostHour& h = hosts[r.host_id];
    if (!host_values.ids.empty()) h.host.add(host_values, 0);
    for (size_t i = 0; i < vm_values.ids.size(); ++i) h.vms[vm_values.ids[i]].add(vm_values, i);
    return true;
  });
  if (!scanned.ok()) return scanned;
  if (!bad.ok()) return bad;
  std::vector<MetricRow> rows;
  for (const auto& [host_id, h] : hosts) {
    std::map<int64_t, Accumulator> self = {{host_id, h.host}};
    rows.push_back({hour, host_id, pack_table(rollup_table(self, kHostColumns)),
                    pack_table(rollup_table(h.vms, kVmColumns))});
  }
  if (Status s = store.put_metric_rows(rows, true); !s.ok()) return s;
  return static_cast<int64_t>(rows.size());
}

// The hour holding the first raw row in [from_ms, to_ms), if any.
Result<std::optional<int64_t>> next_hour_with_rows(Store& store, int64_t from_ms, int64_t to_ms) {
  std::optional<int64_t> hour;
  Status s = store.scan_metric_rows(from_ms, to_ms, false, [&](const MetricRow& r) {
    hour = r.time_ms - r.time_ms % kRollupMs;
    return false;
  });
  if (!s.ok()) return s;
  return hour;
}

}  // namespace

Result<int64_t> roll_up_metrics(Store& store, int64_t now_ms) {
  const int64_t end = now_ms - now_ms % kRollupMs;
  auto through = store.get_meta(kRolledThroughKey);
  if (!through.ok()) return through.status();
  int64_t from = 0;  // never rolled up: from the oldest raw row
  if (*through) {
    try {
      from = std::stoll(**through);
    } catch (const std::exception&) {
      from = 0;
    }
  }
  // Hours without rows (the controller was away) are skipped, not visited.
  int64_t hours = 0;
  while (from < end) {
    auto hour = next_hour_with_rows(store, from, end);
    if (!hour.ok()) return hour.status();
    if (!*hour) break;
    auto rows = roll_up_hour(store, **hour);
    if (!rows.ok()) return rows.status();
    ++hours;
    from = **hour + kRollupMs;
  }
  if (!*through || **through != std::to_string(end))
    if (Status s = store.put_meta(kRolledThroughKey, std::to_string(std::max(from, end))); !s.ok())
      return s;
  return hours;
}

}  // namespace xc
