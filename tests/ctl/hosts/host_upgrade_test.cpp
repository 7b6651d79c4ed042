// The rolling upgrade's logic against fake hosts: the order of remote
// commands, quoting, the wait for the new version and the stop at the first
// failure. tests/e2e/host_upgrade.sh runs it over a real sshd.
#include "ctl/hosts/host_upgrade.h"

#include <doctest/doctest.h>

#include <istream>
#include <map>
#include <sstream>

#include "tests/support/temp_dir.h"

using namespace xc;

namespace {

// One fake host: answers hellos from a script and records every command.
struct FakeHost {
  std::vector<std::string> versions;  // what successive hellos answer; the last one repeats
  std::string arch = "x86_64";
  int install_exit = 0;
  std::vector<std::string> commands;
  std::string received;  // what was copied
  size_t hellos = 0;
};

class FakeSession : public UpgradeSession {
 public:
  explicit FakeSession(FakeHost& host) : host_(host) {}
  Result<AgentIdentity> hello() override {
    size_t i = std::min(host_.hellos++, host_.versions.size() - 1);
    if (host_.versions[i].empty()) return error(Code::kUnavailable, "connection refused");
    return AgentIdentity{host_.versions[i], "abc1234", host_.arch, "1.1"};
  }
  Result<RemoteRun> run(const std::string& command, std::istream* input, int) override {
    host_.commands.push_back(command);
    RemoteRun r{0, ""};
    if (command.find("mktemp") != std::string::npos) r.output = "/tmp/xcloud-upgrade.Ab12Cd34\n";
    if (input != nullptr) {
      std::stringstream copy;
      copy << input->rdbuf();
      host_.received = copy.str();
      r.output = std::to_string(host_.received.size()) + "\n";
    }
    if (command.rfind("install ", 0) == 0) {
      r.exit_status = host_.install_exit;
      if (r.exit_status != 0) r.output = "dpkg: error processing archive\n";
    }
    return r;
  }

 private:
  FakeHost& host_;
};

class RecordedProgress : public UpgradeProgress {
 public:
  void step(size_t index, size_t total, const std::string& host, const std::string& what) override {
    lines.push_back(std::to_string(index + 1) + "/" + std::to_string(total) + " " + host + ": " +
                    what);
  }
  std::vector<std::string> lines;
};

struct Roll {
  xc::test::TempDir dir;
  std::map<std::string, FakeHost> hosts;
  DebPackage package;
  RecordedProgress progress;
  int pauses = 0;

  Roll() {
    package.path = dir.file("xcloud-agent_0.2.1_amd64.deb", "!<arch>\npackage bytes");
    package.name = "xcloud-agent";
    package.version = "0.2.1-1";
    package.architecture = "amd64";
    package.size_bytes = 21;
  }

  std::vector<HostUpgrade> run(const std::vector<std::string>& names, int wait_polls = 5) {
    std::vector<UpgradeTarget> targets;
    for (const auto& n : names) {
      HostSpec spec;
      spec.transport = Transport::kSsh;
      targets.push_back({n, spec, "install {package}", "restart " + n});
    }
    UpgradeConnector connect = [this](const std::string& host,
                                      const HostSpec&) -> Result<std::unique_ptr<UpgradeSession>> {
      return std::unique_ptr<UpgradeSession>(std::make_unique<FakeSession>(hosts.at(host)));
    };
    UpgradeOptions options;
    options.wait_polls = wait_polls;
    options.pause = [this] { ++pauses; };
    return roll_upgrade(package, targets, connect, progress, options);
  }
};

}  // namespace

TEST_CASE("each host gets the package copied, installed, restarted, then answers the new version") {
  Roll roll;
  roll.hosts["h1"].versions = {"0.2.0", "0.2.0", "", "0.2.1"};
  auto results = roll.run({"h1"});
  REQUIRE(results.size() == 1);
  CHECK(results[0].status.ok());
  CHECK(results[0].before == "0.2.0");
  CHECK(results[0].after == "0.2.1");
  const FakeHost& h1 = roll.hosts["h1"];
  CHECK(h1.received == "!<arch>\npackage bytes");
  const std::string deb = "'/tmp/xcloud-upgrade.Ab12Cd34/xcloud-agent.deb'";
  CHECK(h1.commands == std::vector<std::string>{
                           "umask 077 && mktemp -d /tmp/xcloud-upgrade.XXXXXXXX",
                           "cat > " + deb + " && wc -c < " + deb,
                           "install " + deb,
                           "rm -rf -- '/tmp/xcloud-upgrade.Ab12Cd34'",
                           "restart h1",
                       });
  CHECK(h1.hellos == 4);  // before, then old, no answer, new
  CHECK(roll.pauses == 2);
  CHECK(roll.progress.lines.front() == "1/1 h1: connecting over SSH");
  CHECK(roll.progress.lines.back() == "1/1 h1: waiting for the agent to answer 0.2.1");
}

