#include "ctl/reconcile/scheduler.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <set>

using namespace xc;

namespace {

constexpr int64_t kGiB = 1024;

HostCapacity host(const std::string& name, const std::string& pool, int64_t cpus = 16,
                  int64_t memory_gib = 64, Arch arch = Arch::kX86_64) {
  HostCapacity h;
  h.name = name;
  h.pool = pool;  // the zone comes from the pool
  h.arch = arch;
  h.cpus = cpus;
  h.memory_mib = memory_gib * kGiB;
  return h;
}

// "tenant/name" with cpus and GiB; constraints are set by the test.
VmDemand vm(const std::string& id, int64_t cpus, int64_t memory_gib, Arch arch = Arch::kX86_64) {
  VmDemand v;
  v.tenant = id.substr(0, id.rfind('/'));
  v.name = id.substr(id.rfind('/') + 1);
  v.arch = arch;
  v.cpus = cpus;
  v.memory_mib = memory_gib * kGiB;
  return v;
}

PoolPolicy pool(const std::string& name, const std::string& zone, int64_t overcommit_milli = 1000,
                PlacementPolicy policy = PlacementPolicy::kSpread) {
  return {name, zone, overcommit_milli, policy};
}

const std::vector<PoolPolicy> kPools = {pool("erlonglu", "gov-extranet"),
                                        pool("tianning1", "internet")};

// One line per placement, failure and warning, for exact comparisons.
std::string render(const ScheduleResult& result) {
  std::string out;
  for (const Placement& p : result.placements)
    out += p.tenant + "/" + p.name + " -> " + p.host +
           (p.moved ? " (moved: " + p.reason + ")" : "") + "\n";
  for (const Unplaceable& f : result.failures)
    out += "FAIL " + f.tenant + "/" + f.name + ": " + f.reason + "\n";
  for (const std::string& w : result.warnings) out += "WARN " + w + "\n";
  return out;
}

std::string run(const std::vector<HostCapacity>& hosts, const std::vector<VmDemand>& vms,
                const std::vector<PoolPolicy>& pools = kPools,
                const std::vector<GroupRule>& groups = {}) {
  return render(schedule(hosts, pools, groups, vms));
}

// The reason the single VM could not be placed.
std::string reason(const std::vector<HostCapacity>& hosts, const VmDemand& v,
                   const std::vector<PoolPolicy>& pools = kPools) {
  ScheduleResult result = schedule(hosts, pools, {}, {v});
  REQUIRE(result.failures.size() == 1);
  return result.failures[0].reason;
}

VmDemand in_pool(VmDemand v, const std::string& pool) {
  v.pool = pool;
  return v;
}
VmDemand on(VmDemand v, const std::string& current_host) {
  v.current_host = current_host;
  return v;
}
VmDemand grouped(VmDemand v, const std::string& group) {
  v.group = group;
  return v;
}

}  // namespace

TEST_CASE("scheduler: a VM goes only to hosts in its pool and zone") {
  std::vector<HostCapacity> hosts = {host("x86-01", "erlonglu", 16, 64),
                                     host("x86-02", "tianning1", 16, 128)};
  VmDemand by_pool = in_pool(vm("education/a", 2, 4), "erlonglu");
  VmDemand by_zone = vm("education/b", 2, 4);
  by_zone.zone = "gov-extranet";
  CHECK(run(hosts, {by_pool, by_zone}) == "education/a -> x86-01\neducation/b -> x86-01\n");
}

TEST_CASE("scheduler: a host's own zone wins over its pool's") {
  HostCapacity h = host("x86-01", "erlonglu");
  h.zone = "test";
  VmDemand v = vm("education/a", 2, 4);
  v.zone = "test";
  CHECK(run({h}, {v}) == "education/a -> x86-01\n");
}

TEST_CASE("scheduler: a VM goes only to a host of its image's arch") {
  std::vector<HostCapacity> hosts = {host("x86-01", "erlonglu", 16, 256),
                                     host("kp-01", "erlonglu", 16, 64, Arch::kAarch64)};
  CHECK(run(hosts, {vm("education/a", 2, 4, Arch::kAarch64)}) == "education/a -> kp-01\n");
}

