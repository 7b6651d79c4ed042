// Rolling upgrade of agents over SSH: one host at a time, copy the package,
// run the host's install command, then its restart command, and wait until
// the agent answers with the package's version; the roll stops at the first
// failure. The engine does not print: progress goes through UpgradeProgress.
// Not thread-safe; one roll at a time.
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/model.h"
#include "common/protocol_version.h"
#include "ctl/hosts/deb_package.h"
#include "ctl/hosts/pki_files.h"
#include "ctl/hosts/ssh_transport.h"

namespace xc {

// One host as the upgrade reaches it.
class UpgradeSession {
 public:
  virtual ~UpgradeSession() = default;
  // The agent that answers now, over a new connection (over SSH, a newly
  // started agent process, so an installed binary answers at once).
  virtual Result<AgentIdentity> hello() = 0;
  // Runs a shell command on the host (see SshTransport::run).
  virtual Result<RemoteRun> run(const std::string& command, std::istream* input,
                                int timeout_seconds) = 0;
};

using UpgradeConnector = std::function<Result<std::unique_ptr<UpgradeSession>>(
    const std::string& host, const HostSpec& spec)>;

// Over SSH as the Host says, with the state's known_hosts and key.
UpgradeConnector ssh_upgrade_connector(const PkiFiles& pki);

inline constexpr const char* kDefaultInstallCommand = "dpkg -i {package}";
// Only a host that runs the TLS daemon has a unit to restart; over SSH each
// connection starts the newly installed agent anyway.
inline constexpr const char* kDefaultRestartCommand =
    "if systemctl is-active --quiet xcloud-agent; then systemctl restart xcloud-agent; fi";

struct UpgradeTarget {
  std::string host;
  HostSpec spec;
  // The Host's ssh.installCommand ({package} becomes the copied package's
  // quoted path) and ssh.restartCommand.
  std::string install_command = kDefaultInstallCommand;
  std::string restart_command = kDefaultRestartCommand;
};

// A target from a stored Host manifest (JSON, as applied): its spec and its
// ssh.installCommand and ssh.restartCommand, or the defaults.
UpgradeTarget upgrade_target(const std::string& host, const HostSpec& spec,
                             const nlohmann::json& manifest);

class UpgradeProgress {
 public:
  virtual ~UpgradeProgress() = default;
  // `what` is one step on host `index` (0-based) of `total`: "copying ...".
  virtual void step(size_t index, size_t total, const std::string& host,
                    const std::string& what) = 0;
};

struct UpgradeOptions {
  int wait_polls = 120;               // hellos while waiting for the new version
  int command_timeout_seconds = 600;  // each remote command
  std::function<void()> pause;        // between two hellos; default: one second
};

struct HostUpgrade {
  std::string host;
  std::string before;  // the version that answered before, "" when none did
  std::string after;   // the version that answers now
  Status status;
  bool started = false;  // false: the roll stopped before this host
};

// Runs one host's upgrade (`work`, which fills `result`) and returns its
// Status: the CLI wraps it in an audit record. Null: work() alone.
using UpgradeWrapper = std::function<Status(const UpgradeTarget&, const HostUpgrade& result,
                                            const std::function<Status()>& work)>;

// Upgrades `targets` in order with `package`; every host after a failed one
// is left alone (started = false).
std::vector<HostUpgrade> roll_upgrade(const DebPackage& package,
                                      const std::vector<UpgradeTarget>& targets,
                                      const UpgradeConnector& connect, UpgradeProgress& progress,
                                      const UpgradeOptions& options,
                                      const UpgradeWrapper& around = nullptr);

// `command` with every {package} replaced by shell_quote(path).
std::string expand_install_command(const std::string& command, const std::string& path);

}  // namespace xc
