#include "ctl/reconcile/ip_allocation.h"

#include <algorithm>
#include <tuple>

#include "common/semantic_checks.h"

namespace xc {

std::string NicRef::str() const {
  return "vm \"" + object_key(tenant, vm) + "\" nic " + std::to_string(nic);
}

bool allocatable(const AddressPool& pool, const IpAddress& address) {
  if (!subnet_contains(pool.subnet, address) || is_network_or_broadcast(pool.subnet, address))
    return false;
  if (pool.gateway && *pool.gateway == address) return false;
  for (const IpRange& r : pool.reserved)
    if (!(address < r.first) && !(r.last < address)) return false;
  return true;
}

std::optional<IpAddress> next_free_address(const AddressPool& pool,
                                           const std::set<IpAddress>& taken,
                                           const std::optional<IpAddress>& from) {
  std::optional<IpAddress> candidate = from ? from : next_ip(pool.subnet.base);
  while (candidate && subnet_contains(pool.subnet, *candidate)) {
    const IpRange* reserved = nullptr;
    for (const IpRange& r : pool.reserved)
      if (!(*candidate < r.first) && !(r.last < *candidate)) reserved = &r;
    if (reserved) {
      candidate = next_ip(reserved->last);  // skip the whole range at once
      continue;
    }
    if (allocatable(pool, *candidate) && !taken.count(*candidate)) return candidate;
    candidate = next_ip(*candidate);
  }
  return std::nullopt;
}

namespace {

constexpr const char* kFamilies[] = {"ipv4", "ipv6"};

// (network "tenant/name", family)
using PoolKey = std::pair<std::string, std::string>;
// (network, family, address)
using HeldKey = std::tuple<std::string, std::string, IpAddress>;

std::optional<AddressPool> pool_of(const NetworkSpec& spec, bool v6) {
  const auto& s = v6 ? spec.ipv6 : spec.ipv4;
  if (!s) return std::nullopt;
  auto subnet = parse_subnet(s->subnet);
  if (!subnet || subnet->base.v6 != v6) return std::nullopt;
  AddressPool pool{*subnet, std::nullopt, {}};
  if (auto gateway = parse_ip(s->gateway)) pool.gateway = gateway;
  for (const std::string& text : spec.reserved)
    if (auto range = parse_ip_range(text); range && range->first.v6 == v6)
      pool.reserved.push_back(*range);
  return pool;
}

// A NIC that asks for an address of one family.
struct Want {
  NicRef nic;
  std::string family;
  std::string network;
};

class Planner {
 public:
  Planner(const std::vector<Object>& objects, const std::vector<AddressAllocation>& stored,
          const std::vector<AddressAllocation>& elsewhere)
      : stored_(stored), elsewhere_(elsewhere) {
    for (const Object& o : objects) {
      if (o.kind == Kind::kNetwork)
        for (bool v6 : {false, true})
          if (auto pool = pool_of(o.as<NetworkSpec>(), v6))
            pools_[{object_key(o.meta.tenant, o.meta.name), kFamilies[v6]}] = *pool;
      if (o.kind == Kind::kVirtualMachine) vms_.push_back(&o);
    }
    // Sorted, so the result never depends on the order of files or documents.
    std::sort(vms_.begin(), vms_.end(), [](const Object* a, const Object* b) {
      return ObjectKey{a->meta.tenant, a->meta.name} < ObjectKey{b->meta.tenant, b->meta.name};
    });
  }

  Result<AddressPlan> run() {
    read_manifests();
    hold_stored();
    check_declared();
    if (!conflicts_.empty()) {
      std::string message;
      for (const std::string& c : conflicts_) message += (message.empty() ? "" : "; ") + c;
      return error(Code::kInvalidArgument, message);
    }
    keep_or_release();
    return allocate_new();
  }

 private:
  void read_manifests() {
    for (const Object* o : vms_) {
      present_.insert({o->meta.tenant, o->meta.name});
      const auto& nics = o->as<VirtualMachineSpec>().nics;
      for (size_t k = 0; k < nics.size(); ++k) {
        NicRef ref{o->meta.tenant, o->meta.name, static_cast<int64_t>(k)};
        auto [tenant, name] = split_qualified(nics[k].network, o->meta.tenant);
        std::string network = object_key(tenant, name);
        for (const char* family : kFamilies) {
          const std::string& declared = family == kFamilies[0] ? nics[k].ipv4 : nics[k].ipv6;
          if (declared == "auto") continue;  // SLAAC: the guest picks its own
          if (!declared.empty()) {
            if (auto ip = parse_ip(declared)) declared_.emplace(HeldKey{network, family, *ip}, ref);
          } else if (pools_.count({network, family})) {
            wants_.push_back({ref, family, network});
          }
        }
      }
    }
  }