TEST_CASE("scheduler: accelerators come from free devices, counting VMs placed in this run") {
  HostCapacity gpu = host("gpu-01", "erlonglu");
  gpu.accelerators = {{"gpu-16g", 2}};
  std::vector<HostCapacity> hosts = {gpu, host("x86-01", "erlonglu", 64, 512)};
  VmDemand a = vm("education/a", 2, 8), b = vm("education/b", 2, 8), c = vm("education/c", 2, 8);
  a.accelerators = b.accelerators = c.accelerators = {{"gpu-16g", 1}};
  CHECK(run(hosts, {a, b, c}) ==
        "education/a -> gpu-01\neducation/b -> gpu-01\n"
        "FAIL education/c: no host has 1 free gpu-16g (none free)\n");
}

TEST_CASE("scheduler: hosts in maintenance receive no new VMs") {
  HostCapacity down = host("x86-01", "erlonglu", 64, 512);
  down.maintenance = true;
  CHECK(run({down, host("x86-02", "erlonglu")}, {vm("education/a", 2, 4)}) ==
        "education/a -> x86-02\n");
}

TEST_CASE("scheduler: vCPU capacity is cpus times the pool's overcommit ratio") {
  std::vector<HostCapacity> hosts = {host("x86-01", "erlonglu", 8, 64)};
  std::vector<VmDemand> vms = {vm("education/a", 4, 4), vm("education/b", 4, 4),
                               vm("education/c", 4, 4)};
  CHECK(
      run(hosts, vms, {pool("erlonglu", "gov-extranet", 1000)}) ==
      "education/a -> x86-01\neducation/b -> x86-01\n"
      "FAIL education/c: no host with arch x86_64 has 4 free vCPUs (largest free: 0 on x86-01)\n");
  CHECK(run(hosts, vms, {pool("erlonglu", "gov-extranet", 2000)}) ==
        "education/a -> x86-01\neducation/b -> x86-01\neducation/c -> x86-01\n");
}

TEST_CASE("scheduler: a fractional overcommit ratio rounds free vCPUs down") {
  // 5 cpus x 1.25 = 6.25 vCPUs: a 6-vCPU VM fits, then 0.25 is left.
  std::vector<HostCapacity> hosts = {host("x86-01", "erlonglu", 5, 64)};
  CHECK(run(hosts, {vm("education/a", 6, 4), vm("education/b", 1, 2)},
            {pool("erlonglu", "gov-extranet", 1250)}) ==
        "education/a -> x86-01\n"
        "FAIL education/b: no host with arch x86_64 has 1 free vCPU (largest free: 0 on x86-01)\n");
}

TEST_CASE("scheduler: memory is never overcommitted, whatever the vCPU ratio") {
  std::vector<HostCapacity> hosts = {host("x86-01", "erlonglu", 64, 64)};
  CHECK(run(hosts, {vm("education/a", 2, 48), vm("education/b", 2, 48)},
            {pool("erlonglu", "gov-extranet", 4000)}) ==
        "education/a -> x86-01\n"
        "FAIL education/b: no host with arch x86_64 has 48 GiB free memory "
        "(largest free: 16 GiB on x86-01)\n");
}

TEST_CASE("scheduler: spread picks the most free memory, pack the least that fits") {
  std::vector<HostCapacity> hosts = {host("x86-01", "erlonglu", 16, 32),
                                     host("x86-02", "erlonglu", 16, 128),
                                     host("x86-03", "erlonglu", 16, 16)};
  std::vector<VmDemand> vms = {vm("education/a", 2, 24)};
  CHECK(run(hosts, vms, {pool("erlonglu", "", 1000, PlacementPolicy::kSpread)}) ==
        "education/a -> x86-02\n");
  CHECK(run(hosts, vms, {pool("erlonglu", "", 1000, PlacementPolicy::kPack)}) ==
        "education/a -> x86-01\n");
}

TEST_CASE("scheduler: spread breaks ties by free vCPUs, then host name") {
  std::vector<HostCapacity> hosts = {host("x86-03", "erlonglu", 32, 64),
                                     host("x86-02", "erlonglu", 16, 64),
                                     host("x86-01", "erlonglu", 16, 64)};
  CHECK(run(hosts, {vm("education/a", 2, 4)}) == "education/a -> x86-03\n");
  hosts[0].cpus = 16;
  CHECK(run(hosts, {vm("education/a", 2, 4)}) == "education/a -> x86-01\n");
}

