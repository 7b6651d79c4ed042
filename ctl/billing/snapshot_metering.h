// Snapshot storage in quotas and bills. A snapshot's overlay of a disk is
// counted at the disk's provisioned size in the disk's tier, as the disks
// themselves are (metering.h bills size_gib, never allocated bytes): an
// overlay can grow to the whole disk, and a bill must not depend on when a
// guest wrote. Each VM holds at most one open interval per tier,
// "snapshots-storage-normal" and "snapshots-storage-high", priced as the
// tier's storage item; every snapshot command closes them and opens new ones
// with what the host lists now. Pure helpers plus one store write.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/domain_spec.h"
#include "common/status.h"
#include "ctl/store/records.h"
#include "ctl/store/store.h"

namespace xc {

inline constexpr const char* kSnapshotItemPrefix = "snapshots-";

// "snapshots-storage-high" and the like.
bool is_snapshot_item(const std::string& item);
// The price list item an interval's item is priced by: "storage-high" for
// "snapshots-storage-high", else the item itself.
std::string priced_item(const std::string& item);

struct SnapshotStorage {
  int64_t normal_gib = 0;
  int64_t high_gib = 0;
  bool operator==(const SnapshotStorage&) const = default;
};

// What one new snapshot of the VM holds: every disk's size in its tier (the
// host overlays each disk of the VM).
SnapshotStorage new_snapshot_storage(const DomainSpec& spec);

// What the snapshots the host lists (snapshot.list's "snapshots": each with
// "disks": [{"target", "overlay"}]) hold: each overlay counts the size of
// the disk it overlays, found by its file name ("<disk file>.snap-NAME.qcow2").
// An overlay of no disk of `spec` is named in `unmatched` and not counted.
SnapshotStorage listed_snapshot_storage(const DomainSpec& spec, const nlohmann::json& snapshots,
                                        std::vector<std::string>* unmatched = nullptr);

// The open intervals `storage` implies from `now_ms` (tiers above zero only).
// Snapshot storage is held whether the VM runs or not: running is true.
std::vector<MeterInterval> snapshot_intervals(const std::string& tenant, const std::string& system,
                                              const std::string& vm, const SnapshotStorage& storage,
                                              int64_t now_ms);

// The storage the VM's open snapshot intervals hold.
SnapshotStorage metered_snapshot_storage(const std::vector<MeterInterval>& open);

// Opens `intervals` again from `now_ms` (after the store closed all of a
// VM's intervals): an interval split at an instant bills the same.
Status reopen_meter_intervals(MeterStore& store, std::vector<MeterInterval> intervals,
                              int64_t now_ms);

// When the VM's open snapshot intervals differ from `storage` (or its
// system label changed), closes the VM's intervals at `now_ms`, reopens its
// other items unchanged and opens those of `storage`; else writes nothing.
Status meter_snapshots(MeterStore& store, const std::string& tenant, const std::string& system,
                       const std::string& vm, const SnapshotStorage& storage, int64_t now_ms);

// Every open snapshot interval of every VM, ordered by tenant, vm, item.
Result<std::vector<MeterInterval>> open_snapshot_intervals(MeterStore& store);

}  // namespace xc
