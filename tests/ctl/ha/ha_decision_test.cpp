#include "ctl/ha/ha_decision.h"

#include <doctest/doctest.h>

using namespace xc;

namespace {

constexpr int64_t kAfter = 60'000;
constexpr int64_t kDownAt = 1'000'000;

HaHost up(const std::string& name, int64_t memory_gib = 64, const std::string& pool = "p1") {
  HaHost h;
  h.name = name;
  h.pool = pool;
  h.shared_storage = "/srv/shared";
  h.capacity.cpus = 32;
  h.capacity.memory_mib = memory_gib * 1024;
  return h;
}

HaHost down(const std::string& name, bool fence_command = true, int64_t fenced_ms = 0) {
  HaHost h = up(name);
  h.reachable = false;
  h.unreachable_since_ms = kDownAt;
  h.has_fence_command = fence_command;
  h.fenced_ms = fenced_ms;
  return h;
}

HaVm ha_vm(const std::string& name, const std::string& host, bool restart = true,
           int64_t memory_gib = 4, const std::string& group = "") {
  HaVm v;
  v.demand.tenant = "edu";
  v.demand.name = name;
  v.demand.cpus = 2;
  v.demand.memory_mib = memory_gib * 1024;
  v.demand.current_host = host;
  v.demand.group = group;
  v.restart = restart;
  return v;
}

HaAction fence(const std::string& host) {
  return {HaActionKind::kFence, host, "", "", "", ""};
}
HaAction restart(const std::string& name, const std::string& from, const std::string& to) {
  return {HaActionKind::kRestart, from, "edu", name, to, ""};
}

}  // namespace

TEST_CASE("HA waits for the configured time, then fences the host before anything else") {
  HaWorld w;
  w.hosts = {down("a"), up("b")};
  w.vms = {ha_vm("web-1", "a")};
  CHECK(decide_ha(w, kDownAt + kAfter - 1, {kAfter, ""}).empty());
  CHECK(decide_ha(w, kDownAt + kAfter, {kAfter, ""}) == std::vector<HaAction>{fence("a")});
}

TEST_CASE("a fenced host's ha: restart VMs restart on another host, a VM without ha stays") {
  HaWorld w;
  w.hosts = {down("a", true, kDownAt + kAfter), up("b")};
  w.vms = {ha_vm("web-1", "a"), ha_vm("batch-1", "a", false), ha_vm("db-1", "b")};
  CHECK(decide_ha(w, kDownAt + kAfter + 5, {kAfter, ""}) ==
        std::vector<HaAction>{restart("web-1", "a", "b")});
}

TEST_CASE("a fence from an earlier outage does not count") {
  HaWorld w;
  w.hosts = {down("a", true, kDownAt - 1), up("b")};
  w.vms = {ha_vm("web-1", "a")};
  CHECK(decide_ha(w, kDownAt + kAfter, {kAfter, ""}) == std::vector<HaAction>{fence("a")});
}

TEST_CASE("without a fence command nothing restarts and the reason says what to do") {
  HaWorld w;
  w.hosts = {down("a", false), up("b")};
  w.vms = {ha_vm("web-1", "a")};
  auto actions = decide_ha(w, kDownAt + kAfter, {kAfter, ""});
  REQUIRE(actions.size() == 1);
  CHECK(actions[0].kind == HaActionKind::kCannot);
  CHECK(actions[0].host == "a");
  CHECK(actions[0].reason ==
        "host a is not fenced and has no fence command; after making sure it is off, run "
        "'xcloudctl host fence a --confirm-dead'");
}

TEST_CASE("hosts in maintenance are neither failed hosts nor targets") {
  HaWorld w;
  HaHost a = down("a", true, kDownAt + 1);
  HaHost m = up("m", 256);
  m.maintenance = true;
  w.hosts = {a, up("b", 8), m};
  w.vms = {ha_vm("web-1", "a")};
  CHECK(decide_ha(w, kDownAt + kAfter, {kAfter, ""}) ==
        std::vector<HaAction>{restart("web-1", "a", "b")});
  w.hosts[0].maintenance = true;  // the failed host is under an operator's hands
  CHECK(decide_ha(w, kDownAt + kAfter, {kAfter, ""}).empty());
}

TEST_CASE("capacity: a VM that fits nowhere is named with the scheduler's reason") {
  HaWorld w;
  w.hosts = {down("a", true, kDownAt + 1), up("b", 8)};
  w.vms = {ha_vm("big", "a", true, 16), ha_vm("small", "a", true, 4), ha_vm("b-1", "b", false, 2)};
  auto actions = decide_ha(w, kDownAt + kAfter, {kAfter, ""});
  REQUIRE(actions.size() == 2);
  CHECK(actions[0] == restart("small", "a", "b"));
  CHECK(actions[1].kind == HaActionKind::kCannot);
  CHECK(actions[1].name == "big");
  CHECK(actions[1].reason.find("memory") != std::string::npos);
}

TEST_CASE("anti-affinity: members land on distinct hosts, one that cannot is named") {
  HaWorld w;
  w.hosts = {down("a", true, kDownAt + 1), up("b"), up("c")};
  w.groups = {{"edu", "web", GroupPolicy::kAntiAffinity, true}};
  w.vms = {ha_vm("web-1", "a", true, 4, "web"), ha_vm("web-2", "a", true, 4, "web"),
           ha_vm("web-3", "b", true, 4, "web")};
  auto actions = decide_ha(w, kDownAt + kAfter, {kAfter, ""});
  REQUIRE(actions.size() == 2);
  int restarted = 0;
  for (const auto& a : actions) {
    if (a.kind == HaActionKind::kRestart) {
      ++restarted;
      CHECK(a.to_host == "c");  // b holds web-3
    } else {
      CHECK(a.kind == HaActionKind::kCannot);
    }
  }
  CHECK(restarted == 1);
}

TEST_CASE("HA restarts within the failed host's pool only") {
  HaWorld w;
  w.hosts = {down("a", true, kDownAt + 1), up("other", 256, "p2"), up("b", 16)};
  w.vms = {ha_vm("web-1", "a")};
  CHECK(decide_ha(w, kDownAt + kAfter, {kAfter, ""}) ==
        std::vector<HaAction>{restart("web-1", "a", "b")});
}

TEST_CASE("without shared storage a fenced host's VM is not protectable") {
  HaWorld w;
  HaHost a = down("a", true, kDownAt + 1);
  a.shared_storage.clear();
  w.hosts = {a, up("b")};
  w.vms = {ha_vm("web-1", "a")};
  auto actions = decide_ha(w, kDownAt + kAfter, {kAfter, ""});
  REQUIRE(actions.size() == 1);
  CHECK(actions[0].kind == HaActionKind::kCannot);
  CHECK(actions[0].reason == "its disks are not on shared storage (pool p1 has no sharedStorage)");
}

TEST_CASE("evacuate names one host and does not wait") {
  HaWorld w;
  w.hosts = {down("a", true, kDownAt + 1), down("c", true, kDownAt + 1), up("b")};
  w.vms = {ha_vm("web-1", "a"), ha_vm("web-2", "c")};
  CHECK(decide_ha(w, kDownAt + 2, {kAfter, "a"}) ==
        std::vector<HaAction>{restart("web-1", "a", "b")});
}

TEST_CASE("a reachable host or one without ha VMs is left alone") {
  HaWorld w;
  w.hosts = {up("a"), down("c"), up("b")};
  w.vms = {ha_vm("web-1", "a"), ha_vm("batch", "c", false)};
  CHECK(decide_ha(w, kDownAt + 10 * kAfter, {kAfter, ""}).empty());
}