TEST_CASE("scheduler: pack fills one host before the next") {
  std::vector<HostCapacity> hosts = {host("x86-01", "erlonglu", 16, 64),
                                     host("x86-02", "erlonglu", 16, 64)};
  std::vector<PoolPolicy> pack = {pool("erlonglu", "", 1000, PlacementPolicy::kPack)};
  // Spread would send c to the empty x86-02.
  CHECK(run(hosts, {vm("education/a", 2, 32), vm("education/b", 2, 16), vm("education/c", 2, 24)},
            pack) == "education/a -> x86-01\neducation/b -> x86-02\neducation/c -> x86-01\n");
}

TEST_CASE("scheduler: a placed VM stays on its host even when another is emptier") {
  std::vector<HostCapacity> hosts = {host("x86-01", "erlonglu", 16, 64),
                                     host("x86-02", "erlonglu", 16, 512)};
  CHECK(run(hosts, {on(vm("education/a", 2, 32), "x86-01"), vm("education/b", 2, 16)}) ==
        "education/a -> x86-01\neducation/b -> x86-02\n");
}

TEST_CASE("scheduler: VMs that stay are counted before new VMs are placed") {
  // The kept VM is smaller, so it would be placed later; it still holds its room.
  std::vector<HostCapacity> hosts = {host("x86-01", "erlonglu", 16, 64)};
  CHECK(run(hosts, {vm("education/big", 2, 48), on(vm("education/small", 2, 32), "x86-01")}) ==
        "education/small -> x86-01\n"
        "FAIL education/big: no host with arch x86_64 has 48 GiB free memory "
        "(largest free: 32 GiB on x86-01)\n");
}

TEST_CASE("scheduler: a VM whose host vanished moves") {
  ScheduleResult result =
      schedule({host("x86-01", "erlonglu")}, kPools, {}, {on(vm("education/a", 2, 4), "x86-09")});
  REQUIRE(result.placements.size() == 1);
  CHECK(result.placements[0] == Placement{"education", "a", "x86-01", true, "x86-09 is gone"});
}

TEST_CASE("scheduler: a VM whose pool changed moves to the new pool") {
  std::vector<HostCapacity> hosts = {host("x86-01", "erlonglu"), host("x86-02", "tianning1")};
  CHECK(run(hosts, {on(in_pool(vm("education/a", 2, 4), "tianning1"), "x86-01")}) ==
        "education/a -> x86-02 (moved: x86-01 is in pool erlonglu, not tianning1)\n");
}

TEST_CASE("scheduler: a VM whose host changed arch moves") {
  std::vector<HostCapacity> hosts = {host("x86-01", "erlonglu"),
                                     host("kp-01", "erlonglu", 16, 64, Arch::kAarch64)};
  CHECK(run(hosts, {on(vm("education/a", 2, 4, Arch::kAarch64), "x86-01")}) ==
        "education/a -> kp-01 (moved: x86-01 has arch x86_64, not aarch64)\n");
}

TEST_CASE("scheduler: on an over-full host the largest VMs stay and the rest move") {
  std::vector<HostCapacity> hosts = {host("x86-01", "erlonglu", 16, 64),
                                     host("x86-02", "erlonglu", 16, 64)};
  CHECK(run(hosts, {on(vm("education/a", 2, 40), "x86-01"), on(vm("education/b", 2, 16), "x86-01"),
                    on(vm("education/c", 2, 16), "x86-01")}) ==
        "education/a -> x86-01\neducation/b -> x86-01\n"
        "education/c -> x86-02 (moved: x86-01 lacks 16 GiB free memory for this VM)\n");
}

TEST_CASE("scheduler: a VM that must move but fits nowhere says both why") {
  CHECK(run({host("x86-01", "erlonglu")},
            {on(in_pool(vm("education/a", 2, 4), "tianning1"), "x86-01")}) ==
        "FAIL education/a: no host in pool tianning1; it cannot stay where it is: "
        "x86-01 is in pool erlonglu, not tianning1\n");
}

