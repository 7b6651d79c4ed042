// Metering from allocation intervals (never from samples): each completed
// apply step that creates, changes, starts, stops or prunes a VM closes the
// VM's open meter intervals and opens new ones, one per billable item.
// Pure helpers plus one function that writes through the Store.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "ctl/billing/billing.h"
#include "ctl/store/store.h"

namespace xc {

// The open intervals a VM's stored record implies from `now_ms`:
// record = {"manifest": the VM manifest, "domain": its DomainSpec JSON}.
// Items, each only when its quantity is above zero, in this order: vcpu
// (cpus), memory (whole GB: memory_mib / 1024), storage-normal and
// storage-high (sum of the disks' size_gib per tier), then one item per
// accelerator type (named by the type, counted). system is the manifest's
// metadata.labels.system ("" if absent); running is power == "running".
std::vector<MeterInterval> intervals_for(const std::string& tenant, const std::string& vm,
                                         const nlohmann::json& record, int64_t now_ms);

// Open intervals of (item, quantity) pairs from `now_ms`, in their order;
// items of quantity zero or less are left out.
std::vector<MeterInterval> open_intervals(
    const std::string& tenant, const std::string& system, const std::string& vm,
    const std::vector<std::pair<std::string, int64_t>>& quantities, int64_t now_ms, bool running);

// The VM record's manifest's metadata.labels.system, "" if absent.
std::string system_of(const nlohmann::json& record);

// Called inside the transaction that records what a VM now holds (`record`):
// when the billable allocation (items, quantities, system, running) differs
// from the VM's open intervals, they are closed at `now_ms` and the new ones
// opened at `now_ms`; otherwise nothing is written (a move or a cosmetic
// change is not a new interval).
Status meter_allocation(MeterStore& store, const std::string& tenant, const std::string& vm,
                        const nlohmann::json& record, int64_t now_ms);

// Closes the VM's open intervals: it was deleted for good.
Status close_metering(MeterStore& store, const std::string& tenant, const std::string& vm,
                      int64_t now_ms);

}  // namespace xc
