// The pure mapping behind `xcloudctl adopt`: a domain as the agent's
// domain.inspect reports it -> a VirtualMachine manifest that declares it as
// it is (sizes, disks with their paths, NICs with their MACs, arch, power),
// or every reason xcloud cannot represent it. Everything in `inspected` came
// from libvirt and is untrusted: names, paths and MACs are checked, never
// passed on as they are. Pure; safe from any thread.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace xc {

struct AdoptTarget {
  std::string host;        // the Host that runs the domain
  std::string tenant;      // the VM's tenant (--tenant)
  std::string system;      // labels.system, or empty (--system)
  std::string zone, pool;  // the host's, for spec.placement (empty: left out)
  // Bridge name on the host -> the tenant's Network it carries ("app").
  std::map<std::string, std::string> networks_by_bridge;
};

struct AdoptedManifest {
  std::string domain;                 // as libvirt names it (untrusted; print with printable())
  nlohmann::json manifest;            // null when `problems` is not empty
  std::vector<std::string> problems;  // why xcloud cannot represent it
  std::vector<std::string> warnings;  // written anyway, but the operator should look
  std::vector<std::string> notes;     // what the manifest has no field for (a disk's pool), escaped
};

AdoptedManifest adopt_manifest(const nlohmann::json& inspected, const AdoptTarget& target);

}  // namespace xc
