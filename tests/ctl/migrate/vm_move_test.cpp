// VmMover against simulated hosts behind real agents (in-process): a cold move
// copies each disk file exactly and keeps the meter; a move cut off at any
// journal phase is finished by resume() without ever running on two hosts.
#include "ctl/migrate/vm_move.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "ctl/store/store_wrapper.h"
#include "tests/ctl/reconcile/apply_harness.h"
#include "tests/support/temp_dir.h"

namespace xc::test {
namespace {

using nlohmann::json;

const char* const kDomain = "xc-education.db-1";

struct NoProgress : MoveObserver {
  void phase(const MoveRequest&, const std::string& p) override { phases.push_back(p); }
  void progress(const MoveRequest&, int64_t, int64_t, int64_t) override {}
  std::vector<std::string> phases;
};

// A store whose journal write of `phase` fails, as if the process died there.
class DiesAtPhase : public StoreWrapper {
 public:
  DiesAtPhase(std::unique_ptr<Store> s, std::string phase)
      : StoreWrapper(std::move(s)), phase_(std::move(phase)) {}
  Status put_move(const MoveRecord& m) override {
    if (m.phase == phase_) return error(Code::kUnavailable, "killed before " + phase_);
    return StoreWrapper::put_move(m);
  }

 private:
  std::string phase_;
};

std::string state_on(ApplyHarness& h, const std::string& host) {
  // Kept in a variable: a range-for over a part of a temporary would dangle.
  json listed = h.fleet.call(host, "domains.list");
  for (const auto& d : listed["result"]["managed"])
    if (d.value("domain", "") == kDomain) return d.value("state", "");
  return "";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Applies db-1 and gives its root disk 5 MiB of random bytes on its host.
struct Placed {
  std::string from, to, content;
  MoveRequest request;
};

// `cloud`: the manifests; `storage`: host -> storageDir as given to the harness.
Placed place_db(ApplyHarness& h, const std::string& cloud = base_cloud(),
                const std::map<std::string, std::string>& storage = {}) {
  auto applied = h.apply(cloud + vm("db-1", "p1"));
  REQUIRE(applied.executed.failed == 0);
  Placed p;
  p.from = applied.plan.steps.back().host;
  p.to = p.from == "x86-01" ? "x86-02" : "x86-01";
  auto given = storage.find(p.from);
  std::string disks = given == storage.end() ? h.fleet.dir(p.from) + "/disks" : given->second;
  std::filesystem::create_directories(disks);
  std::mt19937 rng(7);
  p.content.resize(5 << 20);
  for (auto& c : p.content) c = static_cast<char>(rng());
  std::ofstream(disks + "/" + kDomain + ".root.qcow2", std::ios::binary) << p.content;
  std::filesystem::create_directories(h.fleet.dir(p.to) + "/disks");
  auto store = h.open();
  auto stored = store->get_resource({"VirtualMachine", "education", "db-1"});
  REQUIRE(stored.ok());
  p.request.tenant = "education";
  p.request.name = "db-1";
  p.request.domain = kDomain;
  p.request.from_host = p.from;
  p.request.to_host = p.to;
  p.request.mode = MoveMode::kCold;
  p.request.spec = json::parse(stored->spec_json)["domain"];
  return p;
}

// base_cloud() with `shared` as the sharedStorage of p1, and of p2 too when `p2`.
std::string shared_cloud(const std::string& shared, bool p2) {
  std::string yaml = base_cloud();
  for (const char* pool : {"p1", "p2"}) {
    if (std::string(pool) == "p2" && !p2) continue;
    const std::string from = std::string("metadata: {name: ") + pool +
                             "}\nspec: {zone: gov, cpuOvercommit: 1.0, policy: spread";
    auto at = yaml.find(from);
    REQUIRE(at != std::string::npos);
    yaml.insert(at + from.size(), ", sharedStorage: " + shared);
  }
  return yaml;
}

void add_hosts(HostClients& clients) {
  for (const auto* host : {"x86-01", "x86-02", "x86-03"}) {
    Object o;
    o.kind = Kind::kHost;
    o.meta.name = host;
    o.spec = HostSpec{};
    clients.add_host(o);
  }
}

// A VmMover on the harness's store and its three hosts.
struct Mover {
  explicit Mover(ApplyHarness& h)
      : store(h.open()),
        log(*store, [&h] { return h.now; }),
        clients(h.fleet.connector(), 4),
        mover(log, clients, {"ops", "", "", "test", "xcloudctl vm migrate"},
              [&h] { return h.now; }) {
    add_hosts(clients);
  }
  Result<MoveResult> move(const MoveRequest& r) { return mover.move(r, progress); }
  std::unique_ptr<Store> store;
  AuditLog log;
  HostClients clients;
  VmMover mover;
  NoProgress progress;
};

size_t meter_rows(Store& store) {
  auto rows = store.list_meter_intervals(0, INT64_MAX);
  REQUIRE(rows.ok());
  return rows->size();
}

}  // namespace

TEST_CASE("a cold move copies the disk exactly, moves the placement and keeps the meter") {
  ApplyHarness h;
  Placed p = place_db(h);
  auto store = h.open();
  size_t meters = meter_rows(*store);
  AuditLog log(*store, [&] { return h.now; });
  HostClients clients(h.fleet.connector(), 4);
  add_hosts(clients);
  VmMover mover(log, clients, {"ops", "", "", "test", "xcloudctl vm migrate"},
                [&] { return h.now; });
  NoProgress progress;
  // Every VM has a NoCloud seed; it moves with the disk.
  const std::string seed = h.fleet.dir(p.from) + "/disks/" + kDomain + ".cidata.iso";
  const auto seed_bytes = static_cast<int64_t>(std::filesystem::file_size(seed));
  auto moved = mover.move(p.request, progress);
  REQUIRE_MESSAGE(moved.ok(), moved.status().message());
  CHECK(moved->bytes == (5 << 20) + seed_bytes);
  CHECK(progress.phases == std::vector<std::string>{"preparing", "stopping", "copying", "defining",
                                                    "starting", "cleaning", "done"});
  CHECK(state_on(h, p.to) == "running");
  CHECK(state_on(h, p.from) == "");
  CHECK(read_file(h.fleet.dir(p.to) + "/disks/" + kDomain + ".root.qcow2") == p.content);
  CHECK_FALSE(std::filesystem::exists(h.fleet.dir(p.from) + "/disks/" + kDomain + ".root.qcow2"));
  CHECK(store->get_placement({"VirtualMachine", "education", "db-1"})->host == p.to);
  CHECK(meter_rows(*store) == meters);  // a move is no new allocation
  CHECK(store->list_moves()->empty());
  auto last = store->last_audit_record();
  REQUIRE(last.ok());
  REQUIRE(last->has_value());
  CHECK((*last)->action == "migrate");
  CHECK((*last)->result == "ok");
  CHECK((*last)->message.rfind("host " + p.from + " -> " + p.to + ": cold, ", 0) == 0);
  // The target's next apply sees the VM where it is: nothing to do.
  auto again = h.diff(base_cloud() + vm("db-1", "p1"));
  CHECK_FALSE(again.plan.has_changes());
}

TEST_CASE("a cold move between hosts sharing storage copies nothing and deletes no disk") {
  TempDir shared;
  const std::string disks = shared.path("disks");
  const std::map<std::string, std::string> storage = {{"x86-01", disks}, {"x86-02", disks}};
  ApplyHarness h(storage);
  Placed p = place_db(h, shared_cloud(disks, false), storage);
  const std::string root = disks + "/" + kDomain + ".root.qcow2";
  const std::string seed = disks + "/" + kDomain + ".cidata.iso";
  const std::string seed_bytes = read_file(seed);
  REQUIRE_FALSE(seed_bytes.empty());
  Mover m(h);
  auto moved = m.move(p.request);
  REQUIRE_MESSAGE(moved.ok(), moved.status().message());
  CHECK(moved->bytes == 0);
  CHECK(moved->shared);
  CHECK(state_on(h, p.to) == "running");
  CHECK(state_on(h, p.from) == "");
  // The one disk file (and seed) the VM had, untouched: it is the target's disk.
  CHECK(read_file(root) == p.content);
  CHECK(read_file(seed) == seed_bytes);
  CHECK_FALSE(std::filesystem::exists(root + ".part"));
  CHECK(m.store->get_placement({"VirtualMachine", "education", "db-1"})->host == p.to);
  auto last = m.store->last_audit_record();
  REQUIRE(last.ok());
  REQUIRE(last->has_value());
  CHECK((*last)->message.find("disks on shared storage (not copied)") != std::string::npos);
}

TEST_CASE("a cold move between pools sharing one storage copies nothing") {
  TempDir shared;
  const std::string disks = shared.path("disks");
  const std::map<std::string, std::string> storage = {
      {"x86-01", disks}, {"x86-02", disks}, {"x86-03", disks}};
  ApplyHarness h(storage);
  Placed p = place_db(h, shared_cloud(disks, true), storage);
  p.request.to_host = "x86-03";  // pool p2, the same sharedStorage
  const std::string root = disks + "/" + kDomain + ".root.qcow2";
  Mover m(h);
  auto moved = m.move(p.request);
  REQUIRE_MESSAGE(moved.ok(), moved.status().message());
  CHECK(moved->bytes == 0);
  CHECK(state_on(h, "x86-03") == "running");
  CHECK(state_on(h, p.from) == "");
  CHECK(read_file(root) == p.content);
}

TEST_CASE("pools that declare one sharedStorage the target does not see: refused, nothing stops") {
  TempDir shared;
  const std::string disks = shared.path("disks");
  // x86-02 mounts another directory although p1 says both share `disks`.
  const std::map<std::string, std::string> storage = {{"x86-01", disks},
                                                      {"x86-02", shared.path("elsewhere")}};
  ApplyHarness h(storage);
  Placed p = place_db(h, shared_cloud(disks, false), storage);
  Mover m(h);
  auto moved = m.move(p.request);
  REQUIRE_FALSE(moved.ok());
  CHECK(moved.status().message().find("does not see") != std::string::npos);
  CHECK(state_on(h, p.from) == "running");
  CHECK(state_on(h, p.to) == "");
  CHECK(read_file(storage.at(p.from) + "/" + kDomain + ".root.qcow2") == p.content);
}

TEST_CASE("a cold move cut off at any phase is finished by resume, never running twice") {
  for (const char* phase : {"stopping", "copying", "defining", "starting", "cleaning"}) {
    CAPTURE(phase);
    ApplyHarness h;
    Placed p = place_db(h);
    HostClients clients(h.fleet.connector(), 4);
    add_hosts(clients);
    AuditIdentity who{"ops", "", "", "test", "xcloudctl vm migrate"};
    NoProgress progress;
    {
      DiesAtPhase dying(h.open(), phase);
      AuditLog log(dying, [&] { return h.now; });
      VmMover mover(log, clients, who, [&] { return h.now; });
      auto moved = mover.move(p.request, progress);
      REQUIRE_FALSE(moved.ok());
      CHECK(moved.status().message() == std::string("killed before ") + phase);
      bool both = state_on(h, p.from) == "running" && state_on(h, p.to) == "running";
      CHECK_FALSE(both);
    }
    auto store = h.open();
    REQUIRE(store->list_moves()->size() == 1);
    AuditLog log(*store, [&] { return h.now; });
    VmMover mover(log, clients, who, [&] { return h.now; });
    auto resumed = mover.resume(progress);
    REQUIRE(resumed.size() == 1);
    REQUIRE_MESSAGE(resumed[0].second.ok(), resumed[0].second.status().message());
    CHECK(resumed[0].second->resumed);
    CHECK(state_on(h, p.to) == "running");
    CHECK(state_on(h, p.from) == "");
    CHECK(read_file(h.fleet.dir(p.to) + "/disks/" + kDomain + ".root.qcow2") == p.content);
    CHECK(store->get_placement({"VirtualMachine", "education", "db-1"})->host == p.to);
    CHECK(store->list_moves()->empty());
  }
}

TEST_CASE("a placement change is planned as a typed migrate step, cold on simulated hosts") {
  ApplyHarness h;
  auto first = h.apply(base_cloud() + vm("db-1", "p1"));
  REQUIRE(first.executed.failed == 0);
  auto moved = h.diff(base_cloud() + vm("db-1", "p2"));
  REQUIRE(moved.plan.moves().size() == 1);
  const PlanStep& m = *moved.plan.moves().front();
  CHECK(std::string(step_action_name(m.action)) == "migrate");
  CHECK(m.move_mode == "cold");  // the test:/// driver migrates nothing live
  CHECK(moved.plan.to_json()["steps"][0]["mode"] == "cold");
  // The executor leaves the move to ctl/migrate: nothing is created on x86-03.
  auto applied = h.apply(base_cloud() + vm("db-1", "p2"));
  CHECK(applied.executed.done == 0);
  CHECK(h.domains("x86-03").empty());
}

}  // namespace xc::test

namespace xc::test {

TEST_CASE("a drained host's VMs are planned as migrates, a strict anti-affinity one cannot move") {
  ApplyHarness h;
  const std::string group =
      "---\napiVersion: xcloud/v1\nkind: PlacementGroup\nmetadata: {name: g, tenant: "
      "education}\nspec: {policy: anti-affinity}\n";
  auto in_group = [](std::string yaml) {
    size_t at = yaml.find("pool: p1}");
    return yaml.replace(at, 9, "pool: p1, group: g}");
  };
  const std::string cloud =
      base_cloud() + group + in_group(vm("a", "p1")) + in_group(vm("b", "p1")) + vm("c", "p1");
  auto first = h.apply(cloud);
  REQUIRE(first.executed.failed == 0);
  std::map<std::string, std::string> host;
  for (const auto& s : first.plan.steps)
    if (s.kind == Kind::kVirtualMachine) host[s.name] = s.host;
  REQUIRE(host["a"] != host["b"]);
  const std::string drained = host["a"];
  PlanOptions drain;
  drain.drain_hosts = {drained};
  auto plan = h.diff(cloud, drain);
  REQUIRE(plan.planned.ok());
  // a cannot go where b runs; whatever else ran on the drained host moves.
  std::vector<std::string> moved;
  for (const PlanStep* m : plan.plan.moves()) {
    CHECK(m->from_host == drained);
    CHECK(m->host != drained);
    moved.push_back(m->name);
  }
  CHECK(std::find(moved.begin(), moved.end(), "a") == moved.end());
  CHECK(moved.size() == (host["c"] == drained ? 1u : 0u));
  REQUIRE(plan.plan.unplaceable.size() == 1);
  CHECK(plan.plan.unplaceable[0].name == "a");
  CHECK(plan.plan.unplaceable[0].reason.find(drained + " is being drained") != std::string::npos);
  // Without the drain nothing moves: maintenance alone keeps running VMs.
  PlanOptions maintenance;
  maintenance.maintenance_hosts = {drained};
  CHECK(h.diff(cloud, maintenance).plan.moves().empty());
}

}  // namespace xc::test

TEST_CASE("a move's summary says how its disks went, and why not host to host") {
  xc::MoveResult r;
  r.total_ms = 2300;
  r.bytes = 212 << 20;
  r.copied = true;
  CHECK(r.summary().find(", copied host to host") != std::string::npos);
  r.relayed = true;
  CHECK(r.summary().find(", copied through the controller") != std::string::npos);
  CHECK(r.summary().find("(") == std::string::npos);
  r.relayed_because = "x86-02 could not reach x86-01: TLS handshake failed";
  CHECK(r.summary().find(", copied through the controller (x86-02 could not reach x86-01: TLS "
                         "handshake failed)") != std::string::npos);
}
