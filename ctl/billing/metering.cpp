#include "ctl/billing/metering.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "ctl/billing/snapshot_metering.h"

namespace xc {
namespace {

using nlohmann::json;

int64_t int_field(const json& object, const char* key) {
  if (!object.is_object()) return 0;
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

std::string string_field(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// What makes two allocations bill the same.
auto billable(const MeterInterval& m) {
  return std::tie(m.item, m.quantity, m.system, m.running);
}

bool same_allocation(std::vector<MeterInterval> a, std::vector<MeterInterval> b) {
  if (a.size() != b.size()) return false;
  auto by_item = [](const MeterInterval& x, const MeterInterval& y) {
    return billable(x) < billable(y);
  };
  std::sort(a.begin(), a.end(), by_item);
  std::sort(b.begin(), b.end(), by_item);
  for (size_t i = 0; i < a.size(); ++i) {
    if (billable(a[i]) != billable(b[i])) return false;
  }
  return true;
}

}  // namespace

std::string system_of(const json& record) {
  if (!record.is_object() || !record.contains("manifest")) return "";
  const json& manifest = record["manifest"];
  if (!manifest.is_object() || !manifest.contains("metadata") || !manifest["metadata"].is_object())
    return "";
  const json& meta = manifest["metadata"];
  return meta.contains("labels") ? string_field(meta["labels"], "system") : "";
}

std::vector<MeterInterval> intervals_for(const std::string& tenant, const std::string& vm,
                                         const json& record, int64_t now_ms) {
  const json empty = json::object();
  const json& domain = record.is_object() && record.contains("domain") ? record["domain"] : empty;
  const std::string system = system_of(record);
  bool running = string_field(domain, "power") != "stopped";

  std::vector<std::pair<std::string, int64_t>> items;
  items.emplace_back("vcpu", int_field(domain, "cpus"));
  items.emplace_back("memory", int_field(domain, "memory_mib") / 1024);
  int64_t normal = 0, high = 0;
  if (domain.is_object() && domain.contains("disks") && domain["disks"].is_array()) {
    for (const json& disk : domain["disks"]) {
      (string_field(disk, "tier") == "high" ? high : normal) += int_field(disk, "size_gib");
    }
  }
  items.emplace_back("storage-normal", normal);
  items.emplace_back("storage-high", high);
  std::map<std::string, int64_t> accelerators;
  if (domain.is_object() && domain.contains("accelerators") && domain["accelerators"].is_array()) {
    for (const json& a : domain["accelerators"]) {
      std::string type = string_field(a, "type");
      if (!type.empty()) ++accelerators[type];
    }
  }
  for (const auto& [type, count] : accelerators) items.emplace_back(type, count);

  return open_intervals(tenant, system, vm, items, now_ms, running);
}

std::vector<MeterInterval> open_intervals(
    const std::string& tenant, const std::string& system, const std::string& vm,
    const std::vector<std::pair<std::string, int64_t>>& quantities, int64_t now_ms, bool running) {
  std::vector<MeterInterval> out;
  for (const auto& [item, quantity] : quantities) {
    if (quantity <= 0) continue;
    MeterInterval m;
    m.tenant = tenant;
    m.system = system;
    m.vm = vm;
    m.item = item;
    m.quantity = quantity;
    m.start_ms = now_ms;
    m.running = running;
    out.push_back(std::move(m));
  }
  return out;
}

Status close_metering(MeterStore& store, const std::string& tenant, const std::string& vm,
                      int64_t now_ms) {
  return store.close_meter_intervals(tenant, vm, now_ms);
}

Status meter_allocation(MeterStore& store, const std::string& tenant, const std::string& vm,
                        const json& record, int64_t now_ms) {
  std::vector<MeterInterval> wanted = intervals_for(tenant, vm, record, now_ms);
  Result<std::vector<MeterInterval>> listed = store.list_open_meter_intervals(tenant, vm);
  if (!listed.ok()) return listed.status();
  // The VM's snapshot storage is metered by its snapshot commands
  // (snapshot_metering.h): an apply does not compare it, and carries it on.
  std::vector<MeterInterval> open, snapshots;
  for (MeterInterval& m : *listed) (is_snapshot_item(m.item) ? snapshots : open).push_back(m);
  for (MeterInterval& m : snapshots) m.system = system_of(record);  // a relabelled VM
  if (same_allocation(open, wanted)) return {};
  if (!listed->empty()) {
    if (Status s = store.close_meter_intervals(tenant, vm, now_ms); !s.ok()) return s;
  }
  if (Status s = reopen_meter_intervals(store, std::move(snapshots), now_ms); !s.ok()) return s;
  for (const MeterInterval& m : wanted) {
    if (Status s = store.open_meter_interval(m); !s.ok()) return s;
  }
  return {};
}

}  // namespace xc
