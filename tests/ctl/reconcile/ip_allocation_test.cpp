#include "ctl/reconcile/ip_allocation.h"

#include <doctest/doctest.h>

using namespace xc;

namespace {

Object network(const std::string& v4, const std::string& gateway = "",
               std::vector<std::string> reserved = {}, const std::string& v6 = "") {
  NetworkSpec n;
  n.zone = "gov";
  n.vlan = 120;
  if (!v4.empty()) n.ipv4 = SubnetSpec{v4, gateway};
  if (!v6.empty()) n.ipv6 = SubnetSpec{v6, ""};
  n.reserved = std::move(reserved);
  return {Kind::kNetwork, {"app", "education", {}}, n, {}};
}

Object vm(const std::string& name, std::vector<NicSpec> nics) {
  VirtualMachineSpec v;
  v.cpus = 1;
  v.memory_gib = 1;
  v.nics = std::move(nics);
  return {Kind::kVirtualMachine, {name, "education", {}}, v, {}};
}

NicSpec nic(const std::string& ipv4 = "", const std::string& ipv6 = "") {
  return {"app", ipv4, ipv6, "", {}};
}

AddressAllocation stored(const std::string& vm_name, int64_t index, const std::string& address,
                         const std::string& family = "ipv4") {
  return {"education", vm_name, index, family, "education/app", address};
}

std::string v4(const AddressPlan& plan, const std::string& vm_name, int64_t index = 0) {
  auto it = plan.nics.find({"education", vm_name, index});
  return it == plan.nics.end() ? "" : it->second.ipv4;
}

}  // namespace

TEST_CASE(
    "NICs without an address get the next free ones, skipping network, gateway and "
    "declared addresses") {
  auto plan = plan_addresses({network("10.20.1.0/24", "10.20.1.1"), vm("web-1", {nic()}),
                              vm("web-2", {nic("10.20.1.3"), nic()}), vm("web-3", {nic()})},
                             {});
  REQUIRE(plan.ok());
  CHECK(v4(*plan, "web-1") == "10.20.1.2");
  CHECK(v4(*plan, "web-2", 0) == "");  // declared: nothing allocated
  CHECK(v4(*plan, "web-2", 1) == "10.20.1.4");
  CHECK(v4(*plan, "web-3") == "10.20.1.5");
  CHECK(plan->added == std::vector<AddressAllocation>{stored("web-1", 0, "10.20.1.2"),
                                                      stored("web-2", 1, "10.20.1.4"),
                                                      stored("web-3", 0, "10.20.1.5")});
  CHECK(plan->released.empty());
}

TEST_CASE("the plan does not depend on the order of the manifests") {
  auto a = plan_addresses({network("10.20.1.0/24"), vm("b", {nic()}), vm("a", {nic()})}, {});
  auto b = plan_addresses({vm("a", {nic()}), vm("b", {nic()}), network("10.20.1.0/24")}, {});
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->nics == b->nics);
  CHECK(v4(*a, "a") == "10.20.1.1");
  CHECK(v4(*a, "b") == "10.20.1.2");
}

TEST_CASE("a stored allocation is kept, and a new VM takes the next free address") {
  auto plan = plan_addresses(
      {network("10.20.1.0/24", "10.20.1.1"), vm("web-1", {nic()}), vm("web-0", {nic()})},
      {stored("web-1", 0, "10.20.1.7")});
  REQUIRE(plan.ok());
  CHECK(v4(*plan, "web-1") == "10.20.1.7");
  CHECK(v4(*plan, "web-0") == "10.20.1.2");
  CHECK(plan->added == std::vector<AddressAllocation>{stored("web-0", 0, "10.20.1.2")});
  CHECK(plan->released.empty());
  // Nothing new: nothing to write.
  auto again = plan_addresses(
      {network("10.20.1.0/24", "10.20.1.1"), vm("web-1", {nic()}), vm("web-0", {nic()})},
      {stored("web-1", 0, "10.20.1.7"), stored("web-0", 0, "10.20.1.2")});
  REQUIRE(again.ok());
  CHECK_FALSE(again->changes_store());
  CHECK(again->nics == plan->nics);
}