TEST_CASE("scheduler: maintenance does not move a VM, it stays with a warning") {
  HostCapacity down = host("x86-01", "erlonglu");
  down.maintenance = true;
  CHECK(run({down, host("x86-02", "erlonglu", 64, 512)}, {on(vm("education/a", 2, 4), "x86-01")}) ==
        "education/a -> x86-01\nWARN education/a: stays on x86-01, which is in maintenance\n");
}

TEST_CASE("scheduler: strict anti-affinity puts members on distinct hosts or fails") {
  std::vector<HostCapacity> hosts = {host("x86-01", "erlonglu"), host("x86-02", "erlonglu")};
  std::vector<GroupRule> groups = {{"education", "edu-web", GroupPolicy::kAntiAffinity, true}};
  std::vector<VmDemand> vms = {grouped(vm("education/web-1", 2, 4), "edu-web"),
                               grouped(vm("education/web-2", 2, 4), "edu-web"),
                               grouped(vm("education/web-3", 2, 4), "edu-web")};
  CHECK(run(hosts, vms, kPools, groups) ==
        "education/web-1 -> x86-01\neducation/web-2 -> x86-02\n"
        "FAIL education/web-3: placement group edu-web (strict anti-affinity): every eligible "
        "host already runs a member (x86-01, x86-02)\n");
}

TEST_CASE("scheduler: groups belong to a tenant, a same-named group elsewhere is separate") {
  std::vector<HostCapacity> hosts = {host("x86-01", "erlonglu"), host("x86-02", "erlonglu")};
  std::vector<GroupRule> groups = {{"education", "web", GroupPolicy::kAffinity, true},
                                   {"health", "web", GroupPolicy::kAffinity, true}};
  CHECK(run(hosts,
            {grouped(vm("education/a", 2, 8), "web"), grouped(vm("health/b", 2, 4), "web"),
             grouped(vm("education/c", 2, 2), "web")},
            kPools,
            groups) == "education/a -> x86-01\neducation/c -> x86-01\nhealth/b -> x86-02\n");
}

TEST_CASE("scheduler: soft anti-affinity spreads when it can and warns when it cannot") {
  std::vector<HostCapacity> hosts = {host("x86-01", "erlonglu"), host("x86-02", "erlonglu")};
  std::vector<GroupRule> groups = {{"education", "edu-web", GroupPolicy::kAntiAffinity, false}};
  std::vector<VmDemand> vms = {grouped(vm("education/web-1", 2, 4), "edu-web"),
                               grouped(vm("education/web-2", 2, 4), "edu-web"),
                               grouped(vm("education/web-3", 2, 4), "edu-web")};
  CHECK(run(hosts, vms, kPools, groups) ==
        "education/web-1 -> x86-01\neducation/web-2 -> x86-02\neducation/web-3 -> x86-01\n"
        "WARN education/web-3: placement group edu-web (soft anti-affinity) not honoured: every "
        "eligible host already runs a member (x86-01, x86-02)\n");
}

TEST_CASE("scheduler: strict affinity keeps members together or fails with the reason") {
  // Spread alone would send db-2 to the emptier x86-02.
  std::vector<HostCapacity> hosts = {host("x86-01", "erlonglu", 16, 20),
                                     host("x86-02", "erlonglu", 16, 64)};
  std::vector<GroupRule> groups = {{"education", "db", GroupPolicy::kAffinity, true}};
  VmDemand db1 = on(grouped(vm("education/db-1", 4, 16), "db"), "x86-01");
  CHECK(run(hosts, {db1, grouped(vm("education/db-2", 2, 4), "db")}, kPools, groups) ==
        "education/db-1 -> x86-01\neducation/db-2 -> x86-01\n");
  CHECK(run(hosts, {db1, grouped(vm("education/db-2", 2, 8), "db")}, kPools, groups) ==
        "education/db-1 -> x86-01\n"
        "FAIL education/db-2: placement group db (strict affinity): member education/db-1 is on "
        "x86-01, which lacks 8 GiB free memory for this VM\n");
}

