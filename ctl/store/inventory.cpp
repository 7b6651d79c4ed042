#include "ctl/store/inventory.h"

#include <set>

#include "common/domain_spec.h"
#include "common/model.h"
#include "common/money.h"
#include "ctl/store/host_maintenance.h"

namespace xc {

using nlohmann::json;

std::string domain_of(const ResourceRecord& r) {
  json record = json::parse(r.spec_json, nullptr, false);
  if (record.is_object() && record.contains("domain")) {
    auto spec = domain_spec_from_json(record["domain"]);
    if (spec.ok()) return domain_name(*spec);
  }
  DomainSpec s;
  s.tenant = r.tenant;
  s.name = r.name;
  return domain_name(s);
}

json NicView::to_json() const {
  json allocated = json::array();
  if (ipv4_allocated) allocated.push_back("ipv4");
  if (ipv6_allocated) allocated.push_back("ipv6");
  return {
      {"network", network}, {"mac", mac}, {"ipv4", ipv4}, {"ipv6", ipv6}, {"allocated", allocated}};
}

std::string NicView::addresses() const {
  std::string out = ipv4;
  if (!ipv6.empty() && ipv6 != "auto") out += (out.empty() ? "" : ",") + ipv6;
  return out;
}

std::vector<NicView> nics_of(const json& domain, const json& manifest) {
  std::vector<NicView> out;
  if (!domain.is_object()) return out;
  json declared = json::array();
  if (manifest.is_object() && manifest.contains("spec") && manifest["spec"].is_object())
    declared = manifest["spec"].value("nics", json::array());
  const json nics = domain.value("nics", json::array());
  for (size_t k = 0; k < nics.size(); ++k) {
    if (!nics[k].is_object()) continue;
    NicView n;
    n.network = nics[k].value("network", "");
    n.mac = nics[k].value("mac", "");
    n.ipv4 = nics[k].value("ipv4", "");
    n.ipv6 = nics[k].value("ipv6", "");
    json mine = k < declared.size() && declared[k].is_object() ? declared[k] : json::object();
    n.ipv4_allocated = !n.ipv4.empty() && mine.value("ipv4", "").empty();
    n.ipv6_allocated = !n.ipv6.empty() && mine.value("ipv6", "").empty();
    out.push_back(std::move(n));
  }
  return out;
}

json VmView::to_json() const {
  json nic_list = json::array();
  for (const NicView& n : nics) nic_list.push_back(n.to_json());
  return {{"tenant", tenant},
          {"name", name},
          {"host", host},
          {"state", state},
          {"id", uuid},
          {"system", system},
          {"arch", arch},
          {"cpus", cpus},
          {"memoryMiB", memory_mib},
          {"generation", generation},
          {"origin", origin},
          {"ipv4", ipv4},
          {"nics", nic_list},
          {"disks", disks},
          {"labels", labels}};
}

json HostView::to_json() const {
  json acc = json::object();
  for (const auto& [type, ut] : accelerators)
    acc[type] = {{"used", ut.first}, {"total", ut.second}};
  return {{"name", record.name},
          {"address", record.address},
          {"transport", record.transport},
          {"pool", record.pool},
          {"zone", record.zone},
          {"arch", record.arch},
          {"vcpu",
           {{"allocated", cpus_allocated},
            {"total", vcpu_capacity},
            {"cpus", cpus_total},
            {"overcommitMilli", cpu_overcommit_milli}}},
          {"memoryMiB", {{"allocated", memory_mib_allocated}, {"total", memory_mib_total}}},
          {"vms", vms},
          {"accelerators", acc},
          {"contactedAtMs", contacted_at_ms},
          {"state", state},
          {"unreachableSinceMs", unreachable_since_ms},
          {"lastError", last_error},
          {"lastErrorAtMs", last_error_at_ms},
          {"agent", agent()}};
}

json HostView::agent() const {
  if (!facts.is_object()) return nullptr;
  auto it = facts.find("agent");
  return it != facts.end() && it->is_object() ? *it : json(nullptr);
}

Result<std::map<std::string, int64_t>> pool_overcommits(Store& store) {
  auto pools = store.list_resources(std::string("Pool"));
  if (!pools.ok()) return pools.status();
  std::map<std::string, int64_t> out;
  for (const auto& p : *pools) {
    json record = json::parse(p.spec_json, nullptr, false);
    if (!record.is_object()) continue;
    json spec = record.value("manifest", json::object()).value("spec", json::object());
    auto it = spec.is_object() ? spec.find("cpuOvercommit") : spec.end();
    if (it == spec.end() || !it->is_number()) continue;
    // The number's JSON text read exactly, as the manifest model reads it.
    if (auto m = Money::parse(it->dump()); m && m->micros() > 0) out[p.name] = m->micros() / 1000;
  }
  return out;
}

Result<Inventory> load_inventory(Store& store) {
  Inventory inv;
  auto hosts = store.list_hosts();
  auto resources = store.list_resources(std::string("VirtualMachine"));
  auto placements = store.list_placements();
  auto declared_hosts = store.list_resources(std::string("Host"));
  if (!declared_hosts.ok()) return declared_hosts.status();
  std::set<std::string> in_maintenance;
  for (const auto& h : *declared_hosts) {
    json record = json::parse(h.spec_json, nullptr, false);
    if (!record.is_object()) continue;
    json spec = record.value("manifest", json::object()).value("spec", json::object());
    if (spec.is_object() && spec.value("maintenance", false)) in_maintenance.insert(h.name);
  }
  auto overcommits = pool_overcommits(store);
  if (!overcommits.ok()) return overcommits.status();
  if (hosts.ok())
    for (const auto& h : *hosts)
      if (auto on = operator_maintenance(store, h.name); on.ok() && *on)
        in_maintenance.insert(h.name);
  if (!hosts.ok()) return hosts.status();
  if (!resources.ok()) return resources.status();
  if (!placements.ok()) return placements.status();
  std::map<std::string, std::string> host_of;
  for (const auto& p : *placements) host_of[object_key(p.tenant, p.name)] = p.host;
  std::map<std::string, json> observed;  // "host|tenant/name" -> domain snapshot
  std::map<std::string, size_t> host_index;
  for (const auto& h : *hosts) {
    HostView v;
    v.record = h;
    json snapshot = json::parse(h.facts_json, nullptr, false);
    if (snapshot.is_object()) {
      v.unreachable_since_ms = snapshot.value("unreachableSinceMs", int64_t{0});
      v.last_error = snapshot.value("lastError", "");
      v.last_error_at_ms = snapshot.value("lastErrorAtMs", int64_t{0});
      v.contacted_at_ms = snapshot.value("contactedAtMs", int64_t{0});
    }
    v.state = in_maintenance.count(h.name) ? "maintenance"
              : v.unreachable_since_ms > 0 ? "unreachable"
              : v.contacted_at_ms > 0      ? "ready"
                                           : "unknown";
    if (snapshot.is_object() && snapshot.contains("facts")) {
      v.facts = snapshot["facts"];
      v.cpus_total = v.facts["cpu"].value("count", int64_t{0});
      v.memory_mib_total = v.facts.value("memoryKiB", int64_t{0}) / 1024;
      v.unmanaged = snapshot.value("unmanaged", json::array());
      for (const auto& a : v.facts.value("accelerators", json::array())) {
        std::string type = a.value("type", "");
        if (type.empty()) continue;
        auto& ut = v.accelerators[type];
        ++ut.second;
        if (!a["usedBy"].is_null()) ++ut.first;
      }
      for (const auto& d : snapshot.value("domains", json::array()))
        observed[h.name + "|" + object_key(d.value("tenant", ""), d.value("vmName", ""))] = d;
    }
    if (auto o = overcommits->find(h.pool); o != overcommits->end())
      v.cpu_overcommit_milli = o->second;
    v.vcpu_capacity = vcpu_capacity(v.cpus_total, v.cpu_overcommit_milli);
    host_index[h.name] = inv.hosts.size();
    inv.hosts.push_back(std::move(v));
  }
  for (const auto& r : *resources) {
    VmView vm;
    vm.tenant = r.tenant;
    vm.name = r.name;
    vm.generation = r.generation;
    vm.origin = r.manifest_set;
    vm.host = host_of[object_key(r.tenant, r.name)];
    json record = json::parse(r.spec_json, nullptr, false);
    if (record.is_discarded()) record = json::object();
    const json domain = record.value("domain", json::object());
    vm.manifest = record.value("manifest", json::object());
    vm.cpus = domain.value("cpus", int64_t{0});
    vm.memory_mib = domain.value("memory_mib", int64_t{0});
    vm.arch = domain.value("arch", "");
    vm.nics = nics_of(domain, vm.manifest);
    for (const NicView& n : vm.nics)
      if (!n.ipv4.empty()) vm.ipv4.push_back(n.ipv4);
    for (const auto& d : domain.value("disks", json::array()))
      vm.disks.push_back(d.value("name", "") + ":" + std::to_string(d.value("size_gib", 0)) + "G/" +
                         d.value("tier", ""));
    const json labels = vm.manifest["metadata"].value("labels", json::object());
    for (const auto& [k, v] : labels.items())
      if (v.is_string()) vm.labels[k] = v;
    vm.system = vm.labels.count("system") ? vm.labels["system"] : "";
    auto o = observed.find(vm.host + "|" + object_key(r.tenant, r.name));
    bool host_lost =
        host_index.count(vm.host) && inv.hosts[host_index[vm.host]].unreachable_since_ms > 0;
    if (host_lost) {
      vm.state = "unknown";  // last seen on a host that cannot be reached now
      if (o != observed.end()) vm.uuid = o->second.value("uuid", "");
    } else if (o != observed.end()) {
      vm.state = o->second.value("state", "unknown");
      vm.uuid = o->second.value("uuid", "");
      if (o->second.value("restartPending", false)) vm.state += " (restart pending)";
    } else if (host_index.count(vm.host) && inv.hosts[host_index[vm.host]].contacted_at_ms > 0) {
      vm.state = "missing";
    }
    if (host_index.count(vm.host)) {
      HostView& h = inv.hosts[host_index[vm.host]];
      h.cpus_allocated += vm.cpus;
      h.memory_mib_allocated += vm.memory_mib;
      ++h.vms;
    }
    inv.vms.push_back(std::move(vm));
  }
  return inv;
}

}  // namespace xc
