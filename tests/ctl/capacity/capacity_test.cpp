#include "ctl/capacity/capacity.h"

#include <doctest/doctest.h>

using namespace xc;

namespace {

CapacityHost host(const std::string& name, const std::string& pool, const std::string& zone) {
  CapacityHost h;
  h.name = name;
  h.pool = pool;
  h.zone = zone;
  h.cpus = 32;
  h.cpu_overcommit_milli = 1500;
  h.memory_mib = 128 * 1024;
  h.storage_gib = 1000;
  return h;
}

const CapacityLine& find(const std::vector<CapacityLine>& lines, const std::string& scope,
                         const std::string& name, const std::string& resource) {
  for (const CapacityLine& l : lines)
    if (l.scope == scope && l.name == name && l.resource == resource) return l;
  FAIL("no line " << scope << " " << name << " " << resource);
  return lines.front();
}

}  // namespace

TEST_CASE("vCPU capacity applies the pool's overcommit, rounded down") {
  CHECK(vcpu_capacity(32, 1500) == 48);
  CHECK(vcpu_capacity(7, 1500) == 10);
  CHECK(vcpu_capacity(64, 1000) == 64);
}

TEST_CASE("pools and zones sum their hosts, 80% allocated is flagged") {
  CapacityHost a = host("x86-01", "erlonglu", "egov");
  a.vcpu_allocated = 40;
  a.memory_mib_allocated = 64 * 1024;
  a.storage_gib_allocated = {{"normal", 300}, {"high", 100}};
  a.accelerators = {{"gpu-16g", 2}};
  a.accelerators_allocated = {{"gpu-16g", 1}};
  a.cpu_used_milli = 12'400;
  a.memory_used_mib = 30 * 1024;
  CapacityHost b = host("x86-02", "erlonglu", "dmz");
  b.vcpu_allocated = 37;
  CapacityHost c = host("kp-01", "tianning1", "egov");
  c.cpu_overcommit_milli = 1000;
  std::vector<CapacityLine> lines = capacity_lines({a, b, c});

  const CapacityLine& vcpu = find(lines, "pool", "erlonglu", "vcpu");
  CHECK(vcpu.hosts == 2);
  CHECK(vcpu.total == 96);
  CHECK(vcpu.allocated == 77);
  CHECK(vcpu.permille == 802);
  CHECK(vcpu.flagged);
  CHECK(vcpu.used == 12);  // 12.4 cores; x86-02 reported none
  const CapacityLine& memory = find(lines, "pool", "erlonglu", "memory-gib");
  CHECK(memory.total == 256);
  CHECK(memory.allocated == 64);
  CHECK(memory.permille == 250);
  CHECK_FALSE(memory.flagged);
  CHECK(find(lines, "pool", "erlonglu", "storage-gib").allocated == 400);
  CHECK(find(lines, "pool", "erlonglu", "storage-high-gib").allocated == 100);
  const CapacityLine& gpu = find(lines, "pool", "erlonglu", "gpu-16g");
  CHECK(gpu.total == 2);
  CHECK(gpu.allocated == 1);
  CHECK(find(lines, "zone", "egov", "vcpu").total == 48 + 32);
  CHECK_FALSE(find(lines, "pool", "tianning1", "vcpu").used.has_value());
  // Pools first, then zones, each by name; resources in a fixed order.
  CHECK(lines.front().scope == "pool");
  CHECK(lines.front().resource == "vcpu");
  CHECK(lines.back().scope == "zone");
}

TEST_CASE("pool_allocations holds the pool lines only") {
  CapacityHost a = host("x86-01", "erlonglu", "egov");
  a.vcpu_allocated = 48;
  std::vector<CapacityLine> pools = pool_allocations({a});
  for (const CapacityLine& l : pools) CHECK(l.scope == "pool");
  CHECK(find(pools, "pool", "erlonglu", "vcpu").permille == 1000);
}
