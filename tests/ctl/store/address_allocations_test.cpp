#include <doctest/doctest.h>

#include "ctl/store/store.h"
#include "ctl/store/store_wrapper.h"
#include "tests/support/temp_dir.h"

using namespace xc;

namespace {

using xc::test::TempDir;

AddressAllocation allocation(const std::string& vm, int64_t nic, const std::string& address,
                             const std::string& family = "ipv4") {
  return {"education", vm, nic, family, "education/app", address};
}

}  // namespace

TEST_CASE(
    "address allocations are stored per NIC and family, listed in order, and survive "
    "reopening") {
  TempDir dir;
  {
    auto store = open_store(dir.path("state.db"), OpenMode::kCreate);
    REQUIRE(store.ok());
    Store& s = **store;
    REQUIRE(s.put_address_allocation(allocation("web-2", 0, "10.20.1.3")).ok());
    REQUIRE(s.put_address_allocation(allocation("web-1", 1, "fd00::2", "ipv6")).ok());
    REQUIRE(s.put_address_allocation(allocation("web-1", 1, "10.20.1.2")).ok());
  }
  auto store = open_store(dir.path("state.db"), OpenMode::kExisting);
  REQUIRE(store.ok());
  auto list = (*store)->list_address_allocations();
  REQUIRE(list.ok());
  CHECK(*list == std::vector<AddressAllocation>{allocation("web-1", 1, "10.20.1.2"),
                                                allocation("web-1", 1, "fd00::2", "ipv6"),
                                                allocation("web-2", 0, "10.20.1.3")});
}

TEST_CASE("one address is never stored for two NICs of a network, a NIC's own row is replaced") {
  TempDir dir;
  auto store = open_store(dir.path("state.db"), OpenMode::kCreate);
  REQUIRE(store.ok());
  Store& s = **store;
  REQUIRE(s.put_address_allocation(allocation("web-1", 0, "10.20.1.2")).ok());
  Status taken = s.put_address_allocation(allocation("web-2", 0, "10.20.1.2"));
  CHECK(taken.code() == Code::kConflict);
  CHECK(taken.message() ==
        "address 10.20.1.2 of education/web-2 nic 0: another NIC of network education/app holds "
        "it");
  // The same address on another network is another address.
  AddressAllocation other = allocation("web-2", 0, "10.20.1.2");
  other.network = "health/app";
  CHECK(s.put_address_allocation(other).ok());
  REQUIRE(s.put_address_allocation(allocation("web-1", 0, "10.20.1.9")).ok());
  auto list = s.list_address_allocations();
  REQUIRE(list.ok());
  REQUIRE(list->size() == 2);
  CHECK(list->front() == allocation("web-1", 0, "10.20.1.9"));
}

TEST_CASE("allocations are released per NIC and per VM, through a wrapper too") {
  TempDir dir;
  auto opened = open_store(dir.path("state.db"), OpenMode::kCreate);
  REQUIRE(opened.ok());
  StoreWrapper s(std::move(*opened));
  REQUIRE(s.put_address_allocation(allocation("web-1", 0, "10.20.1.2")).ok());
  REQUIRE(s.put_address_allocation(allocation("web-1", 1, "10.20.1.3")).ok());
  REQUIRE(s.put_address_allocation(allocation("web-2", 0, "10.20.1.4")).ok());
  REQUIRE(s.delete_address_allocation("education", "web-1", 1, "ipv4").ok());
  REQUIRE(s.delete_address_allocation("education", "web-1", 7, "ipv4").ok());  // absent is fine
  CHECK(s.list_address_allocations()->size() == 2);
  REQUIRE(s.delete_vm_address_allocations("education", "web-1").ok());
  CHECK(*s.list_address_allocations() ==
        std::vector<AddressAllocation>{allocation("web-2", 0, "10.20.1.4")});
  // The freed address may go to another NIC.
  CHECK(s.put_address_allocation(allocation("web-3", 0, "10.20.1.2")).ok());
}

TEST_CASE("a rolled-back transaction leaves no allocation behind") {
  TempDir dir;
  auto store = open_store(dir.path("state.db"), OpenMode::kCreate);
  REQUIRE(store.ok());
  Store& s = **store;
  Status st = s.transact([&]() -> Status {
    Status put = s.put_address_allocation(allocation("web-1", 0, "10.20.1.2"));
    if (!put.ok()) return put;
    return error(Code::kUnavailable, "host gone");
  });
  CHECK(st.code() == Code::kUnavailable);
  CHECK(s.list_address_allocations()->empty());
}