TEST_CASE("scheduler: the first member placed decides where a strict affinity group runs") {
  std::vector<HostCapacity> hosts = {host("x86-01", "erlonglu"), host("x86-02", "erlonglu")};
  std::vector<GroupRule> groups = {{"education", "db", GroupPolicy::kAffinity, true}};
  CHECK(run(hosts,
            {grouped(vm("education/db-1", 4, 16), "db"), grouped(vm("education/db-2", 2, 8), "db"),
             vm("education/other", 2, 32)},
            kPools, groups) ==
        "education/db-1 -> x86-02\neducation/db-2 -> x86-02\neducation/other -> x86-01\n");
}

TEST_CASE("scheduler: soft affinity follows the group when it can and warns when it cannot") {
  std::vector<HostCapacity> hosts = {host("x86-01", "erlonglu", 16, 20),
                                     host("x86-02", "erlonglu", 16, 64)};
  std::vector<GroupRule> groups = {{"education", "db", GroupPolicy::kAffinity, false}};
  VmDemand db1 = on(grouped(vm("education/db-1", 4, 16), "db"), "x86-01");
  CHECK(run(hosts, {db1, grouped(vm("education/db-2", 2, 4), "db")}, kPools, groups) ==
        "education/db-1 -> x86-01\neducation/db-2 -> x86-01\n");
  CHECK(run(hosts, {db1, grouped(vm("education/db-2", 2, 8), "db")}, kPools, groups) ==
        "education/db-1 -> x86-01\neducation/db-2 -> x86-02\n"
        "WARN education/db-2: placement group db (soft affinity) not honoured: member "
        "education/db-1 is on x86-01, which lacks 8 GiB free memory for this VM\n");
}

TEST_CASE("scheduler: an affinity group's first member goes where the whole group fits") {
  // Pack alone would put db-1 on x86-01 (least free) and strand db-2.
  std::vector<HostCapacity> hosts = {host("x86-01", "erlonglu", 16, 24),
                                     host("x86-02", "erlonglu", 16, 64)};
  std::vector<PoolPolicy> pack = {pool("erlonglu", "", 1000, PlacementPolicy::kPack)};
  std::vector<GroupRule> groups = {{"education", "db", GroupPolicy::kAffinity, true}};
  CHECK(
      run(hosts,
          {grouped(vm("education/db-1", 2, 16), "db"), grouped(vm("education/db-2", 2, 16), "db")},
          pack, groups) == "education/db-1 -> x86-02\neducation/db-2 -> x86-02\n");
}

TEST_CASE("scheduler: an affinity group is placed in one go, before smaller VMs take its room") {
  // By size alone `other` (16 GiB) would come between db-1 and db-2 and fill x86-01.
  std::vector<HostCapacity> hosts = {host("x86-01", "erlonglu", 16, 48),
                                     host("x86-02", "erlonglu", 16, 64)};
  std::vector<PoolPolicy> pack = {pool("erlonglu", "", 1000, PlacementPolicy::kPack)};
  std::vector<GroupRule> groups = {{"education", "db", GroupPolicy::kAffinity, true}};
  CHECK(run(hosts,
            {grouped(vm("education/db-1", 2, 32), "db"), vm("education/other", 2, 16),
             grouped(vm("education/db-2", 2, 8), "db")},
            pack, groups) ==
        "education/db-1 -> x86-01\neducation/db-2 -> x86-01\neducation/other -> x86-02\n");
}

TEST_CASE("scheduler: a VM that needs no devices goes to a host with free devices last") {
  HostCapacity gpu = host("gpu-01", "erlonglu", 32, 96);
  gpu.accelerators = {{"gpu-16g", 1}};
  VmDemand trainer = vm("education/trainer", 8, 48);
  trainer.accelerators = {{"gpu-16g", 1}};
  // `web` is placed first; spread alone would put it on the roomier gpu-01 and
  // leave the trainer no room there.
  CHECK(run({gpu, host("x86-01", "erlonglu", 16, 64)}, {trainer, vm("education/web", 2, 64)}) ==
        "education/trainer -> gpu-01\neducation/web -> x86-01\n");
  CHECK(run({gpu}, {vm("education/web", 2, 64)}) == "education/web -> gpu-01\n");
}

