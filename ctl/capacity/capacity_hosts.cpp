// read_capacity_hosts (capacity_hosts.h).
#include "ctl/capacity/capacity_hosts.h"

#include "ctl/store/inventory.h"

namespace xc {
namespace {

constexpr int64_t kGiB = 1024LL * 1024 * 1024;

}  // namespace

Result<CapacityHosts> read_capacity_hosts(Store& store, int64_t now_ms) {
  auto inv = load_inventory(store);
  if (!inv.ok()) return inv.status();
  CapacityHosts out;
  std::map<std::string, size_t> index;
  for (const HostView& h : inv->hosts) {
    CapacityHost c;
    c.name = h.record.name;
    c.pool = h.record.pool;
    c.zone = h.record.zone;
    c.cpus = h.cpus_total;
    c.cpu_overcommit_milli = h.cpu_overcommit_milli;
    c.memory_mib = h.memory_mib_total;
    c.vcpu_allocated = h.cpus_allocated;
    c.memory_mib_allocated = h.memory_mib_allocated;
    if (h.facts.is_object() && h.facts.contains("storage") && h.facts["storage"].is_object())
      c.storage_gib = h.facts["storage"].value("capacityBytes", int64_t{0}) / kGiB;
    for (const auto& [type, used_total] : h.accelerators) {
      c.accelerators[type] = used_total.second;
      c.accelerators_allocated[type] = used_total.first;
    }
    index[c.name] = out.hosts.size();
    out.hosts.push_back(std::move(c));
  }
  std::map<std::string, std::string> host_of;  // "tenant/vm" -> host
  for (const VmView& vm : inv->vms) {
    host_of[vm.tenant + "/" + vm.name] = vm.host;
    auto h = index.find(vm.host);
    if (h != index.end()) out.pool_of_vm[vm.tenant + "/" + vm.name] = out.hosts[h->second].pool;
  }
  auto open = store.list_meter_intervals(now_ms, now_ms + 1);
  if (!open.ok()) return open.status();
  for (const MeterInterval& iv : *open) {
    if (iv.item.rfind("storage-", 0) != 0) continue;
    auto h = index.find(host_of[iv.tenant + "/" + iv.vm]);
    if (h != index.end())
      out.hosts[h->second].storage_gib_allocated[iv.item.substr(8)] += iv.quantity;
  }
  return out;
}

}  // namespace xc
