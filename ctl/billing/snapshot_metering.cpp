#include "ctl/billing/snapshot_metering.h"

#include <limits>

#include "ctl/billing/metering.h"

namespace xc {
namespace {

using nlohmann::json;

int64_t& tier_gib(SnapshotStorage& s, DiskTier tier) {
  return tier == DiskTier::kHigh ? s.high_gib : s.normal_gib;
}

// The disk whose snapshot overlays are named "<its file without .qcow2>.snap-*".
const DomainDisk* overlaid_disk(const DomainSpec& spec, const std::string& overlay) {
  const std::string file = overlay.substr(overlay.rfind('/') + 1);
  for (const DomainDisk& d : spec.disks) {
    std::string stem = disk_file_name(spec, d);
    if (stem.size() > 6 && stem.compare(stem.size() - 6, 6, ".qcow2") == 0)
      stem.resize(stem.size() - 6);
    if (file.rfind(stem + ".snap-", 0) == 0) return &d;
  }
  return nullptr;
}

}  // namespace

bool is_snapshot_item(const std::string& item) {
  return item.rfind(kSnapshotItemPrefix, 0) == 0;
}

std::string priced_item(const std::string& item) {
  return is_snapshot_item(item) ? item.substr(std::string(kSnapshotItemPrefix).size()) : item;
}

SnapshotStorage new_snapshot_storage(const DomainSpec& spec) {
  SnapshotStorage out;
  for (const DomainDisk& d : spec.disks) tier_gib(out, d.tier) += d.size_gib;
  return out;
}

SnapshotStorage listed_snapshot_storage(const DomainSpec& spec, const json& snapshots,
                                        std::vector<std::string>* unmatched) {
  SnapshotStorage out;
  if (!snapshots.is_array()) return out;
  for (const json& s : snapshots) {
    if (!s.is_object() || !s.contains("disks") || !s["disks"].is_array()) continue;
    for (const json& o : s["disks"]) {
      std::string overlay = o.is_object() ? o.value("overlay", "") : "";
      const DomainDisk* d = overlaid_disk(spec, overlay);
      if (d != nullptr)
        tier_gib(out, d->tier) += d->size_gib;
      else if (unmatched != nullptr)
        unmatched->push_back(overlay);
    }
  }
  return out;
}

std::vector<MeterInterval> snapshot_intervals(const std::string& tenant, const std::string& system,
                                              const std::string& vm, const SnapshotStorage& storage,
                                              int64_t now_ms) {
  return open_intervals(tenant, system, vm,
                        {{"snapshots-storage-normal", storage.normal_gib},
                         {"snapshots-storage-high", storage.high_gib}},
                        now_ms, true);
}

SnapshotStorage metered_snapshot_storage(const std::vector<MeterInterval>& open) {
  SnapshotStorage out;
  for (const MeterInterval& m : open) {
    if (!is_snapshot_item(m.item)) continue;
    tier_gib(out, priced_item(m.item) == "storage-high" ? DiskTier::kHigh : DiskTier::kNormal) +=
        m.quantity;
  }
  return out;
}

Status reopen_meter_intervals(MeterStore& store, std::vector<MeterInterval> intervals,
                              int64_t now_ms) {
  for (MeterInterval& m : intervals) {
    m.start_ms = now_ms;
    m.end_ms.reset();
    if (Status s = store.open_meter_interval(m); !s.ok()) return s;
  }
  return {};
}

Status meter_snapshots(MeterStore& store, const std::string& tenant, const std::string& system,
                       const std::string& vm, const SnapshotStorage& storage, int64_t now_ms) {
  auto open = store.list_open_meter_intervals(tenant, vm);
  if (!open.ok()) return open.status();
  bool same_system = true;
  std::vector<MeterInterval> others;
  for (const MeterInterval& m : *open) {
    if (!is_snapshot_item(m.item))
      others.push_back(m);
    else if (m.system != system)
      same_system = false;
  }
  if (same_system && metered_snapshot_storage(*open) == storage) return {};
  // The store closes a VM's intervals together: its own allocation goes on
  // in new intervals from the same instant, which bills exactly the same.
  if (!open->empty())
    if (Status s = store.close_meter_intervals(tenant, vm, now_ms); !s.ok()) return s;
  if (Status s = reopen_meter_intervals(store, std::move(others), now_ms); !s.ok()) return s;
  for (const MeterInterval& m : snapshot_intervals(tenant, system, vm, storage, now_ms))
    if (Status s = store.open_meter_interval(m); !s.ok()) return s;
  return {};
}

Result<std::vector<MeterInterval>> open_snapshot_intervals(MeterStore& store) {
  // Every interval that ended did so at or before the last meter instant.
  auto last = store.last_meter_instant_ms();
  if (!last.ok()) return last.status();
  auto listed = store.list_meter_intervals(*last, std::numeric_limits<int64_t>::max());
  if (!listed.ok()) return listed.status();
  std::vector<MeterInterval> out;
  for (MeterInterval& m : *listed)
    if (!m.end_ms && is_snapshot_item(m.item)) out.push_back(std::move(m));
  return out;
}

}  // namespace xc
