// The spec's outward forms: its JSON and the libvirt and file names derived from it.
#include <algorithm>

#include "common/domain_spec.h"

namespace xc {

using nlohmann::json;

json to_json(const DomainSpec& spec) {
  json disks = json::array(), nics = json::array(), accelerators = json::array();
  for (const DomainDisk& d : spec.disks) {
    json disk = {{"name", d.name}, {"size_gib", d.size_gib}, {"tier", tier_name(d.tier)},
                 {"iops", d.iops}, {"image", d.image},       {"bus", d.bus}};
    // Only when set, so the JSON of qcow2 images without a digest is unchanged.
    if (d.image_format != "qcow2") disk["image_format"] = d.image_format;
    if (!d.image_sha256.empty()) disk["image_sha256"] = d.image_sha256;
    if (!d.path.empty()) disk["path"] = d.path;
    disks.push_back(std::move(disk));
  }
  for (const DomainNic& n : spec.nics) {
    json nic = {{"network", n.network}, {"mac", n.mac}, {"ipv4", n.ipv4}, {"ipv6", n.ipv6}};
    if (n.vlan) nic["vlan"] = *n.vlan;
    // Only when set, so the JSON (and applied specs) of unfiltered NICs is unchanged.
    if (!n.security_groups.empty()) nic["security_groups"] = n.security_groups;
    if (n.ipv4_prefix) nic["ipv4_prefix"] = *n.ipv4_prefix;
    if (!n.ipv4_gateway.empty()) nic["ipv4_gateway"] = n.ipv4_gateway;
    if (n.ipv6_prefix) nic["ipv6_prefix"] = *n.ipv6_prefix;
    if (!n.ipv6_gateway.empty()) nic["ipv6_gateway"] = n.ipv6_gateway;
    if (!n.dns.empty()) nic["dns"] = n.dns;
    nics.push_back(std::move(nic));
  }
  for (const DomainAccelerator& a : spec.accelerators)
    accelerators.push_back({{"type", a.type}, {"pci_address", a.pci_address}});
  json out = {{"tenant", spec.tenant},
              {"name", spec.name},
              {"kind", spec.kind},
              {"spec_hash", spec.spec_hash},
              {"generation", spec.generation},
              {"arch", arch_name(spec.arch)},
              {"cpus", spec.cpus},
              {"memory_mib", spec.memory_mib},
              {"disks", std::move(disks)},
              {"nics", std::move(nics)},
              {"accelerators", std::move(accelerators)},
              {"power", spec.power == Power::kRunning ? "running" : "stopped"}};
  if (spec.guest) {
    json guest = {{"hostname", spec.guest->hostname},
                  {"ssh_authorized_keys", spec.guest->ssh_authorized_keys}};
    if (!spec.guest->password_hash.empty()) guest["password_hash"] = spec.guest->password_hash;
    out["guest"] = std::move(guest);
  }
  if (spec.adopted) out["adopted"] = true;  // only when set: other specs' hashes stay
  return out;
}

std::string domain_name(const DomainSpec& spec) {
  if (spec.adopted) return spec.name;
  std::string tenant = spec.tenant;
  std::replace(tenant.begin(), tenant.end(), '/', '.');
  return "xc-" + tenant + "." + spec.name;
}

std::string disk_file_name(const DomainSpec& spec, const DomainDisk& disk) {
  return domain_name(spec) + "." + disk.name + ".qcow2";
}

std::string seed_file_name(const DomainSpec& spec) {
  return domain_name(spec) + ".cidata.iso";
}

std::string disk_path(const std::string& storage_dir, const DomainSpec& spec,
                      const DomainDisk& disk) {
  if (!disk.path.empty()) return disk.path;
  return storage_dir + "/" + disk_file_name(spec, disk);
}

}  // namespace xc
