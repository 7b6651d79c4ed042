// The inventory as xcloudctl last saw it: VMs, hosts and other objects from
// the store, joined with each host's last reported state. Read-only; built
// per command.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ctl/store/store.h"

namespace xc {

// One NIC as last applied: its addresses (declared or allocated) and MAC.
struct NicView {
  std::string network, mac, ipv4, ipv6;
  bool ipv4_allocated = false, ipv6_allocated = false;  // given by IPAM, not declared
  nlohmann::json to_json() const;
  // "10.20.1.2,fd00:20:1::2": the addresses, without "auto".
  std::string addresses() const;
};

// The NICs of a VM record's DomainSpec JSON (`domain`) and its manifest.
std::vector<NicView> nics_of(const nlohmann::json& domain, const nlohmann::json& manifest);

// A VM's state is "unknown" when its host is unreachable: what the host last
// reported may no longer be true.
struct VmView {
  std::string tenant, name, host, state = "unknown", uuid, system, arch;
  std::string origin;  // the manifest set that owns it: "default", or "request/7" (a request's)
  int64_t cpus = 0, memory_mib = 0, generation = 0;
  std::vector<std::string> ipv4, disks;
  std::vector<NicView> nics;
  std::map<std::string, std::string> labels;
  nlohmann::json manifest;
  nlohmann::json to_json() const;
};

struct HostView {
  HostRecord record;
  nlohmann::json facts;  // last host.facts, or null
  int64_t cpus_total = 0, memory_mib_total = 0, cpus_allocated = 0, memory_mib_allocated = 0,
          vms = 0;
  // Its pool's cpuOvercommit in thousandths, and the vCPUs it offers with it.
  int64_t cpu_overcommit_milli = 1000, vcpu_capacity = 0;
  std::map<std::string, std::pair<int64_t, int64_t>> accelerators;  // type -> (used, total)
  int64_t contacted_at_ms = 0;                                      // the last successful contact
  // "ready" (reached at the last contact), "unreachable" (the last contact
  // failed, since unreachable_since_ms), "maintenance" (its Host manifest
  // says so), or "unknown" (never contacted).
  std::string state = "unknown";
  int64_t unreachable_since_ms = 0;
  std::string last_error;  // kept after the host is reached again
  int64_t last_error_at_ms = 0;
  nlohmann::json unmanaged = nlohmann::json::array();
  nlohmann::json to_json() const;
  // The agent's version, commit, arch and protocol from its last host.facts;
  // null before the first contact or for an agent of protocol 1.0.
  nlohmann::json agent() const;
};

struct Inventory {
  std::vector<VmView> vms;
  std::vector<HostView> hosts;
};

Result<Inventory> load_inventory(Store& store);

// vCPUs a host offers: its CPUs x its pool's cpuOvercommit (thousandths),
// rounded down, as the scheduler counts them.
inline int64_t vcpu_capacity(int64_t cpus, int64_t cpu_overcommit_milli) {
  return cpus * cpu_overcommit_milli / 1000;
}

// Each stored Pool's cpuOvercommit in thousandths (1.5 -> 1500; 1000 when unset).
Result<std::map<std::string, int64_t>> pool_overcommits(Store& store);

// The libvirt domain name of a stored VM: from its stored DomainSpec, else
// from its tenant and name (the same rule).
std::string domain_of(const ResourceRecord& r);

}  // namespace xc
