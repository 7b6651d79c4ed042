#include "ctl/hosts/host_upgrade.h"

#include <chrono>
#include <fstream>
#include <regex>
#include <thread>

#include "common/build_info.h"
#include "common/printable.h"
#include "common/shell_quote.h"
#include "ctl/hosts/agent_hello.h"
#include "ctl/hosts/host_clients.h"

namespace xc {
namespace {

class SshUpgradeSession : public UpgradeSession {
 public:
  SshUpgradeSession(std::string host, SshTransportConfig agent, std::unique_ptr<SshTransport> shell)
      : host_(std::move(host)), agent_(std::move(agent)), shell_(std::move(shell)) {}

  Result<AgentIdentity> hello() override {
    auto transport = SshTransport::create(agent_);
    if (!transport.ok()) return transport.status();
    return hello_agent(**transport, host_);
  }

  Result<RemoteRun> run(const std::string& command, std::istream* input,
                        int timeout_seconds) override {
    return shell_->run(command, input, timeout_seconds);
  }

 private:
  std::string host_;
  SshTransportConfig agent_;
  std::unique_ptr<SshTransport> shell_;
};

// The end of a command's output as one line, for a message.
std::string output_tail(const std::string& output) {
  std::string text = one_line(output.size() > 400 ? output.substr(output.size() - 400) : output);
  return text.empty() ? "" : ": " + text;
}

std::string trimmed(const std::string& text) {
  size_t end = text.find_last_not_of(" \t\r\n");
  return end == std::string::npos ? "" : text.substr(0, end + 1);
}

std::string mib(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return text;
}

// A remote command that ran but failed: "install failed (exit status 1): ...".
Status remote_failure(const std::string& what, const Result<RemoteRun>& ran) {
  if (!ran.ok()) return error(ran.status().code(), what + " failed: " + ran.status().message());
  return error(Code::kFailedPrecondition, what + " failed (exit status " +
                                              std::to_string(ran->exit_status) + ")" +
                                              output_tail(ran->output));
}

Status upgrade_host(const DebPackage& package, const UpgradeTarget& target, size_t index,
                    size_t total, const UpgradeConnector& connect, UpgradeProgress& progress,
                    const UpgradeOptions& options, HostUpgrade& out) {
  auto say = [&](const std::string& what) { progress.step(index, total, target.host, what); };
  const int timeout = options.command_timeout_seconds;
  const std::string want = upstream_version(package.version);
  say("connecting over SSH");
  auto connected = connect(target.host, target.spec);
  if (!connected.ok()) return connected.status();
  UpgradeSession& session = **connected;

  auto before = session.hello();
  if (before.ok()) {
    out.before = before->version.empty() ? "of protocol " + before->protocol : before->version;
    if (!before->arch.empty() && package.architecture != "all" &&
        debian_architecture(before->arch) != package.architecture)
      return error(Code::kFailedPrecondition, "the package is for " + package.architecture +
                                                  " but the agent runs on " + before->arch +
                                                  "; nothing was changed");
    say("agent " + out.before + " answers; upgrading to " + want);
  } else {
    say("the agent does not answer (" + before.status().message() + "); upgrading to " + want);
  }

  auto made = session.run("umask 077 && mktemp -d /tmp/xcloud-upgrade.XXXXXXXX", nullptr, timeout);
  std::string dir = made.ok() ? trimmed(made->output) : "";
  static const std::regex kTempDir("/tmp/xcloud-upgrade\\.[A-Za-z0-9]{8}");
  if (!made.ok() || made->exit_status != 0 || !std::regex_match(dir, kTempDir))
    return remote_failure("making a directory for the package", made);
  const std::string remote = dir + "/xcloud-agent.deb";
  auto cleanup = [&] { (void)session.run("rm -rf -- " + shell_quote(dir), nullptr, timeout); };

  say("copying " + printable(package.shown.empty() ? package.path : package.shown) + " (" +
      mib(package.size_bytes) + ")");
  std::ifstream file(package.path, std::ios::binary);
  if (!file) {
    cleanup();
    return error(Code::kIo, "cannot read " + printable(package.path));
  }
  auto copied = session.run("cat > " + shell_quote(remote) + " && wc -c < " + shell_quote(remote),
                            &file, timeout);
  if (!copied.ok() || copied->exit_status != 0 ||
      trimmed(copied->output) != std::to_string(package.size_bytes)) {
    cleanup();
    return remote_failure("copying the package", copied);
  }

  std::string install = expand_install_command(target.install_command, remote);
  say("installing: " + install);
  auto installed = session.run(install, nullptr, timeout);
  cleanup();
  if (!installed.ok() || installed->exit_status != 0)
    return remote_failure("install (" + install + ")", installed);

  say("restarting the agent: " + target.restart_command);
  auto restarted = session.run(target.restart_command, nullptr, timeout);
  if (!restarted.ok() || restarted->exit_status != 0)
    return remote_failure("restart (" + target.restart_command + ")", restarted);

  say("waiting for the agent to answer " + want);
  std::string last = "no answer";
  for (int poll = 0; poll < options.wait_polls; ++poll) {
    if (poll > 0)
      options.pause ? options.pause() : std::this_thread::sleep_for(std::chrono::seconds(1));
    auto now = session.hello();
    if (!now.ok()) {
      last = "no answer (" + now.status().message() + ")";
      continue;
    }
    last = now->version.empty() ? "protocol " + now->protocol : now->version;
    if (now->version != want) continue;
    out.after = now->version;
    Status usable = check_agent_protocol(target.host, *now);
    if (!usable.ok())
      return error(usable.code(),
                   "installed, but this xcloudctl cannot talk to it: " + usable.message());
    return {};
  }
  return error(Code::kUnavailable, "installed, but the agent still answers " + printable(last) +
                                       ", not " + want + ", after " +
                                       std::to_string(options.wait_polls) + " tries");
}

}  // namespace

UpgradeConnector ssh_upgrade_connector(const PkiFiles& pki) {
  return [pki](const std::string& host,
               const HostSpec& spec) -> Result<std::unique_ptr<UpgradeSession>> {
    SshTransportConfig agent = ssh_config_for(pki, spec);
    SshTransportConfig shell = agent;
    shell.remote_command = "true";  // the session's own channel; commands get channels of their own
    auto transport = SshTransport::create(shell);
    if (!transport.ok()) return transport.status();
    return std::unique_ptr<UpgradeSession>(
        std::make_unique<SshUpgradeSession>(host, agent, std::move(*transport)));
  };
}

std::vector<HostUpgrade> roll_upgrade(const DebPackage& package,
                                      const std::vector<UpgradeTarget>& targets,
                                      const UpgradeConnector& connect, UpgradeProgress& progress,
                                      const UpgradeOptions& options, const UpgradeWrapper& around) {
  std::vector<HostUpgrade> out;
  bool stopped = false;
  for (size_t i = 0; i < targets.size(); ++i) {
    HostUpgrade h;
    h.host = targets[i].host;
    if (!stopped) {
      h.started = true;
      auto work = [&] {
        return upgrade_host(package, targets[i], i, targets.size(), connect, progress, options, h);
      };
      h.status = around ? around(targets[i], h, work) : work();
      stopped = !h.status.ok();
    }
    out.push_back(std::move(h));
  }
  return out;
}

UpgradeTarget upgrade_target(const std::string& host, const HostSpec& spec,
                             const nlohmann::json& manifest) {
  UpgradeTarget t{host, spec};
  const nlohmann::json* ssh = nullptr;
  if (manifest.is_object() && manifest.contains("spec") && manifest["spec"].is_object() &&
      manifest["spec"].contains("ssh") && manifest["spec"]["ssh"].is_object())
    ssh = &manifest["spec"]["ssh"];
  if (ssh != nullptr) {
    auto text = [&](const char* key, std::string& into) {
      auto it = ssh->find(key);
      if (it != ssh->end() && it->is_string()) into = it->get<std::string>();
    };
    text("installCommand", t.install_command);
    text("restartCommand", t.restart_command);
  }
  return t;
}

std::string expand_install_command(const std::string& command, const std::string& path) {
  static const std::string kPlaceholder = "{package}";
  std::string out;
  size_t from = 0;
  for (size_t at; (at = command.find(kPlaceholder, from)) != std::string::npos;) {
    out += command.substr(from, at - from) + shell_quote(path);
    from = at + kPlaceholder.size();
  }
  return out + command.substr(from);
}

}  // namespace xc