TEST_CASE("the roll stops at the first failing host and leaves the hosts after it alone") {
  Roll roll;
  roll.hosts["h1"].versions = {"0.2.0", "0.2.1"};
  roll.hosts["h2"].versions = {"0.2.0"};
  roll.hosts["h2"].install_exit = 1;
  roll.hosts["h3"].versions = {"0.2.0"};
  auto results = roll.run({"h1", "h2", "h3"});
  REQUIRE(results.size() == 3);
  CHECK(results[0].status.ok());
  CHECK(results[1].started);
  CHECK(results[1].status.message() ==
        "install (install '/tmp/xcloud-upgrade.Ab12Cd34/xcloud-agent.deb') failed (exit status "
        "1): dpkg: error processing archive");
  CHECK_FALSE(results[2].started);
  CHECK(roll.hosts["h3"].commands.empty());
  CHECK(roll.hosts["h3"].hellos == 0);
  // A failed install is cleaned up and never followed by a restart.
  CHECK(roll.hosts["h2"].commands.back() == "rm -rf -- '/tmp/xcloud-upgrade.Ab12Cd34'");
}

TEST_CASE("an agent that keeps answering the old version fails the host after the wait") {
  Roll roll;
  roll.hosts["h1"].versions = {"0.2.0"};
  auto results = roll.run({"h1"}, 3);
  CHECK(results[0].status.code() == Code::kUnavailable);
  CHECK(results[0].status.message() ==
        "installed, but the agent still answers 0.2.0, not 0.2.1, after 3 tries");
  CHECK(roll.pauses == 2);
}

TEST_CASE("a package for another architecture is refused before anything is copied") {
  Roll roll;
  roll.hosts["kp-01"].versions = {"0.2.0"};
  roll.hosts["kp-01"].arch = "aarch64";
  auto results = roll.run({"kp-01"});
  CHECK(results[0].status.message() ==
        "the package is for amd64 but the agent runs on aarch64; nothing was changed");
  CHECK(roll.hosts["kp-01"].commands.empty());
}

TEST_CASE("the copied package's path is quoted for the shell wherever {package} appears") {
  CHECK(expand_install_command("dpkg -i {package} && echo {package}", "/tmp/x'y") ==
        "dpkg -i '/tmp/x'\\''y' && echo '/tmp/x'\\''y'");
  CHECK(expand_install_command("dpkg -i {package}", "$(reboot)") == "dpkg -i '$(reboot)'");
}

TEST_CASE("a Host's ssh.installCommand and ssh.restartCommand default to dpkg and systemd") {
  HostSpec spec;
  UpgradeTarget plain = upgrade_target("h1", spec, {{"spec", {{"ssh", {{"port", 22}}}}}});
  CHECK(plain.install_command == "dpkg -i {package}");
  CHECK(plain.restart_command ==
        "if systemctl is-active --quiet xcloud-agent; then systemctl restart xcloud-agent; fi");
  UpgradeTarget set = upgrade_target(
      "h1", spec,
      {{"spec",
        {{"ssh",
          {{"installCommand", "apt-get install -y {package}"}, {"restartCommand", "true"}}}}}});
  CHECK(set.install_command == "apt-get install -y {package}");
  CHECK(set.restart_command == "true");
}

TEST_CASE("control fields and Debian versions are read as dpkg writes them") {
  DebPackage p;
  CHECK(
      parse_control_fields("Package: xcloud-agent\nVersion: 1:0.2.1-1\nArchitecture: arm64\n", p));
  CHECK(p.name == "xcloud-agent");
  CHECK(p.architecture == "arm64");
  CHECK(upstream_version(p.version) == "0.2.1");
  CHECK(upstream_version("0.2.1") == "0.2.1");
  CHECK(upstream_version("0.2.1-rc1-3") == "0.2.1-rc1");
  DebPackage empty;
  CHECK_FALSE(parse_control_fields("Architecture: arm64\n", empty));
  auto missing = read_deb_package("/nonexistent/xcloud-agent.deb");
  CHECK(missing.status().message() == "--package /nonexistent/xcloud-agent.deb: no such file");
}