TEST_CASE("scheduler: running VMs that break a strict group stay, with a warning") {
  std::vector<GroupRule> groups = {{"education", "edu-web", GroupPolicy::kAntiAffinity, true}};
  CHECK(run({host("x86-01", "erlonglu"), host("x86-02", "erlonglu")},
            {on(grouped(vm("education/web-1", 2, 4), "edu-web"), "x86-01"),
             on(grouped(vm("education/web-2", 2, 4), "edu-web"), "x86-01")},
            kPools, groups) ==
        "education/web-1 -> x86-01\neducation/web-2 -> x86-01\n"
        "WARN education/web-2: stays on x86-01, breaking placement group edu-web (strict "
        "anti-affinity)\n");
}

TEST_CASE("scheduler: an undefined group is warned about once and ignored") {
  CHECK(run({host("x86-01", "erlonglu")},
            {grouped(vm("education/a", 2, 4), "nope"), grouped(vm("education/b", 2, 4), "nope")}) ==
        "education/a -> x86-01\neducation/b -> x86-01\n"
        "WARN placement group nope of tenant education is not defined; its members are placed "
        "without it\n");
}

TEST_CASE("scheduler: a VM declared twice is placed once") {
  CHECK(run({host("x86-01", "erlonglu")}, {vm("education/a", 2, 4), vm("education/a", 2, 4)}) ==
        "education/a -> x86-01\nFAIL education/a: declared more than once\n");
}

TEST_CASE("scheduler reason: memory, in GiB when whole") {
  std::vector<HostCapacity> hosts = {host("kp-01", "erlonglu", 64, 32, Arch::kAarch64),
                                     host("kp-03", "erlonglu", 64, 48, Arch::kAarch64),
                                     host("x86-01", "erlonglu", 64, 512),
                                     host("kp-09", "tianning1", 64, 512, Arch::kAarch64)};
  CHECK(reason(hosts, in_pool(vm("education/a", 4, 64, Arch::kAarch64), "erlonglu")) ==
        "no host in pool erlonglu with arch aarch64 has 64 GiB free memory "
        "(largest free: 48 GiB on kp-03)");
}

TEST_CASE("scheduler reason: memory, in MiB when not whole, scoped by zone or not at all") {
  std::vector<HostCapacity> hosts = {host("x86-01", "erlonglu", 16, 1)};
  VmDemand v = vm("education/a", 1, 0);
  v.memory_mib = 1536;
  CHECK(reason(hosts, v) ==
        "no host with arch x86_64 has 1536 MiB free memory (largest free: 1024 MiB on x86-01)");
  v.zone = "gov-extranet";
  CHECK(reason(hosts, v) ==
        "no host in zone gov-extranet with arch x86_64 has 1536 MiB free memory "
        "(largest free: 1024 MiB on x86-01)");
}

TEST_CASE("scheduler reason: vCPUs") {
  std::vector<HostCapacity> hosts = {host("x86-01", "erlonglu", 4, 64),
                                     host("x86-02", "erlonglu", 6, 64)};
  CHECK(reason(hosts, in_pool(vm("education/a", 16, 4), "erlonglu")) ==
        "no host in pool erlonglu with arch x86_64 has 16 free vCPUs (largest free: 6 on x86-02)");
}

TEST_CASE("scheduler reason: accelerators") {
  HostCapacity gpu1 = host("gpu-01", "erlonglu"), gpu2 = host("gpu-02", "erlonglu");
  gpu1.accelerators = {{"gpu-16g", 1}};
  gpu2.accelerators = {{"gpu-16g", 1}, {"npu-24g", 4}};
  VmDemand v = in_pool(vm("education/a", 2, 8), "erlonglu");
  v.accelerators = {{"gpu-16g", 2}};
  CHECK(reason({gpu1, gpu2}, v) ==
        "no host in pool erlonglu has 2 free gpu-16g (largest free: 1 on gpu-01)");
}

TEST_CASE("scheduler reason: arch") {
  std::vector<HostCapacity> hosts = {host("x86-01", "erlonglu"),
                                     host("kp-01", "tianning1", 16, 64, Arch::kAarch64)};
  CHECK(reason(hosts, in_pool(vm("education/a", 2, 4, Arch::kAarch64), "erlonglu")) ==
        "no host in pool erlonglu has arch aarch64 (hosts there: x86_64)");
}

