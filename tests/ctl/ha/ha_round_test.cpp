#include "ctl/ha/ha_round.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>

#include "ctl/controller/heartbeat.h"
#include "tests/ctl/controller/loop_harness.h"
#include "tests/support/temp_dir.h"

using namespace xc;
using namespace xc::test;

namespace {

// p1 (x86-01, x86-02) on shared storage, both hosts fenced by `fence`;
// web-1 (ha: restart, and `web_extra` spec lines) and batch-1 (no ha) in p1.
std::string ha_cloud(const std::string& fence, const std::string& web_extra = "") {
  std::string yaml = base_cloud();
  auto replace = [&yaml](const std::string& from, const std::string& to) {
    auto at = yaml.find(from);
    REQUIRE(at != std::string::npos);
    yaml.replace(at, from.size(), to);
  };
  replace("metadata: {name: p1}\nspec: {zone: gov, cpuOvercommit: 1.0, policy: spread}",
          "metadata: {name: p1}\nspec: {zone: gov, cpuOvercommit: 1.0, policy: spread, "
          "sharedStorage: /srv/disks}");
  for (const char* h : {"x86-01", "x86-02"})
    replace(std::string("metadata: {name: ") + h + "}\nspec: {pool: p1,",
            std::string("metadata: {name: ") + h + "}\nspec: {fence: [" + fence + "], pool: p1,");
  return yaml + vm("web-1") + "  ha: restart\n" + web_extra + vm("batch-1", "p1", 1, 1);
}

struct HaHarness {
  LoopHarness loop;
  Store* store = loop.store.get();
  ApplyHarness& cloud = loop.cloud;
  HostClients& clients = loop.clients;
  int64_t& now_ms = loop.now_ms;
  RecordingLog& log = loop.log;
  LoopWorld* world = &loop.world;
  HaRoundOptions options;
  HaMemory memory;

  // `storage`: host -> shared storageDir (see ApplyHarness).
  explicit HaHarness(const std::string& fence, const std::string& web_extra = "",
                     const std::map<std::string, std::string>& storage = {})
      : loop(ha_cloud(fence, web_extra), storage) {
    options.decide.after_ms = 60'000;
    options.who = AuditIdentity{"ha-test", "", "", "", "serve"};
    REQUIRE(heartbeat_round(*world).ok());
  }
  std::string host_of(const std::string& vm) {
    auto p = store->get_placement({"VirtualMachine", "education", vm});
    REQUIRE(p.ok());
    return p->host;
  }
  bool runs(const std::string& host, const std::string& vm) {
    auto listed = clients.call(host, "domains.list", nlohmann::json::object());
    REQUIRE(listed.ok());
    nlohmann::json managed = listed->value("managed", nlohmann::json::array());
    for (const auto& d : managed)
      if (d.value("domain", "") == "xc-education." + vm) return d.value("state", "") == "running";
    return false;
  }
  std::vector<std::string> audit_actions() {
    std::vector<std::string> out;
    REQUIRE(store
                ->scan_audit_records({},
                                     [&](const AuditRecord& r) {
                                       if (r.action == "fence" || r.action.rfind("ha-", 0) == 0)
                                         out.push_back(r.action + " " + r.name + " " + r.result);
                                       return true;
                                     })
                .ok());
    return out;
  }
  // The VM's host goes down and stays down for `for_ms`; one HA round.
  std::vector<HaStep> fail_for(const std::string& host, int64_t for_ms) {
    cloud.fleet.set_down(host, true);
    REQUIRE(heartbeat_round(*world).ok());
    now_ms += for_ms;
    REQUIRE(heartbeat_round(*world).ok());
    auto steps = ha_round(*world, options, &memory);
    REQUIRE_MESSAGE(steps.ok(), steps.status().message());
    return *steps;
  }
};

}  // namespace

