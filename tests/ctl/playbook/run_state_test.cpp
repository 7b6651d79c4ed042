#include "ctl/playbook/run_state.h"

#include <doctest/doctest.h>

#include "ctl/playbook/playbook_parse.h"

namespace xc {
namespace {

Playbook playbook(const std::string& extra = "") {
  auto p = parse_playbook(
      "apiVersion: xcloud/v1\nkind: Playbook\nmetadata: {name: t}\nspec:\n"
      "  params: {host: {default: a}}\n  steps:\n"
      "    - {name: one, type: note, text: x}\n"
      "    - {name: two, type: note, text: y" +
          extra +
          "}\n"
          "    - {name: three, type: note, text: z}\n",
      "t.yaml", {});
  REQUIRE(p.errors.empty());
  return *p.playbook;
}

PlayRunState stopped_at(const Playbook& pb, size_t next, const std::string& status = "failed") {
  PlayRunState s;
  s.digest = pb.digest;
  s.next = next;
  s.steps = pb.steps.size();
  s.status = status;
  s.values = {{"host", "a"}};
  return s;
}

TEST_CASE("run state: --resume continues at the stopped step") {
  Playbook pb = playbook();
  CHECK(*start_step(pb, stopped_at(pb, 1), pb.digest, true, false) == 1);
  CHECK(*start_step(pb, stopped_at(pb, 2, "running"), pb.digest, true, false) == 2);
}

TEST_CASE("run state: a stopped run is not started over without --restart") {
  Playbook pb = playbook();
  auto again = start_step(pb, stopped_at(pb, 1), pb.digest, false, false);
  CHECK(again.status().message() ==
        "t.yaml: its last run stopped at step 2/3 \"two\"; continue it with --resume, or start "
        "from step 1 with --restart");
  CHECK(*start_step(pb, stopped_at(pb, 1), pb.digest, false, true) == 0);
  CHECK(*start_step(pb, stopped_at(pb, 3, "done"), pb.digest, false, false) == 0);
  CHECK(*start_step(pb, std::nullopt, "", false, false) == 0);
}

TEST_CASE("run state: a changed playbook, a finished run or other parameters are not resumed") {
  Playbook before = playbook();
  Playbook after = playbook("!");
  REQUIRE(before.digest != after.digest);
  auto changed = start_step(after, std::nullopt, before.digest, true, false);
  CHECK(changed.status().message() ==
        "t.yaml changed since its last run (SM3 " + before.digest.substr(0, 16) + "..., now " +
            after.digest.substr(0, 16) +
            "...): not resumed blindly; review the change, then run it with --restart (from step "
            "1)");
  CHECK(start_step(after, std::nullopt, "", true, false).status().message() ==
        "t.yaml: no stopped run of this playbook to resume");
  CHECK(start_step(before, stopped_at(before, 3, "done"), before.digest, true, false)
            .status()
            .message() ==
        "t.yaml: its last run finished; nothing to resume (--restart runs it again)");
  PlayRunState other = stopped_at(before, 1);
  other.values = {{"host", "b"}};
  CHECK(start_step(before, other, before.digest, true, false).status().message() ==
        "t.yaml: the parameters differ from the stopped run's (host=b; now host=a); give the same "
        "--set values to resume");
}

TEST_CASE("run state: JSON round trip") {
  Playbook pb = playbook();
  PlayRunState s = stopped_at(pb, 2);
  s.file = "/x/t.yaml";
  s.error = "boom";
  auto back = PlayRunState::from_json(s.to_json());
  REQUIRE(back);
  CHECK(back->to_json() == s.to_json());
  CHECK_FALSE(PlayRunState::from_json(nlohmann::json{{"digest", 1}}));
}

}  // namespace
}  // namespace xc