TEST_CASE("scheduler reason: a zone or pool without hosts") {
  std::vector<HostCapacity> hosts = {host("x86-01", "erlonglu")};
  VmDemand v = vm("education/a", 2, 4);
  v.zone = "test";
  CHECK(reason(hosts, v) == "no host in zone test");
  CHECK(reason(hosts, in_pool(vm("education/a", 2, 4), "weijianwei")) ==
        "no host in pool weijianwei");
  v.pool = "erlonglu";
  CHECK(reason(hosts, v) ==
        "no host in pool erlonglu in zone test (hosts in pool erlonglu are in zone gov-extranet)");
}

TEST_CASE("scheduler reason: all hosts in maintenance") {
  HostCapacity down = host("x86-01", "erlonglu");
  down.maintenance = true;
  CHECK(reason({down, host("x86-02", "tianning1")}, in_pool(vm("education/a", 2, 4), "erlonglu")) ==
        "all hosts in pool erlonglu are in maintenance");
}

TEST_CASE("scheduler reason: the first failing filter is reported") {
  // x86-01 lacks memory and vCPUs; gpu-01 has the memory but no device.
  HostCapacity gpu = host("gpu-01", "erlonglu", 2, 8);
  gpu.accelerators = {{"gpu-16g", 2}};
  HostCapacity small = host("x86-01", "erlonglu", 2, 8);
  VmDemand v = in_pool(vm("education/a", 16, 64), "erlonglu");
  CHECK(reason({gpu, small}, v) ==
        "no host in pool erlonglu with arch x86_64 has 64 GiB free memory "
        "(largest free: 8 GiB on gpu-01)");
  v.accelerators = {{"gpu-16g", 4}};
  CHECK(reason({gpu, small}, v) ==
        "no host in pool erlonglu has 4 free gpu-16g (largest free: 2 on gpu-01)");
  HostCapacity down = host("x86-02", "erlonglu", 64, 512, Arch::kAarch64);
  down.maintenance = true;
  CHECK(reason({down}, in_pool(vm("education/a", 2, 4), "erlonglu")) ==
        "all hosts in pool erlonglu are in maintenance");
}

namespace {

// A cloud of `host_count` hosts in three pools and `vm_count` VMs in groups of
// three, some already placed on hosts (that may be gone or in another pool).
struct Cloud {
  std::vector<HostCapacity> hosts;
  std::vector<PoolPolicy> pools = {pool("erlonglu", "gov-extranet", 2000),
                                   pool("weijianwei", "gov-extranet", 1500, PlacementPolicy::kPack),
                                   pool("tianning1", "internet", 2000)};
  std::vector<GroupRule> groups;
  std::vector<VmDemand> vms;
};

Cloud make_cloud(int host_count, int vm_count, bool with_current_hosts) {
  Cloud cloud;
  std::mt19937 random(20260101);  // fixed seed: raw output is the same everywhere
  const std::vector<std::string> pool_names = {"erlonglu", "weijianwei", "tianning1"};
  for (int i = 0; i < host_count; ++i) {
    const bool arm = i % 4 == 3;
    HostCapacity h = host((arm ? "kp-" : "x86-") + std::to_string(100 + i),
                          pool_names[static_cast<size_t>(i) % 3], 128, 768,
                          arm ? Arch::kAarch64 : Arch::kX86_64);
    if (i % 10 == 0) h.accelerators = {{"gpu-16g", 4}, {"npu-24g", 2}};
    cloud.hosts.push_back(h);
  }
  const int64_t sizes[][2] = {{2, 4}, {4, 8}, {4, 16}, {8, 16}, {8, 32}, {16, 64}, {2, 2}};
  Arch arch = Arch::kX86_64;  // one arch per system, as its members share an image
  for (int i = 0; i < vm_count; ++i) {
    const std::string tenant = "tenant-" + std::to_string(i / 3 % 59);
    const std::string system = "sys-" + std::to_string(i / 3);
    if (i % 3 == 0) {
      arch = random() % 5 == 0 ? Arch::kAarch64 : Arch::kX86_64;
      cloud.groups.push_back({tenant, system,
                              i % 2 ? GroupPolicy::kAntiAffinity : GroupPolicy::kAffinity,
                              i % 5 != 0});
    }
    const auto& size = sizes[random() % 7];
    VmDemand v = vm(tenant + "/" + system + "-" + std::to_string(i % 3), size[0], size[1], arch);
    v.pool = pool_names[(static_cast<size_t>(i) / 3) % 3];
    v.group = system;
    if (i % 97 == 0 && arch == Arch::kX86_64) v.accelerators = {{"gpu-16g", 1}};
    if (with_current_hosts && i % 4 == 0)
      v.current_host = cloud.hosts[random() % cloud.hosts.size()].name;
    if (with_current_hosts && i % 50 == 0) v.current_host = "x86-999";  // gone
    cloud.vms.push_back(v);
  }
  return cloud;
}

}  // namespace