TEST_CASE("ha round: a fenced host's ha VM restarts on the other host, its VM without ha stays") {
  HaHarness h("\"true\"");
  const std::string from = h.host_of("web-1");
  const std::string other = from == "x86-01" ? "x86-02" : "x86-01";
  const std::string batch_host = h.host_of("batch-1");
  CHECK(h.fail_for(from, 59'000).empty());  // not yet
  CHECK(h.host_of("web-1") == from);
  h.now_ms += 1'000;
  auto steps = ha_round(*h.world, h.options, &h.memory);
  REQUIRE(steps.ok());
  REQUIRE(steps->size() == 2);
  CHECK((*steps)[0].action.kind == HaActionKind::kFence);
  CHECK((*steps)[0].status.ok());
  CHECK((*steps)[1].action ==
        HaAction{HaActionKind::kRestart, from, "education", "web-1", other, ""});
  CHECK((*steps)[1].status.ok());
  CHECK(h.host_of("web-1") == other);
  CHECK(h.host_of("batch-1") == batch_host);
  CHECK(h.runs(other, "web-1"));
  CHECK(h.audit_actions() ==
        std::vector<std::string>{"fence " + from + " ok", "ha-restart web-1 ok"});

  // The host comes back still holding its copy: stopped and undefined.
  h.cloud.fleet.set_down(from, false);
  CHECK(h.runs(from, "web-1"));
  REQUIRE(heartbeat_round(*h.world).ok());
  auto back = ha_round(*h.world, h.options, &h.memory);
  REQUIRE(back.ok());
  REQUIRE(back->size() == 1);
  CHECK(back->at(0).action.kind == HaActionKind::kRemoveStale);
  CHECK_FALSE(h.runs(from, "web-1"));
  CHECK(h.runs(other, "web-1"));
  CHECK(h.audit_actions().back() == "ha-remove-stale-copy web-1 ok");
  // Once only.
  auto again = ha_round(*h.world, h.options, &h.memory);
  REQUIRE(again.ok());
  CHECK(again->empty());
}

TEST_CASE("ha round: a failing fence command restarts nothing, and says why") {
  HaHarness h("\"false\"");
  const std::string from = h.host_of("web-1");
  auto steps = h.fail_for(from, 60'000);
  REQUIRE(steps.size() == 1);
  CHECK(steps[0].action.kind == HaActionKind::kFence);
  CHECK_FALSE(steps[0].status.ok());
  CHECK(h.host_of("web-1") == from);
  CHECK(h.audit_actions() == std::vector<std::string>{"fence " + from + " error"});
  CHECK(h.log.text().find("ha: host " + from +
                          " NOT fenced, nothing restarts: fence command exit 1") !=
        std::string::npos);
  EventFilter filter;
  auto events = h.store->list_events(filter);
  REQUIRE(events.ok());
  CHECK(events->back().type == kHaFenceFailedEvent);
  CHECK(events->back().host == from);
  // Not tried again before --ha-after has passed once more.
  h.now_ms += 1'000;
  auto next = ha_round(*h.world, h.options, &h.memory);
  REQUIRE(next.ok());
  CHECK(next->empty());
}

namespace {

// Passes calls on to the agent; a `method` call's reply is replaced by an
// error once the agent has done the work (a start that failed after the
// define, as a guest that cannot boot on the target does).
// Answers `method` with an error after the real agent ran it; with
// `stop_domain`, the domain it started is destroyed first (a start that failed:
// defined, not running), else it runs and only the reply is lost.
class FailingAfter final : public AgentTransport {
 public:
  FailingAfter(std::unique_ptr<AgentTransport> inner, std::string method, bool stop_domain)
      : inner_(std::move(inner)), method_(std::move(method)), stop_domain_(stop_domain) {}
  Result<nlohmann::json> call(const nlohmann::json& request) override {
    auto reply = inner_->call(request);
    if (reply.ok() && request.value("method", "") == method_ && stop_domain_) {
      auto domain = (*reply)["result"].value("domain", std::string());
      auto stopped = inner_->call({{"jsonrpc", "2.0"},
                                   {"id", 0},
                                   {"method", "domain.power"},
                                   {"params", {{"name", domain}, {"action", "destroy"}}}});
      CHECK(stopped.ok());
      if (stopped.ok()) CHECK_FALSE(stopped->contains("error"));
    }
    if (reply.ok() && request.value("method", "") == method_)
      return nlohmann::json{
          {"id", request.value("id", nlohmann::json())},
          {"error", {{"code", "internal"}, {"message", "start failed: no boot"}}}};
    return reply;
  }

 private:
  std::unique_ptr<AgentTransport> inner_;
  std::string method_;
  bool stop_domain_;
};

// A harness whose x86 target (the host web-1 is not on) answers domain.ensure
// with an error.
struct FailingTarget {
  HaHarness h{"\"true\""};
  std::string from = h.host_of("web-1");
  std::string other = from == "x86-01" ? "x86-02" : "x86-01";
  HostClients failing;
  LoopWorld world;

  explicit FailingTarget(bool stop_domain)
      : failing(
            [this, stop_domain](const std::string& host,
                                const HostSpec& spec) -> Result<std::unique_ptr<AgentTransport>> {
              auto inner = h.cloud.fleet.connector()(host, spec);
              if (!inner.ok() || host != other) return inner;
              return std::unique_ptr<AgentTransport>(
                  std::make_unique<FailingAfter>(std::move(*inner), "domain.ensure", stop_domain));
            },
            1),
        world{*h.store, failing, h.loop.clock, h.log, h.loop.stop} {}

  Result<std::vector<HaStep>> fail_source_and_round() {
    REQUIRE(heartbeat_round(world).ok());
    h.cloud.fleet.set_down(from, true);
    REQUIRE(heartbeat_round(world).ok());
    h.now_ms += 60'000;
    REQUIRE(heartbeat_round(world).ok());
    return ha_round(world, h.options, &h.memory);
  }
};

const char* const kHash =
    "$6$saltsalt$JcVDtuB6d1BHhCd5RPBh8g8xX/1CbY8EU2PN0MTaj2/Mypw4P./"
    "C6dN4j0HALhzBDTocyW1Jm.gYaTPjFGCV40";

}  // namespace

TEST_CASE("ha round: the restarted VM keeps its password hash (the seed on shared storage)") {
  TempDir shared;
  const std::string disks = shared.path("disks");
  HaHarness h("\"true\"",
              std::string("  guest: {hostname: web-1, passwordHash: '") + kHash + "'}\n",
              {{"x86-01", disks}, {"x86-02", disks}});
  const std::string seed = disks + "/xc-education.web-1.cidata.iso";
  std::ifstream in(seed, std::ios::binary);
  const std::string before{std::istreambuf_iterator<char>(in), {}};
  REQUIRE(before.find(kHash) != std::string::npos);  // the seed apply wrote
  const std::string from = h.host_of("web-1");
  const std::string other = from == "x86-01" ? "x86-02" : "x86-01";
  auto steps = h.fail_for(from, 60'000);
  REQUIRE(steps.size() == 2);
  CHECK_MESSAGE(steps[1].status.ok(), steps[1].status.message());
  CHECK(h.host_of("web-1") == other);
  CHECK(h.runs(other, "web-1"));
  std::ifstream after_in(seed, std::ios::binary);
  const std::string after{std::istreambuf_iterator<char>(after_in), {}};
  CHECK(after == before);  // the same credentials, not a redaction marker
  CHECK(after.find("redacted") == std::string::npos);
}

TEST_CASE("ha round: a restart whose start fails leaves no definition on the target, audited") {
  FailingTarget t(true);
  HaHarness& h = t.h;
  const std::string& from = t.from;
  const std::string& other = t.other;
  auto steps = t.fail_source_and_round();
  REQUIRE(steps.ok());
  REQUIRE(steps->size() == 2);
  CHECK_FALSE((*steps)[1].status.ok());
  CHECK((*steps)[1].detail.find("stopped and undefined, disks kept") != std::string::npos);
  CHECK(h.host_of("web-1") == from);  // not recorded as moved
  auto listed = h.cloud.fleet.call(other, "domains.list");
  for (const auto& d : listed["result"]["managed"])
    CHECK(d.value("domain", "") != "xc-education.web-1");
  auto actions = h.audit_actions();
  CHECK(std::find(actions.begin(), actions.end(), "ha-remove-failed-restart web-1 ok") !=
        actions.end());
  CHECK(std::find(actions.begin(), actions.end(), "ha-restart web-1 error") != actions.end());
  // The next round, on a working target, restarts it.
  h.now_ms += 60'000;
  REQUIRE(heartbeat_round(*h.world).ok());
  auto retried = ha_round(*h.world, h.options, &h.memory);
  REQUIRE(retried.ok());
  CHECK(h.host_of("web-1") == other);
  CHECK(h.runs(other, "web-1"));
}

TEST_CASE("ha round: a restart whose reply is lost but whose domain runs counts as done") {
  FailingTarget t(false);
  auto steps = t.fail_source_and_round();
  REQUIRE(steps.ok());
  REQUIRE(steps->size() == 2);
  CHECK_MESSAGE((*steps)[1].status.ok(), (*steps)[1].status.message());
  CHECK(t.h.host_of("web-1") == t.other);  // recorded where it runs
  CHECK(t.h.runs(t.other, "web-1"));       // not stopped by a cleanup
  auto actions = t.h.audit_actions();
  CHECK(std::find(actions.begin(), actions.end(), "ha-remove-failed-restart web-1 ok") ==
        actions.end());
}

TEST_CASE(
    "ha: an apply while the fenced host is back removes its copy but keeps the shared disks") {
  TempDir shared;
  const std::string disks = shared.path("disks");
  HaHarness h("\"true\"", "", {{"x86-01", disks}, {"x86-02", disks}});
  const std::string root = disks + "/xc-education.web-1.root.qcow2";
  std::ofstream(root, std::ios::binary) << "the guest's data";
  const std::string from = h.host_of("web-1");
  const std::string other = from == "x86-01" ? "x86-02" : "x86-01";
  auto steps = h.fail_for(from, 60'000);
  REQUIRE(steps.size() == 2);
  REQUIRE(h.host_of("web-1") == other);
  // Back before serve's next round: apply sees web-1 on both hosts.
  h.cloud.fleet.set_down(from, false);
  auto plan = h.cloud.diff(h.loop.yaml_);
  REQUIRE(plan.planned.ok());
  const PlanStep* duplicate = nullptr;
  for (const auto& s : plan.plan.steps)
    if (s.name == "web-1" && s.action == StepAction::kDelete) duplicate = &s;
  REQUIRE(duplicate != nullptr);
  CHECK(duplicate->host == from);
  CHECK(duplicate->params.value("keep_disks", false));
  CHECK(duplicate->destroyed_gib() == 0);
  auto applied = h.cloud.apply(h.loop.yaml_);
  REQUIRE(applied.executed.failed == 0);
  CHECK_FALSE(h.runs(from, "web-1"));
  CHECK(h.runs(other, "web-1"));
  std::ifstream in(root, std::ios::binary);
  CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == "the guest's data");
}
