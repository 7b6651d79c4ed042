#include "ctl/metrics/top.h"

#include <algorithm>
#include <cstdlib>
#include <unordered_map>

#include "ctl/metrics/collect.h"
#include "ctl/metrics/packed_values.h"
#include "ctl/metrics/rollups.h"

namespace xc {
namespace {

struct HostWindow {
  std::array<double, kHostColumns> sum{};
  std::array<uint64_t, kHostColumns> max{};
  std::array<uint64_t, kHostColumns> latest{};
  int64_t samples = 0;
  int64_t host_id = 0;
};

double ratio(double part, double whole) {
  return whole > 0 ? part / whole : 0;
}

}  // namespace

double host_memory_used_mib(const TopEntry& e) {
  if (e.avg[kHostMemoryFreeMiB] <= 0) return e.avg[kMemoryUsedMiB];
  return e.latest[kHostMemoryMiB] - e.avg[kHostMemoryFreeMiB];
}

double top_score(const TopEntry& e, bool host, TopBy by) {
  switch (by) {
    case TopBy::kCpu:
      return ratio(e.avg[kCpuMilli] / 1000.0, host ? e.latest[kHostCpus] : e.latest[kVcpus]);
    case TopBy::kMemory:
      return host ? ratio(host_memory_used_mib(e), e.latest[kHostMemoryMiB])
                  : ratio(e.avg[kMemoryUsedMiB], e.latest[kMemoryMiB]);
    case TopBy::kIops:
      return (e.avg[kReadIopsMilli] + e.avg[kWriteIopsMilli]) / 1000.0;
    case TopBy::kNet:
      return (e.avg[kNetRxKiBps] + e.avg[kNetTxKiBps]) * 1024;
  }
  return 0;
}

Result<TopResult> top_metrics(Store& store, const TopRequest& req) {
  TopResult out;
  out.from_rollups = req.from_rollups.value_or(req.window_ms > kRawMetricsKeepMs);
  out.to_ms = req.now_ms + 1;
  out.from_ms = req.now_ms - req.window_ms;
  if (out.from_rollups) out.from_ms -= out.from_ms % kRollupMs;
  const size_t columns = req.hosts ? size_t{kHostColumns} : size_t{kVmColumns};
  // Object ids are small and dense: a vector beats a hash map here.
  std::vector<HostWindow> acc;
  PackedTable table;
  Status bad;
  auto scan = [&](int64_t from_ms, int64_t to_ms, bool rollups) -> Status {
    if (to_ms <= from_ms) return Status{};
    return store.scan_metric_rows(from_ms, to_ms, rollups, [&](const MetricRow& r) {
      bad = unpack_table(req.hosts ? r.host_values : r.vm_values, {}, table);
      if (!bad.ok()) return false;
      size_t need = rollups ? rollup_count(columns) + 1 : columns;
      if (table.columns.size() < need) {
        bad = error(Code::kInternal, "metric values: a row has too few columns");
        return false;
      }
      for (size_t i = 0; i < table.ids.size(); ++i) {
        auto id = static_cast<size_t>(table.ids[i]);
        if (id >= acc.size()) acc.resize(id + 1);
        HostWindow& a = acc[id];
        a.host_id = r.host_id;
        if (rollups) {
          uint64_t n = table.columns[rollup_count(columns)][i];
          a.samples += static_cast<int64_t>(n);
          for (size_t c = 0; c < columns; ++c) {
            uint64_t avg = table.columns[rollup_avg(c)][i];
            a.sum[c] += static_cast<double>(avg) * static_cast<double>(n);
            a.max[c] = std::max(a.max[c], table.columns[rollup_max(c)][i]);
            a.latest[c] = avg;
          }
        } else {
          ++a.samples;
          for (size_t c = 0; c < columns; ++c) {
            uint64_t v = table.columns[c][i];
            a.sum[c] += static_cast<double>(v);
            a.max[c] = std::max(a.max[c], v);
            a.latest[c] = v;
          }
        }
      }
      return true;
    });
  };
  // A raw window reads the hours already rolled up from their rollups (one
  // row per host and hour instead of sixty, the same sums and peaks) and
  // raw rows only at its ragged edges.
  Status scanned;
  int64_t rolled_through = 0;
  if (!out.from_rollups && !req.from_rollups) {
    auto through = store.get_meta(kRolledUpThroughKey);
    if (!through.ok()) return through.status();
    if (*through) rolled_through = std::strtoll((*through)->c_str(), nullptr, 10);
  }
  const int64_t first_hour = out.from_ms + (kRollupMs - out.from_ms % kRollupMs) % kRollupMs;
  const int64_t rolled_end = std::min(rolled_through, out.to_ms - out.to_ms % kRollupMs);
  if (!out.from_rollups && rolled_end > first_hour) {
    scanned = scan(out.from_ms, first_hour, false);
    if (scanned.ok() && bad.ok()) scanned = scan(first_hour, rolled_end, true);
    if (scanned.ok() && bad.ok()) scanned = scan(rolled_end, out.to_ms, false);
  } else {
    scanned = scan(out.from_ms, out.to_ms, out.from_rollups);
  }
  if (!scanned.ok()) return scanned;
  if (!bad.ok()) return bad;

  auto objects = store.list_metric_objects();
  if (!objects.ok()) return objects.status();
  std::unordered_map<int64_t, const MetricObject*> by_id;
  for (const auto& o : *objects) by_id[o.id] = &o;
  const std::string kind = req.hosts ? "host" : "vm";
  for (size_t id = 0; id < acc.size(); ++id) {
    const HostWindow& a = acc[id];
    if (a.samples == 0) continue;
    auto it = by_id.find(static_cast<int64_t>(id));
    if (it == by_id.end() || it->second->kind != kind) continue;
    const MetricObject& o = *it->second;
    if (!req.tenant.empty() && o.tenant != req.tenant && o.tenant.rfind(req.tenant + "/", 0) != 0)
      continue;
    TopEntry e;
    e.object = o;
    auto host = by_id.find(a.host_id);
    e.host = host == by_id.end() ? "" : host->second->name;
    e.samples = a.samples;
    for (size_t c = 0; c < columns; ++c) {
      e.avg[c] = a.sum[c] / static_cast<double>(a.samples);
      e.max[c] = static_cast<double>(a.max[c]);
      e.latest[c] = static_cast<double>(a.latest[c]);
    }
    e.score = top_score(e, req.hosts, req.by);
    out.entries.push_back(std::move(e));
  }
  std::sort(out.entries.begin(), out.entries.end(), [](const TopEntry& x, const TopEntry& y) {
    if (x.score != y.score) return x.score > y.score;
    if (x.object.tenant != y.object.tenant) return x.object.tenant < y.object.tenant;
    return x.object.name < y.object.name;
  });
  if (req.limit > 0 && out.entries.size() > req.limit) out.entries.resize(req.limit);
  return out;
}

}  // namespace xc