TEST_CASE("scheduler: the same input in any order gives the same result") {
  Cloud cloud = make_cloud(12, 300, true);
  const std::string expected = render(schedule(cloud.hosts, cloud.pools, cloud.groups, cloud.vms));
  CHECK(expected.find(" (moved: ") != std::string::npos);
  CHECK(expected.find("FAIL ") != std::string::npos);  // 12 hosts are too few for everything
  std::mt19937 random(7);
  for (int round = 0; round < 5; ++round) {
    std::shuffle(cloud.hosts.begin(), cloud.hosts.end(), random);
    std::shuffle(cloud.pools.begin(), cloud.pools.end(), random);
    std::shuffle(cloud.groups.begin(), cloud.groups.end(), random);
    std::shuffle(cloud.vms.begin(), cloud.vms.end(), random);
    CHECK(render(schedule(cloud.hosts, cloud.pools, cloud.groups, cloud.vms)) == expected);
  }
}

TEST_CASE("scheduler: 1,133 VMs on 60 hosts are all placed without overfilling a host") {
  Cloud cloud = make_cloud(60, 1133, false);
  const auto start = std::chrono::steady_clock::now();
  ScheduleResult result = schedule(cloud.hosts, cloud.pools, cloud.groups, cloud.vms);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  MESSAGE("scheduled 1133 VMs on 60 hosts in "
          << std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count() / 1000.0
          << " ms");
  CHECK(result.failures.empty());
  for (const Unplaceable& f : result.failures)
    MESSAGE(f.tenant << "/" << f.name << ": " << f.reason);
  CHECK(result.placements.size() == 1133);

  std::map<std::string, const HostCapacity*> hosts;
  for (const HostCapacity& h : cloud.hosts) hosts[h.name] = &h;
  std::map<std::string, int64_t> overcommit;
  for (const PoolPolicy& p : cloud.pools) overcommit[p.name] = p.cpu_overcommit_milli;
  std::map<std::pair<std::string, std::string>, const VmDemand*> vms;
  for (const VmDemand& v : cloud.vms) vms[{v.tenant, v.name}] = &v;
  std::map<std::string, HostLoad> used;
  std::map<std::pair<std::string, std::string>, std::set<std::string>> group_hosts;
  std::map<std::pair<std::string, std::string>, size_t> group_size;
  for (const Placement& p : result.placements) {
    const VmDemand& v = *vms.at({p.tenant, p.name});
    const HostCapacity& h = *hosts.at(p.host);
    CHECK(h.pool == v.pool);
    CHECK(h.arch == v.arch);
    HostLoad& load = used[p.host];
    load.used_cpus += v.cpus;
    load.used_memory_mib += v.memory_mib;
    for (const auto& [type, count] : v.accelerators) load.used_accelerators[type] += count;
    group_hosts[{v.tenant, v.group}].insert(p.host);
    ++group_size[{v.tenant, v.group}];
  }
  for (const auto& [name, load] : used) {
    const HostCapacity& h = *hosts.at(name);
    CHECK(load.used_memory_mib <= h.memory_mib);
    CHECK(load.used_cpus * 1000 <= h.cpus * overcommit.at(h.pool));
    for (const auto& [type, count] : load.used_accelerators)
      CHECK(count <= h.accelerators.at(type));
  }
  for (const GroupRule& g : cloud.groups) {
    if (!g.strict) continue;
    const std::pair<std::string, std::string> key = {g.tenant, g.name};
    CHECK(group_hosts[key].size() == (g.policy == GroupPolicy::kAffinity ? 1 : group_size[key]));
  }
}
