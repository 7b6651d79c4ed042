#include "ctl/playbook/playbook_parse.h"

#include <doctest/doctest.h>

#include <filesystem>

#include "ctl/playbook/playbook_vars.h"

namespace xc {
namespace {

const char* kHead =
    "apiVersion: xcloud/v1\n"
    "kind: Playbook\n"
    "metadata: {name: drain}\n"
    "spec:\n"
    "  params:\n"
    "    host: {description: the host}\n"
    "    manifests: {default: manifests/}\n"
    "  steps:\n";

PlaybookParse parse(const std::string& steps,
                    const std::map<std::string, std::string>& set = {{"host", "x86-01"}}) {
  return parse_playbook(std::string(kHead) + steps, "p.yaml", set);
}

std::string first_error(const PlaybookParse& p) {
  REQUIRE_FALSE(p.errors.empty());
  return format_diagnostic(p.errors.front());
}

TEST_CASE("playbook: steps read in order with their parameters substituted") {
  auto p = parse(
      "    - {name: check, type: precheck, hosts: [\"${host}\"], manifests: \"${manifests}\"}\n"
      "    - {name: drain it, type: drain, host: \"${host}\", manifests: m/, parallel: 2}\n"
      "    - {name: web, type: verify, tcp: \"127.0.0.1:8080\", timeout: 3s}\n"
      "    - {name: settle, type: wait, until: {tcp: \"[::1]:22\"}, interval: 1s}\n"
      "    - {name: cost $$5, type: note, text: \"drained ${host}\"}\n");
  REQUIRE(p.errors.empty());
  const Playbook& pb = *p.playbook;
  CHECK(pb.name == "drain");
  CHECK(pb.digest.size() == 64);
  REQUIRE(pb.steps.size() == 5);
  CHECK(pb.steps[0].hosts == std::vector<std::string>{"x86-01"});
  CHECK(pb.steps[0].manifests == "manifests/");
  CHECK(pb.steps[1].type == StepType::kDrain);
  CHECK(pb.steps[1].parallel == 2);
  CHECK(pb.steps[1].pos.line == 10);
  CHECK(pb.steps[2].check.tcp == "127.0.0.1:8080");
  CHECK(pb.steps[2].timeout == std::chrono::seconds(3));
  CHECK(pb.steps[3].timeout == std::chrono::seconds(300));
  CHECK(pb.steps[3].interval == std::chrono::seconds(1));
  CHECK(pb.steps[4].name == "cost $5");
  CHECK(pb.steps[4].text == "drained x86-01");
  CHECK(pb.values == std::vector<std::pair<std::string, std::string>>{{"host", "x86-01"},
                                                                      {"manifests", "manifests/"}});
}

TEST_CASE("playbook: a bad step is named by FILE:LINE:COL and what was expected") {
  CHECK(first_error(parse("    - {name: a, type: drian}\n")) ==
        "p.yaml:9:23: error: field 'spec.steps[0].type' must be one of precheck, migrate, drain, "
        "adopt, apply, verify, wait, cutover or note, got 'drian' (did you mean 'drain'?)");
  CHECK(first_error(parse("    - {name: a, type: drain, host: x, manifests: m, colour: red}\n")) ==
        "p.yaml:9:53: error: unknown field 'colour' in Playbook spec.steps[0]");
  CHECK(first_error(parse("    - {name: a, type: drain, manifests: m}\n")) ==
        "p.yaml:9:7: error: a drain step needs 'host'");
  CHECK(first_error(parse("    - {name: a, type: note, text: hi, host: x}\n")) ==
        "p.yaml:9:45: error: field 'host' is not used by a note step");
  CHECK(first_error(parse("    - {name: a, type: verify, tcp: \"nowhere\"}\n")) ==
        "p.yaml:9:36: error: 'nowhere': expected HOST:PORT, PORT 1 to 65535");
  CHECK(first_error(parse("    - {name: a, type: wait, duration: 2x}\n")) ==
        "p.yaml:9:39: error: duration: '2x': expected a duration such as 120s, 2m or 90 (at most "
        "24h)");
  CHECK(first_error(parse("    - {name: a, type: wait}\n")) ==
        "p.yaml:9:7: error: a wait step needs exactly one of 'duration' and 'until'");
  CHECK(first_error(parse("    - {name: a, type: note, text: \"${hots}\"}\n")) ==
        "p.yaml:9:35: error: field 'text': unknown parameter 'hots' (did you mean 'host'?) "
        "(declare it under spec.params)");
  CHECK(first_error(parse(
            "    - {name: a, type: note, text: x}\n    - {name: a, type: note, text: y}\n")) ==
        "p.yaml:10:14: error: step name 'a' is used twice");
  CHECK(first_error(parse("    - {name: a, type: drain, host: \"${host}\", manifests: m}\n",
                          {{"host", "X_01"}})) ==
        "p.yaml:9:36: error: 'X_01' is not a host name (a lowercase DNS label)");
  CHECK(first_error(parse("    - {name: a, type: migrate, vms: \"\", manifests: m}\n")) ==
        "p.yaml:9:37: error: field 'vms': an empty selector would move every VM");
}

TEST_CASE("playbook: parameters must be declared, and set when they have no default") {
  auto unset = parse("    - {name: a, type: note, text: \"${host}\"}\n", {});
  REQUIRE(unset.errors.size() == 1);  // not again at each use
  CHECK(first_error(unset) ==
        "p.yaml:6:5: error: parameter 'host' has no default: give it with --set host=VALUE");
  CHECK(
      first_error(
          parse("    - {name: a, type: note, text: x}\n", {{"host", "a"}, {"hots", "b"}})) ==
      "p.yaml:5:3: error: --set hots: the playbook has no parameter 'hots' (did you mean 'host'?)");
}

TEST_CASE("playbook: --set values are bounded and cannot become options") {
  CHECK(parse_set_options({"host=x86-01", "n=a=b"}).ok());
  CHECK(parse_set_options({"host=--state=/tmp/x"}).status().message() ==
        "--set host: '--state=/tmp/x' starts with '-' (it would read as an option)");
  CHECK(parse_set_options({"host=a\nb"}).status().message() ==
        "--set host: 'a\\nb' holds control characters or bytes that are not UTF-8");
  CHECK(parse_set_options({"1x=a"}).status().message().find("expected NAME=VALUE") !=
        std::string::npos);
  CHECK(parse_set_options({"a=1", "a=2"}).status().message() == "--set a: given twice");
  CHECK_FALSE(parse_set_options({"a=" + std::string(1025, 'x')}).ok());
  std::vector<std::string> many;
  for (int i = 0; i < 33; ++i) many.push_back("p" + std::to_string(i) + "=1");
  CHECK_FALSE(parse_set_options(many).ok());
  CHECK(substitute_params("${a}${a}", {{"a", std::string(3000, 'x')}}).status().message() ==
        "longer than 4096 bytes once its parameters are substituted");
  CHECK(substitute_params("x ${a", {{"a", "1"}}).status().message() ==
        "'${' without a closing '}'");
}

TEST_CASE("playbook: more than 200 steps and other documents are refused") {
  std::string steps;
  for (int i = 0; i < 201; ++i)
    steps += "    - {name: s" + std::to_string(i) + ", type: note, text: x}\n";
  CHECK(first_error(parse(steps)) ==
        "p.yaml:9:5: error: field 'spec.steps' allows at most 200 item(s)");
  auto other =
      parse_playbook("apiVersion: xcloud/v1\nkind: Pool\nmetadata: {name: p}\n", "q.yaml", {});
  CHECK(first_error(other) == "q.yaml:2:7: error: expected kind: Playbook");
  CHECK(first_error(parse_playbook("a: [", "r.yaml", {})).rfind("r.yaml:", 0) == 0);
}

TEST_CASE("playbook: the shipped playbooks are valid") {
  std::map<std::string, std::map<std::string, std::string>> params = {
      {"drain-host.yaml", {{"host", "x86-01"}}},
      {"move-system.yaml", {{"system", "edu-portal"}, {"service", "10.20.1.15:443"}}},
      {"adopt-legacy.yaml",
       {{"host", "kvm-07"},
        {"domain", "oa-server"},
        {"tenant", "health"},
        {"system", "oa"},
        {"old", "10.9.0.7:443"},
        {"new", "10.20.3.7:443"}}},
  };
  size_t seen = 0;
  for (const auto& e :
       std::filesystem::directory_iterator(std::string(XC_SOURCE_DIR) + "/playbooks")) {
    if (e.path().extension() != ".yaml") continue;
    ++seen;
    std::string name = e.path().filename().string();
    INFO(name);
    REQUIRE(params.count(name));
    auto p = load_playbook(e.path().string(), params[name]);
    std::string errors;
    for (const auto& d : p.errors) errors += format_diagnostic(d) + "\n";
    CHECK(errors == "");
  }
  CHECK(seen == params.size());
}

}  // namespace
}  // namespace xc
