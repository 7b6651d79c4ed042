#include "common/protocol_version.h"

#include <doctest/doctest.h>

#include "common/build_info.h"

using namespace xc;

namespace {

AgentIdentity agent(const std::string& protocol, const std::string& version = "0.1.9",
                    const std::string& arch = "aarch64") {
  return {version, "abc1234", arch, protocol};
}

}  // namespace

TEST_CASE("protocol versions are MAJOR.MINOR of small numbers") {
  CHECK(parse_protocol_version("1.1") == ProtocolVersion{1, 1});
  CHECK(parse_protocol_version("12.0") == ProtocolVersion{12, 0});
  for (const char* bad : {"", "1", "1.", ".1", "1.1.1", "a.b", "1.-1", "+1.1", "12345.1", " 1.1"})
    CHECK_MESSAGE(!parse_protocol_version(bad), bad);
  CHECK(ProtocolVersion{1, 10}.text() == "1.10");
  CHECK(ProtocolVersion{1, 10} > ProtocolVersion{1, 9});
}

TEST_CASE("a controller talks to agents of its own protocol, one minor older and newer minors") {
  const ProtocolVersion controller{1, 1};
  CHECK(check_agent_protocol("kp-01", agent("1.1"), controller).ok());
  CHECK(check_agent_protocol("kp-01", agent("1.0"), controller).ok());
  CHECK(check_agent_protocol("kp-01", agent("1.7"), controller).ok());
  CHECK(check_agent_protocol("kp-01", agent("2.3"), ProtocolVersion{2, 4}).ok());
}

TEST_CASE("an agent too old is refused naming both versions and the package to install") {
  const std::string v = build_info().version;
  Status s = check_agent_protocol("kp-01", agent("0.9"), ProtocolVersion{1, 1});
  CHECK(s.code() == Code::kFailedPrecondition);
  CHECK(s.message() == "agent 0.1.9 speaks protocol 0.9; xcloudctl " + v +
                           " speaks protocol 1.1 and talks to agents of protocol 1.0 to 1.x: "
                           "upgrade the agent on kp-01 to " +
                           v + " (xcloudctl host upgrade kp-01 --package xcloud-agent_" + v +
                           "_arm64.deb)");
  // Two minors behind is too old as well.
  CHECK(!check_agent_protocol("kp-01", agent("1.1"), ProtocolVersion{1, 3}).ok());
}

TEST_CASE("an agent too new is refused with the advice to upgrade xcloudctl") {
  const std::string v = build_info().version;
  Status s = check_agent_protocol("x86-01", agent("2.0", "1.0.0", "x86_64"), ProtocolVersion{1, 1});
  CHECK(s.message() == "agent 1.0.0 speaks protocol 2.0; xcloudctl " + v +
                           " speaks protocol 1.1 and talks to agents of protocol 1.0 to 1.x: "
                           "upgrade xcloudctl to the agent's version (1.0.0) or later");
}

TEST_CASE("an unreadable protocol is refused and shown escaped") {
  Status s = check_agent_protocol("x86-01", agent("one\n", "", "x86_64"), ProtocolVersion{1, 1});
  CHECK(s.code() == Code::kFailedPrecondition);
  CHECK(s.message().rfind("agent speaks protocol one\\n; xcloudctl ", 0) == 0);
  CHECK(s.message().find("xcloud-agent_" + build_info().version + "_amd64.deb") !=
        std::string::npos);
}

TEST_CASE("--version names the program, version, commit and build arch") {
  const BuildInfo& b = build_info();
  CHECK(version_line("xcloudctl") ==
        "xcloudctl " + b.version + " (commit " + b.commit + ", " + b.arch + ")");
  CHECK(!b.version.empty());
  CHECK(!b.commit.empty());
  CHECK(!b.arch.empty());
  CHECK(debian_architecture("x86_64") == "amd64");
  CHECK(debian_architecture("aarch64") == "arm64");
  CHECK(debian_architecture("riscv64") == "riscv64");
}
