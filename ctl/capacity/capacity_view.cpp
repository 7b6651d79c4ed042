// capacity_view (capacity_view.h).
#include "ctl/capacity/capacity_view.h"

#include <algorithm>
#include <limits>

namespace xc {
namespace {

constexpr int64_t kDayMs = 86'400'000;

int64_t local_day(int64_t instant_ms, int64_t offset_ms) {
  int64_t local = instant_ms + offset_ms;
  return local >= 0 ? local / kDayMs : -((-local + kDayMs - 1) / kDayMs);
}

}  // namespace

std::string capacity_resource_of(const std::string& item) {
  if (item == "vcpu") return "vcpu";
  if (item == "memory") return "memory-gib";
  if (item.rfind("storage-", 0) == 0) return "storage-gib";
  return item;
}

std::vector<AllocationSample> allocation_history(const std::vector<MeterInterval>& intervals,
                                                 const std::map<std::string, std::string>& pool_of,
                                                 const std::string& pool,
                                                 const std::string& resource, int64_t now_ms,
                                                 int64_t offset_ms) {
  std::vector<const MeterInterval*> mine;
  int64_t first = std::numeric_limits<int64_t>::max();
  for (const MeterInterval& iv : intervals) {
    auto p = pool_of.find(iv.tenant + "/" + iv.vm);
    if (p == pool_of.end() || p->second != pool || capacity_resource_of(iv.item) != resource)
      continue;
    mine.push_back(&iv);
    first = std::min(first, iv.start_ms);
  }
  std::vector<AllocationSample> out;
  for (int64_t back = kForecastDays - 1; back >= 0; --back) {
    const int64_t t = now_ms - back * kDayMs;
    if (t < first) continue;
    int64_t allocated = 0;
    for (const MeterInterval* iv : mine)
      if (iv->start_ms <= t && (!iv->end_ms || *iv->end_ms > t)) allocated += iv->quantity;
    out.push_back({local_day(t, offset_ms), allocated});
  }
  return out;
}

CapacityView capacity_view(const std::vector<CapacityHost>& hosts,
                           const std::vector<MeterInterval>& intervals,
                           const std::map<std::string, std::string>& pool_of, int64_t now_ms,
                           int64_t offset_ms, bool forecast) {
  CapacityView v;
  v.now_ms = now_ms;
  v.offset_ms = offset_ms;
  v.today = local_day(now_ms, offset_ms);
  v.lines = capacity_lines(hosts);
  for (const CapacityLine& l : v.lines) {
    bool forecast_this =
        forecast && l.scope == "pool" &&
        (l.resource == "vcpu" || l.resource == "memory-gib" || l.resource == "storage-gib");
    if (!forecast_this) {
      v.forecasts.push_back(std::nullopt);
      v.samples.push_back(0);
      continue;
    }
    auto history = allocation_history(intervals, pool_of, l.name, l.resource, now_ms, offset_ms);
    v.forecasts.push_back(forecast_allocation(history, l.total, v.today));
    v.samples.push_back(static_cast<int64_t>(history.size()));
  }
  return v;
}

}  // namespace xc