TEST_CASE("reserved addresses, ranges and CIDRs are never handed out") {
  auto plan = plan_addresses(
      {network("10.20.1.0/24", "10.20.1.1", {"10.20.1.2-10.20.1.9", "10.20.1.10", "10.20.1.16/28"}),
       vm("a", {nic()}), vm("b", {nic()}), vm("c", {nic()}), vm("d", {nic()}), vm("e", {nic()}),
       vm("f", {nic()}), vm("g", {nic()})},
      {});
  REQUIRE(plan.ok());
  CHECK(v4(*plan, "a") == "10.20.1.11");
  CHECK(v4(*plan, "e") == "10.20.1.15");
  CHECK(v4(*plan, "f") == "10.20.1.32");  // 10.20.1.16-31 reserved
  CHECK(v4(*plan, "g") == "10.20.1.33");
}

TEST_CASE("a stored allocation that became reserved or the gateway moves to a free address") {
  auto plan = plan_addresses(
      {network("10.20.1.0/24", "10.20.1.5", {"10.20.1.2"}), vm("a", {nic()}), vm("b", {nic()})},
      {stored("a", 0, "10.20.1.2"), stored("b", 0, "10.20.1.5")});
  REQUIRE(plan.ok());
  CHECK(v4(*plan, "a") == "10.20.1.1");
  CHECK(v4(*plan, "b") == "10.20.1.3");
  CHECK(plan->released ==
        std::vector<AddressAllocation>{stored("a", 0, "10.20.1.2"), stored("b", 0, "10.20.1.5")});
}

TEST_CASE("an exhausted subnet is an error naming the NIC and the network") {
  // /30: .0 network, .1 gateway, .2 free, .3 broadcast.
  auto plan = plan_addresses(
      {network("10.20.1.0/30", "10.20.1.1"), vm("a", {nic()}), vm("b", {nic()})}, {});
  REQUIRE_FALSE(plan.ok());
  CHECK(plan.status().code() == Code::kFailedPrecondition);
  CHECK(plan.status().message() ==
        "vm \"education/b\" nic 0: no free IPv4 address left in network \"education/app\" "
        "(subnet 10.20.1.0/30)");
}

TEST_CASE("/31 gives its second address, /32 none") {
  auto p31 = plan_addresses({network("10.20.1.0/31"), vm("a", {nic()})}, {});
  REQUIRE(p31.ok());
  CHECK(v4(*p31, "a") == "10.20.1.1");
  CHECK_FALSE(
      plan_addresses({network("10.20.1.0/31"), vm("a", {nic()}), vm("b", {nic()})}, {}).ok());
  auto p32 = plan_addresses({network("10.20.1.7/32"), vm("a", {nic()})}, {});
  CHECK_FALSE(p32.ok());
  CHECK(next_free_address({*parse_subnet("10.20.1.7/32"), std::nullopt, {}}, {}) == std::nullopt);
}

TEST_CASE("IPv6: an empty ipv6 on a /64 is allocated, auto is left to SLAAC") {
  auto plan = plan_addresses(
      {network("10.20.1.0/24", "10.20.1.1", {"fd00:20:1::1-fd00:20:1::ff"}, "fd00:20:1::/64"),
       vm("a", {nic("", "")}), vm("b", {nic("10.20.1.9", "auto")})},
      {});
  REQUIRE(plan.ok());
  const NicAddresses& a = plan->nics.at({"education", "a", 0});
  CHECK(a.ipv4 == "10.20.1.2");
  CHECK(a.ipv6 == "fd00:20:1::100");
  CHECK(plan->nics.count({"education", "b", 0}) == 0);
  CHECK(plan->added.size() == 2);
}

