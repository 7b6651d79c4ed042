// IPAM: the addresses of NICs that declare none. Each gets the next free
// address of its network's subnet (never the network, broadcast or gateway
// address, nor a reserved one) and keeps what the store already gave it.
// Pure and deterministic: the same manifests and store give the same plan, so
// diff shows what apply then writes. Safe to call from any thread.
#pragma once

#include <compare>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/ip_address.h"
#include "common/model.h"
#include "common/status.h"
#include "ctl/store/records.h"

namespace xc {

// One NIC of one VM: `vm "education/web-1" nic 0` in messages.
struct NicRef {
  std::string tenant;
  std::string vm;
  int64_t nic = 0;

  std::string str() const;
  auto operator<=>(const NicRef&) const = default;
};

// One network's address space of one family, as the allocator sees it.
struct AddressPool {
  Subnet subnet;
  std::optional<IpAddress> gateway;
  std::vector<IpRange> reserved;
};

// Whether the allocator may hand out `address`: inside the subnet and not its
// network, broadcast, gateway or a reserved address.
bool allocatable(const AddressPool& pool, const IpAddress& address);

// The lowest allocatable address of `pool`, at or after `from` when given,
// that is not in `taken`; nullopt when the pool is exhausted.
std::optional<IpAddress> next_free_address(const AddressPool& pool,
                                           const std::set<IpAddress>& taken,
                                           const std::optional<IpAddress>& from = std::nullopt);

// The addresses a NIC was given (empty when it declares one, or its network
// has no subnet of that family, or ipv6 is "auto").
struct NicAddresses {
  std::string ipv4;
  std::string ipv6;
  bool operator==(const NicAddresses&) const = default;
};
using AllocatedAddresses = std::map<NicRef, NicAddresses>;

struct AddressPlan {
  AllocatedAddresses nics;                  // every NIC given an address
  std::vector<AddressAllocation> added;     // new, or moved (the old one is in released)
  std::vector<AddressAllocation> released;  // stored ones the manifests let go
  bool changes_store() const { return !added.empty() || !released.empty(); }
};

// Plans the addresses of the VMs in `objects` (a validated manifest set).
// `stored` are the store's allocations; those of VMs absent from `objects`
// stay held (the VM still exists until it is deleted). `elsewhere` are the
// addresses of VMs absent from `objects` as last applied (declared ones
// included), so they are neither handed out nor declared again.
// kInvalidArgument when a declared address is held by another NIC (every
// conflict, naming both NICs); kFailedPrecondition when a subnet is full.
Result<AddressPlan> plan_addresses(const std::vector<Object>& objects,
                                   const std::vector<AddressAllocation>& stored,
                                   const std::vector<AddressAllocation>& elsewhere = {});

}  // namespace xc
