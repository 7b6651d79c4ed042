#include "ctl/reconcile/desired_state.h"

#include <set>

#include "common/digest.h"
#include "common/secret_redaction.h"
#include "ctl/reconcile/guest_config.h"

namespace xc {
namespace {

using nlohmann::json;

// A stable MAC from the VM's identity (locally administered, QEMU's prefix).
std::string mac_for(const std::string& tenant, const std::string& name, size_t index) {
  std::string h = sha256_hex(tenant + "/" + name + "#" + std::to_string(index));
  return "52:54:00:" + h.substr(0, 2) + ":" + h.substr(2, 2) + ":" + h.substr(4, 2);
}

// A disk's name is its serial inside the guest, at most 20 characters: long
// volume names keep their start and gain a digest, so they stay unique.
std::string disk_name_for_volume(const std::string& volume) {
  if (volume.size() <= 20) return volume;
  std::string head = volume.substr(0, 11);
  while (!head.empty() && head.back() == '-') head.pop_back();
  return head + "-" + sha256_hex(volume).substr(0, 8);
}

// securitygroup.ensure's rules of one direction ("from" is the peer of an
// ingress rule, "to" of an egress rule). A rule naming a peer group becomes
// one rule per address of that group's member NICs (none while it has no
// members).
json security_group_rules(const Object& o, const std::vector<SecurityRule>& rules,
                          const char* peer_key,
                          const std::map<std::string, std::vector<std::string>>& members) {
  json out = json::array();
  for (const SecurityRule& r : rules) {
    json base = {{"protocol", r.protocol}};
    if (r.port_from > 0) {
      base["port_from"] = r.port_from;
      base["port_to"] = r.port_to > 0 ? r.port_to : r.port_from;
    }
    if (r.group.empty()) {
      if (!r.cidr.empty()) base[peer_key] = r.cidr;
      out.push_back(base);
      continue;
    }
    auto peers = members.find(object_key(o.meta.tenant, r.group));
    if (peers == members.end()) continue;
    for (const std::string& address :
         std::set<std::string>(peers->second.begin(), peers->second.end())) {
      json rule = base;
      rule[peer_key] = address;
      out.push_back(rule);
    }
  }
  return out;
}

}  // namespace

Result<DesiredState> build_desired_state(const ManifestSet& set,
                                         const AllocatedAddresses& addresses) {
  DesiredState out;
  std::map<std::pair<std::string, std::string>, const Object*> images;
  std::map<std::pair<std::string, std::string>, std::vector<size_t>> volumes_of_vm;
  std::map<std::string, std::string> network_zone;                // "tenant/name" -> zone
  std::map<std::string, const NetworkSpec*> network_specs;        // "tenant/name" -> spec
  std::map<std::string, std::vector<std::string>> group_members;  // "tenant/group" -> NIC addresses
  for (size_t i = 0; i < set.objects.size(); ++i) {
    const Object& o = set.objects[i];
    if (o.kind == Kind::kImage) images[{o.meta.tenant, o.meta.name}] = &o;
    if (o.kind == Kind::kNetwork) {
      network_zone[object_key(o.meta.tenant, o.meta.name)] = o.as<NetworkSpec>().zone;
      network_specs[object_key(o.meta.tenant, o.meta.name)] = &o.as<NetworkSpec>();
    }
    if (o.kind == Kind::kVolume && !o.as<VolumeSpec>().attach_to.empty())
      volumes_of_vm[{o.meta.tenant, o.as<VolumeSpec>().attach_to}].push_back(i);
  }
  for (size_t i = 0; i < set.objects.size(); ++i) {
    const Object& o = set.objects[i];
    const json& manifest = set.documents[i].tree;
    // Stored and printed without the guest's password hash; hashed with it.
    out.records.push_back(
        {&o, o.kind == Kind::kVirtualMachine ? redact_vm_manifest(manifest) : manifest,
         sha256_hex(manifest.dump())});
    switch (o.kind) {
      case Kind::kHost:
        out.hosts.push_back(&o);
        break;
      case Kind::kPool: {
        const auto& p = o.as<PoolSpec>();
        out.pools.push_back({o.meta.name, p.zone, p.cpu_overcommit_milli, p.policy});
        break;
      }
      case Kind::kPlacementGroup: {
        const auto& g = o.as<PlacementGroupSpec>();
        out.groups.push_back({o.meta.tenant, o.meta.name, g.policy, g.strict});
        break;
      }
      case Kind::kNetwork: {
        const auto& n = o.as<NetworkSpec>();
        json params = {{"tenant", o.meta.tenant}, {"name", o.meta.name}};
        if (n.vlan) params["vlan"] = *n.vlan;
        if (n.vxlan) params["vxlan"] = *n.vxlan;
        out.networks.push_back({&o, params});
        break;
      }
      default:
        break;
    }
  }
  for (size_t i = 0; i < set.objects.size(); ++i) {
    const Object& o = set.objects[i];
    if (o.kind != Kind::kVirtualMachine) continue;
    const auto& vm = o.as<VirtualMachineSpec>();
    DesiredVm d;
    d.object = &o;
    d.manifest = redact_vm_manifest(set.documents[i].tree);
    const Object* image = nullptr;
    for (const auto& key :
         {std::make_pair(std::string(), vm.image), std::make_pair(o.meta.tenant, vm.image)})
      if (!image && images.count(key)) image = images[key];
    for (const auto& [key, img] : images)
      if (!image && key.second == vm.image) image = img;  // shared from another tenant (validated)
    Arch arch = vm.arch ? *vm.arch : image ? image->as<ImageSpec>().arch : Arch::kX86_64;
    DomainSpec& s = d.spec;
    s.tenant = o.meta.tenant;
    s.name = o.meta.name;
    s.arch = arch;
    s.cpus = vm.cpus;
    s.memory_mib = vm.memory_gib * 1024;
    s.power = vm.power;
    // An adopted domain keeps its name and disk files, and gets no seed.
    s.adopted = vm.adopted_from.has_value();
    d.adopted_from = vm.adopted_from;
    std::string hash_input = set.documents[i].tree.dump();  // the password hash changes it too
    for (size_t k = 0; k < vm.disks.size(); ++k) {
      const auto& disk = vm.disks[k];
      DomainDisk d{disk.name, disk.size_gib, disk.tier, disk.iops, ""};
      d.path = disk.path;
      if (k == 0 && image && !s.adopted) {
        const auto& is = image->as<ImageSpec>();
        d.image = is.source;
        d.image_format = is.format;
        d.image_sha256 = is.sha256;
      }
      s.disks.push_back(std::move(d));
    }
    for (size_t vi : volumes_of_vm[{o.meta.tenant, o.meta.name}]) {
      const Object& v = set.objects[vi];
      const auto& vs = v.as<VolumeSpec>();
      s.disks.push_back(
          {disk_name_for_volume(v.meta.name), vs.size_gib, vs.tier, vs.iops, "", "virtio"});
      hash_input += set.documents[vi].tree.dump();
    }
    bool filtered = false;
    for (size_t k = 0; k < vm.nics.size(); ++k) {
      const auto& nic = vm.nics[k];
      size_t slash = nic.network.rfind('/');
      std::string network =
          slash == std::string::npos ? object_key(o.meta.tenant, nic.network) : nic.network;
      std::set<std::string> groups(nic.security_groups.begin(), nic.security_groups.end());
      NicAddresses given;
      if (auto a = addresses.find({o.meta.tenant, o.meta.name, static_cast<int64_t>(k)});
          a != addresses.end())
        given = a->second;
      // The allocator gives only what the NIC leaves empty; the hash follows
      // the address, so a VM's record changes when its address does.
      std::string ipv4 = nic.ipv4.empty() ? given.ipv4 : nic.ipv4;
      std::string ipv6 = nic.ipv6.empty() ? given.ipv6 : nic.ipv6;
      if (ipv4 != nic.ipv4 || ipv6 != nic.ipv6)
        hash_input += "\nnic " + std::to_string(k) + " allocated " + ipv4 + " " + ipv6;
      DomainNic& n = s.nics.emplace_back();
      n.network = network;
      n.mac = nic.mac.empty() ? mac_for(o.meta.tenant, o.meta.name, k) : nic.mac;
      n.ipv4 = ipv4;
      n.ipv6 = ipv6;
      n.security_groups = {groups.begin(), groups.end()};
      filtered = filtered || !groups.empty();
      for (const std::string& g : groups)
        for (const std::string& address : {ipv4, ipv6})
          if (!address.empty() && address != "auto")  // SLAAC: not known here
            group_members[object_key(o.meta.tenant, g)].push_back(address);
    }
    // VMs applied before groups reached the NIC change hash once, so they get their filter.
    if (filtered) hash_input += "\nsecurity groups on NICs";
    // And once more, so every NIC gets its anti-spoofing filter.
    if (!s.nics.empty()) hash_input += "\nanti-spoofing on NICs";
    if (!s.adopted) hash_input += add_guest_config(s, vm, network_specs);
    d.hash = sha256_hex(hash_input);
    s.spec_hash = d.hash;
    VmDemand& dm = d.demand;
    dm.tenant = o.meta.tenant;
    dm.name = o.meta.name;
    dm.arch = arch;
    dm.cpus = vm.cpus;
    dm.memory_mib = s.memory_mib;
    for (const auto& a : vm.accelerators) dm.accelerators[a.type] += a.count;
    dm.zone = vm.placement.zone;
    // A VM lives in the zone of its networks (placement never crosses zones).
    for (const auto& nic : s.nics)
      if (dm.zone.empty() && network_zone.count(nic.network)) dm.zone = network_zone[nic.network];
    dm.pool = vm.placement.pool;
    dm.group = vm.placement.group;
    out.vms.push_back(std::move(d));
  }
  for (size_t i = 0; i < set.objects.size(); ++i) {
    const Object& o = set.objects[i];
    if (o.kind != Kind::kSecurityGroup) continue;
    const auto& group = o.as<SecurityGroupSpec>();
    json params = {{"tenant", o.meta.tenant},
                   {"name", o.meta.name},
                   {"ingress", security_group_rules(o, group.ingress, "from", group_members)}};
    // Only when there are some, so groups without egress keep their hash.
    if (!group.egress.empty())
      params["egress"] = security_group_rules(o, group.egress, "to", group_members);
    std::string hash = sha256_hex(set.documents[i].tree.dump() + params.dump());
    out.security_groups.push_back({&o, params, hash});
    for (auto& rec : out.records)
      if (rec.object == &o) rec.hash = hash;  // a peer's new member changes the group
  }
  return out;
}

}  // namespace xc