TEST_CASE("no subnet of a family: nothing to allocate") {
  auto plan = plan_addresses({network("10.20.1.0/24"), vm("a", {nic("", "")})}, {});
  REQUIRE(plan.ok());
  CHECK(plan->nics.at({"education", "a", 0}).ipv6 == "");
  CHECK(plan->added.size() == 1);
}

TEST_CASE("a removed NIC and a now declared address release their allocations") {
  auto plan = plan_addresses({network("10.20.1.0/24"), vm("a", {nic("10.20.1.40")})},
                             {stored("a", 0, "10.20.1.1"), stored("a", 1, "10.20.1.2")});
  REQUIRE(plan.ok());
  CHECK(plan->added.empty());
  CHECK(plan->released ==
        std::vector<AddressAllocation>{stored("a", 0, "10.20.1.1"), stored("a", 1, "10.20.1.2")});
}

TEST_CASE("a VM absent from the manifests keeps its addresses until it is deleted") {
  auto plan = plan_addresses({network("10.20.1.0/24"), vm("new", {nic()})},
                             {stored("gone", 0, "10.20.1.1")}, {stored("other", 0, "10.20.1.2")});
  REQUIRE(plan.ok());
  CHECK(v4(*plan, "new") == "10.20.1.3");
  CHECK(plan->released.empty());
}

TEST_CASE("a declared address another NIC holds is refused naming both NICs") {
  // Held by an existing VM's stored allocation while that NIC still wants it.
  auto held = plan_addresses(
      {network("10.20.1.0/24"), vm("web-1", {nic()}), vm("web-2", {nic("10.20.1.15")})},
      {stored("web-1", 0, "10.20.1.15")});
  REQUIRE_FALSE(held.ok());
  CHECK(held.status().code() == Code::kInvalidArgument);
  CHECK(held.status().message() ==
        "vm \"education/web-2\" nic 0: address 10.20.1.15 is already held by vm "
        "\"education/web-1\" nic 0");
  // Held by a VM outside the manifests (its last applied NICs).
  auto elsewhere = plan_addresses({network("10.20.1.0/24"), vm("web-2", {nic("10.20.1.15")})}, {},
                                  {stored("web-9", 1, "10.20.1.15")});
  REQUIRE_FALSE(elsewhere.ok());
  CHECK(elsewhere.status().message() ==
        "vm \"education/web-2\" nic 0: address 10.20.1.15 is already held by vm "
        "\"education/web-9\" nic 1");
  // The holder now declares another address: its allocation is released, no conflict.
  auto moved = plan_addresses(
      {network("10.20.1.0/24"), vm("web-1", {nic("10.20.1.16")}), vm("web-2", {nic("10.20.1.15")})},
      {stored("web-1", 0, "10.20.1.15")});
  REQUIRE(moved.ok());
  CHECK(moved->released == std::vector<AddressAllocation>{stored("web-1", 0, "10.20.1.15")});
  // A NIC declaring the address it was allocated simply keeps it as declared.
  auto same = plan_addresses({network("10.20.1.0/24"), vm("web-1", {nic("10.20.1.15")})},
                             {stored("web-1", 0, "10.20.1.15")});
  REQUIRE(same.ok());
}

TEST_CASE("next_free_address steps over taken addresses and whole reserved ranges") {
  AddressPool pool{
      *parse_subnet("fd00::/64"), parse_ip("fd00::1"), {*parse_ip_range("fd00::2-fd00::ffff")}};
  std::set<IpAddress> taken = {*parse_ip("fd00::1:0")};
  CHECK(format_ip(*next_free_address(pool, taken)) == "fd00::1:1");
  CHECK(allocatable(pool, *parse_ip("fd00::1:0")));
  CHECK_FALSE(allocatable(pool, *parse_ip("fd00::1")));
  CHECK_FALSE(allocatable(pool, *parse_ip("fd01::5")));
}
