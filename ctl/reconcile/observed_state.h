// What the hosts report: facts and xcloud's domains on every declared host,
// read from all agents in parallel. Thread-compatible result.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "ctl/hosts/host_clients.h"

namespace xc {

struct ObservedDomain {
  std::string domain, uuid, tenant, vm, spec_hash, state;
  int64_t generation = 0, cpus = 0, memory_mib = 0;
  bool restart_pending = false;
  bool definition_drift = false;  // edited outside xcloud (virsh edit, setvcpus --config)
};

// What the planner needs of host.facts, read once per host.
struct HostFacts {
  std::string arch;  // "x86_64", "aarch64"
  int64_t cpus = 0;
  int64_t memory_mib = 0;
  struct Accelerator {
    std::string type, address;
    std::string used_by;  // the domain using it, "" when free
  };
  std::vector<Accelerator> accelerators;
};

HostFacts host_facts_from_json(const nlohmann::json& facts);

struct ObservedHost {
  std::string name;
  bool reachable = false;
  std::string error;
  nlohmann::json facts;  // as the agent sent it (the store keeps it)
  HostFacts parsed;
  std::vector<ObservedDomain> domains;  // xcloud-owned
  nlohmann::json unmanaged = nlohmann::json::array();
  std::set<std::string> networks;  // libvirt network names
};

// One worker per host, at most `parallel` at once.
std::vector<ObservedHost> observe_hosts(HostClients& clients, const std::vector<std::string>& hosts,
                                        int parallel);

ObservedDomain observed_domain_from_json(const nlohmann::json& d);

}  // namespace xc