  // Addresses of VMs absent from the manifests stay theirs until deleted.
  void hold_stored() {
    for (const auto* list : {&stored_, &elsewhere_})
      for (const AddressAllocation& a : *list) {
        if (present_.count({a.tenant, a.vm})) continue;
        if (auto ip = parse_ip(a.address))
          held_.emplace(HeldKey{a.network, a.family, *ip}, NicRef{a.tenant, a.vm, a.nic});
      }
    for (const AddressAllocation& a : stored_)
      if (present_.count({a.tenant, a.vm})) stored_by_nic_[{{a.tenant, a.vm, a.nic}, a.family}] = a;
  }

  // A declared address another NIC holds: one held by an absent VM, or the
  // stored allocation of a NIC that still wants it.
  void check_declared() {
    std::map<HeldKey, NicRef> still_wanted;
    for (const Want& w : wants_) {
      auto it = stored_by_nic_.find({w.nic, w.family});
      if (it == stored_by_nic_.end() || it->second.network != w.network) continue;
      auto ip = parse_ip(it->second.address);
      if (ip && allocatable(pools_.at({w.network, w.family}), *ip))  // else it moves anyway
        still_wanted.emplace(HeldKey{w.network, w.family, *ip}, w.nic);
    }
    for (const auto& [key, nic] : declared_) {
      const NicRef* holder = nullptr;
      if (auto h = held_.find(key); h != held_.end() && h->second != nic) holder = &h->second;
      if (auto s = still_wanted.find(key); !holder && s != still_wanted.end()) holder = &s->second;
      if (holder)
        conflicts_.push_back(nic.str() + ": address " + format_ip(std::get<2>(key)) +
                             " is already held by " + holder->str());
    }
  }

  std::set<IpAddress>& taken(const PoolKey& pool) {
    auto [it, inserted] = taken_.try_emplace(pool);
    if (inserted) {
      for (const auto* map : {&declared_, &held_})
        for (const auto& [key, nic] : *map)
          if (std::get<0>(key) == pool.first && std::get<1>(key) == pool.second)
            it->second.insert(std::get<2>(key));
    }
    return it->second;
  }

  // A stored allocation is kept while its NIC wants an address of that
  // family on the same network and the address is still allocatable.
  void keep_or_release() {
    std::set<std::pair<NicRef, std::string>> kept;
    for (const Want& w : wants_) {
      auto it = stored_by_nic_.find({w.nic, w.family});
      if (it == stored_by_nic_.end() || it->second.network != w.network) continue;
      auto ip = parse_ip(it->second.address);
      const AddressPool& pool = pools_.at({w.network, w.family});
      std::set<IpAddress>& used = taken({w.network, w.family});
      if (!ip || !allocatable(pool, *ip) || used.count(*ip)) continue;
      used.insert(*ip);
      set_address(w, it->second.address);
      kept.insert({w.nic, w.family});
    }
    for (const auto& [key, a] : stored_by_nic_)
      if (!kept.count(key)) plan_.released.push_back(a);
  }

  Result<AddressPlan> allocate_new() {
    std::map<PoolKey, std::optional<IpAddress>> cursor;  // nothing free below it
    for (const Want& w : wants_) {
      NicAddresses& got = plan_.nics[w.nic];
      if (!(w.family == kFamilies[0] ? got.ipv4 : got.ipv6).empty()) continue;  // kept
      PoolKey key{w.network, w.family};
      const AddressPool& pool = pools_.at(key);
      std::set<IpAddress>& used = taken(key);
      auto next = next_free_address(pool, used, cursor[key]);
      if (!next) {
        return error(Code::kFailedPrecondition, w.nic.str() + ": no free " +
                                                    (w.family == kFamilies[0] ? "IPv4" : "IPv6") +
                                                    " address left in network \"" + w.network +
                                                    "\" (subnet " + format_ip(pool.subnet.base) +
                                                    "/" + std::to_string(pool.subnet.prefix) + ")");
      }
      used.insert(*next);
      cursor[key] = next;
      std::string address = format_ip(*next);
      set_address(w, address);
      plan_.added.push_back(
          {w.nic.tenant, w.nic.vm, w.nic.nic, w.family, w.network, std::move(address)});
    }
    return std::move(plan_);
  }

  void set_address(const Want& w, const std::string& address) {
    NicAddresses& got = plan_.nics[w.nic];
    (w.family == kFamilies[0] ? got.ipv4 : got.ipv6) = address;
  }

  const std::vector<AddressAllocation>& stored_;
  const std::vector<AddressAllocation>& elsewhere_;
  std::map<PoolKey, AddressPool> pools_;
  std::vector<const Object*> vms_;
  std::set<ObjectKey> present_;
  std::vector<Want> wants_;
  std::map<HeldKey, NicRef> declared_;
  std::map<HeldKey, NicRef> held_;
  std::map<std::pair<NicRef, std::string>, AddressAllocation> stored_by_nic_;
  std::map<PoolKey, std::set<IpAddress>> taken_;
  std::vector<std::string> conflicts_;
  AddressPlan plan_;
};

}  // namespace

Result<AddressPlan> plan_addresses(const std::vector<Object>& objects,
                                   const std::vector<AddressAllocation>& stored,
                                   const std::vector<AddressAllocation>& elsewhere) {
  return Planner(objects, stored, elsewhere).run();
}

}  // namespace xc
