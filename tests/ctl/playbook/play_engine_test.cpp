#include "ctl/playbook/play_engine.h"

#include <doctest/doctest.h>

#include <set>

#include "ctl/playbook/playbook_parse.h"

namespace xc {
namespace {

// Records what the engine asked; fault switches per step name.
class FakeWorld : public PlayWorld {
 public:
  std::vector<std::string> calls;  // "xcloudctl ARGS", "check ...", "audit NAME ACTION RESULT"
  std::vector<PlayRunState> saved;
  std::set<std::string> failing_commands;  // first argument words that exit 1
  int check_fails = 0;                     // the first N checks fail
  bool confirmed = false;
  int64_t now = 1000;

  Result<int> run_xcloudctl(const PlaybookStep&, const std::vector<std::string>& args) override {
    std::string line;
    for (const auto& a : args) line += (line.empty() ? "" : " ") + a;
    calls.push_back("xcloudctl " + line);
    return failing_commands.count(args[0]) ? 1 : 0;
  }
  Status hosts_answer(const std::vector<std::string>& hosts) override {
    calls.push_back("hosts " + hosts[0]);
    return {};
  }
  Result<std::vector<PlannedMove>> plan_migrate(const PlaybookStep&) override {
    return std::vector<PlannedMove>{{"edu", "web-1", "a", "b", "cold"}};
  }
  Status check(const StepCheck& c, std::chrono::seconds timeout) override {
    calls.push_back("check " + c.tcp + " " + std::to_string(timeout.count()));
    now += 1000;
    if (check_fails > 0) {
      --check_fails;
      return error(Code::kUnavailable, "refused");
    }
    return {};
  }
  void sleep(std::chrono::milliseconds d) override { now += d.count(); }
  int64_t now_ms() override { return now; }
  bool confirm(const PlaybookStep&) override { return confirmed; }
  Status audit(const PlaybookStep& s, const std::string& action, const Status& result,
               const std::string&) override {
    calls.push_back("audit " + s.name + " " + action + " " + (result.ok() ? "ok" : "error"));
    return {};
  }
  Status save(const PlayRunState& state) override {
    saved.push_back(state);
    return {};
  }
  void say(const std::string&) override {}
};

Playbook engine_playbook() {
  auto p = parse_playbook(
      "apiVersion: xcloud/v1\nkind: Playbook\nmetadata: {name: t}\nspec:\n  steps:\n"
      "    - {name: drain, type: drain, host: a, manifests: m}\n"
      "    - {name: web, type: verify, tcp: \"127.0.0.1:9\", timeout: 3s}\n"
      "    - {name: move, type: migrate, vms: system=x, manifests: m, mode: cold}\n"
      "    - {name: go, type: cutover, text: switch}\n",
      "t.yaml", {});
  REQUIRE(p.errors.empty());
  return *p.playbook;
}

TEST_CASE("play engine: stops at the first failure, audited, with the step saved as failed") {
  Playbook pb = engine_playbook();
  FakeWorld w;
  w.confirmed = true;
  w.check_fails = 100;
  PlayOutcome out = run_playbook(pb, 0, PlayRunState{}, w);
  CHECK_FALSE(out.ok);
  CHECK(out.failed_at == 1);
  CHECK(out.error.message() == "tcp 127.0.0.1:9 accepts a connection: not within 3 s (refused)");
  CHECK(w.calls == std::vector<std::string>{
                       "audit drain step-start ok",
                       "xcloudctl host drain a -f m --parallel 4 --yes",
                       "audit drain step ok",
                       "audit web step-start ok",
                       "check 127.0.0.1:9 3",  // a second passes, a second's sleep, then
                       "check 127.0.0.1:9 1",  // the last second
                       "audit web step error",
                   });
  REQUIRE_FALSE(w.saved.empty());
  CHECK(w.saved.back().status == "failed");
  CHECK(w.saved.back().next == 1);
  CHECK(w.saved.back().failed_step == "web");
}

TEST_CASE("play engine: a resumed run starts at the failed step and finishes") {
  Playbook pb = engine_playbook();
  FakeWorld w;
  w.confirmed = true;
  PlayOutcome out = run_playbook(pb, 1, PlayRunState{}, w);
  CHECK(out.ok);
  CHECK(w.calls == std::vector<std::string>{
                       "audit web step-start ok", "check 127.0.0.1:9 3", "audit web step ok",
                       "audit move step-start ok",
                       "xcloudctl vm migrate web-1 --tenant edu --to b --yes --cold",
                       "audit move step ok", "audit go step-start ok", "audit go step ok"});
  CHECK(w.saved.back().status == "done");
  CHECK(w.saved.back().next == 4);
}

TEST_CASE("play engine: a failed command and an unconfirmed cutover fail their step") {
  Playbook pb = engine_playbook();
  FakeWorld w;
  w.confirmed = true;
  w.failing_commands = {"host"};
  PlayOutcome out = run_playbook(pb, 0, PlayRunState{}, w);
  CHECK(out.failed_at == 0);
  CHECK(out.error.message() == "xcloudctl host drain a -f m --parallel 4 --yes exited 1");
  // Unconfirmed, a drain runs nothing: its command would get --yes.
  FakeWorld unconfirmed;
  PlayOutcome refused = run_playbook(pb, 0, PlayRunState{}, unconfirmed);
  CHECK(refused.failed_at == 0);
  CHECK(refused.error.message() == "the step was not confirmed (type yes, or --yes)");
  for (const auto& call : unconfirmed.calls) CHECK(call.rfind("xcloudctl", 0) != 0);
  FakeWorld w2;
  PlayOutcome cut = run_playbook(pb, 3, PlayRunState{}, w2);
  CHECK(cut.failed_at == 3);
  CHECK(cut.error.message() == "the cutover was not confirmed (type yes, or --yes)");
}

TEST_CASE("play engine: a check that comes up in time passes") {
  Playbook pb = engine_playbook();
  FakeWorld w;
  w.check_fails = 1;
  CHECK(check_until(w, pb.steps[1].check, std::chrono::seconds(3), std::chrono::seconds(1)).ok());
}

}  // namespace
}  // namespace xc
