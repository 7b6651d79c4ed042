// Simulated hosts reached in-process: each host is a libvirt test:/// driver
// behind a real RpcService, and HostClients talks to it through a transport
// that calls the service's handler directly (no sockets, no TLS). Apply, the
// executor and the planner run through it exactly as through the network.
// The fleet must outlive the HostClients it connects; calls are thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "agent/rpc_service.h"
#include "ctl/hosts/host_clients.h"
#include "tests/support/test_host.h"

namespace xc::testing {

class InProcessFleet {
 public:
  // Adds a simulated host named `name` (its Host manifest must use that name).
  void add(const std::string& name, const TestHostOptions& options = {});
  // A new agent run on the host (a new boot id, an empty event ring) and a
  // new libvirt connection: the test:/// driver starts again from its file,
  // as a real agent restart on a simulated host does.
  void restart(const std::string& name);
  // Marks a host unreachable: connecting to it, and calls on connections
  // already open, fail like a dead network.
  void set_down(const std::string& name, bool down);
  // A connector for HostClients(connector, per_host).
  HostClients::Connector connector();
  // The host's own libvirt connection (a test:/// driver's state is private to
  // its connection): to change a domain behind xcloud's back, as virsh would.
  virConnectPtr libvirt(const std::string& name);
  // The host's own directory (its agent's storageDir is "<dir>/disks").
  std::string dir(const std::string& name);
  // Calls the host's agent directly (to look at or change a host behind xcloud's back).
  nlohmann::json call(const std::string& name, const std::string& method,
                      const nlohmann::json& params = {});

 private:
  struct Host {
    std::unique_ptr<TestHost> libvirt;
    std::unique_ptr<RpcService> service;
    virConnectPtr conn = nullptr;  // owned by the service
    bool down = false;
  };
  // A new RpcService (and libvirt connection) for the host.
  static void start_agent(Host& host);
  std::mutex mutex_;
  std::map<std::string, Host> hosts_;
};

}  // namespace xc::testing
