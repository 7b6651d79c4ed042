// read_sla_input (sla_inputs.h).
#include "ctl/sla/sla_inputs.h"

#include <algorithm>
#include <limits>
#include <map>

namespace xc {
namespace {

constexpr int64_t kForever = std::numeric_limits<int64_t>::max();
constexpr int64_t kHourMs = 3'600'000;

// Spans from a host's "begin" and "end" events in time order; one still open
// runs on (clipped later).
Spans spans_between(const std::vector<const EventRecord*>& events, const char* begin,
                    const char* end) {
  // A flag and a time rather than std::optional: GCC 12 warns that the
  // optional's value "may be used uninitialized" (a false positive) at -O2.
  Spans out;
  bool open = false;
  int64_t open_since = 0;
  for (const EventRecord* e : events) {
    if (e->type == begin && !open) {
      open = true;
      open_since = e->time_ms;
    }
    if (e->type == end && open) {
      out.push_back({open_since, e->time_ms});
      open = false;
    }
  }
  if (open) out.push_back({open_since, kForever});
  return normalized(std::move(out));
}

std::string event_what(const EventRecord& e) {
  return e.detail.empty() ? e.type : e.type + " (" + e.detail + ")";
}

}  // namespace

Result<SlaInput> read_sla_input(Store& store, Span period, int64_t now_ms,
                                const RunningAfter& running_after) {
  SlaInput in;
  in.period = period;
  in.now_ms = now_ms;
  const int64_t from = period.start_ms - kSlaLookBackMs;

  auto intervals = store.list_meter_intervals(from, period.end_ms);
  if (!intervals.ok()) return intervals.status();
  std::map<std::pair<std::string, std::string>, SlaVm> vms;
  for (const MeterInterval& iv : *intervals) {
    SlaVm& vm = vms[{iv.tenant, iv.vm}];
    vm.tenant = iv.tenant;
    vm.name = iv.vm;
    vm.system = iv.system;
    if (iv.running) vm.declared_running.push_back({iv.start_ms, iv.end_ms.value_or(kForever)});
  }
  auto placements = store.list_placements();
  if (!placements.ok()) return placements.status();
  for (const PlacementRecord& p : *placements) {
    auto vm = vms.find({p.tenant, p.name});
    if (p.kind == "VirtualMachine" && vm != vms.end()) vm->second.host = p.host;
  }

  EventFilter filter;
  filter.since_ms = from;
  auto events = store.list_events(filter);
  if (!events.ok()) return events.status();
  std::map<std::string, std::vector<const EventRecord*>> host_events;
  for (const EventRecord& e : *events) {
    if (e.time_ms >= period.end_ms) continue;
    if (e.vm.empty()) {
      if (!e.host.empty()) host_events[e.host].push_back(&e);
      continue;
    }
    auto vm = vms.find({e.tenant, e.vm});
    if (vm == vms.end()) continue;
    if (std::optional<bool> running = running_after(e))
      vm->second.changes.push_back({e.time_ms, *running, event_what(e)});
  }
  for (auto& [key, vm] : vms) {
    vm.declared_running = normalized(std::move(vm.declared_running));
    std::stable_sort(
        vm.changes.begin(), vm.changes.end(),
        [](const VmStateChange& a, const VmStateChange& b) { return a.time_ms < b.time_ms; });
    if (!vm.declared_running.empty()) in.vms.push_back(std::move(vm));
  }
  for (const auto& [host, list] : host_events) {
    in.hosts.push_back({host, spans_between(list, kHostUnreachableEvent, kHostReadyEvent),
                        spans_between(list, kHostMaintenanceEvent, kHostMaintenanceEndEvent)});
  }

  // Watched: each raw row's few minutes, each rolled-up hour.
  Spans observed;
  for (bool rollups : {false, true}) {
    Status s = store.scan_metric_rows(period.start_ms - kHourMs, period.end_ms, rollups,
                                      [&](const MetricRow& r) {
                                        int64_t length = rollups ? kHourMs : kRawRowWitnessMs;
                                        observed.push_back({r.time_ms, r.time_ms + length});
                                        return true;
                                      });
    if (!s.ok()) return s;
  }
  in.observed = normalized(std::move(observed));
  return in;
}

}  // namespace xc
