#include "tests/support/in_process_agent.h"

#include <doctest/doctest.h>

namespace xc::testing {
namespace {

class InProcessTransport : public AgentTransport {
 public:
  InProcessTransport(RpcHandler handler, std::function<bool()> down)
      : handler_(std::move(handler)), down_(std::move(down)) {}
  Result<nlohmann::json> call(const nlohmann::json& request) override {
    // A host set down fails on a connection already open too.
    if (down_()) return error(Code::kUnavailable, "connection refused");
    // Through text, as over the wire: what the agent sends must parse.
    return nlohmann::json::parse(handler_(request).dump());
  }

 private:
  RpcHandler handler_;
  std::function<bool()> down_;
};

}  // namespace

void InProcessFleet::start_agent(Host& host) {
  auto config = load_agent_config(host.libvirt->write_agent_config());
  REQUIRE_MESSAGE(config.ok(), config.status().message());
  auto conn = open_libvirt(host.libvirt->uri());
  REQUIRE_MESSAGE(conn.ok(), conn.status().message());
  host.conn = conn->get();
  host.service = std::make_unique<RpcService>(std::move(*conn), *config);
}

void InProcessFleet::add(const std::string& name, const TestHostOptions& options) {
  Host host;
  host.libvirt = std::make_unique<TestHost>(options);
  start_agent(host);
  std::lock_guard<std::mutex> lock(mutex_);
  hosts_[name] = std::move(host);
}

void InProcessFleet::restart(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  start_agent(hosts_.at(name));
}

void InProcessFleet::set_down(const std::string& name, bool down) {
  std::lock_guard<std::mutex> lock(mutex_);
  hosts_.at(name).down = down;
}

HostClients::Connector InProcessFleet::connector() {
  return
      [this](const std::string& name, const HostSpec&) -> Result<std::unique_ptr<AgentTransport>> {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = hosts_.find(name);
        if (it == hosts_.end())
          return error(Code::kUnavailable, "host " + name + ": no such simulated host");
        if (it->second.down)
          return error(Code::kUnavailable, "host " + name + ": connection refused");
        RpcService* service = it->second.service.get();
        // Calls the host's current service: a restart() replaces it.
        // (Not during a call: a test restarts a host between calls.)
        RpcHandler handler = [this, name, service](const nlohmann::json& r) {
          RpcService* now = service;
          {
            std::lock_guard<std::mutex> again(mutex_);
            auto h = hosts_.find(name);
            if (h != hosts_.end()) now = h->second.service.get();
          }
          return now->reply(r);
        };
        auto down = [this, name] {
          std::lock_guard<std::mutex> again(mutex_);
          auto h = hosts_.find(name);
          return h == hosts_.end() || h->second.down;
        };
        return std::unique_ptr<AgentTransport>(
            std::make_unique<InProcessTransport>(std::move(handler), std::move(down)));
      };
}

virConnectPtr InProcessFleet::libvirt(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  return hosts_.at(name).conn;
}

nlohmann::json InProcessFleet::call(const std::string& name, const std::string& method,
                                    const nlohmann::json& params) {
  RpcService* service;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    service = hosts_.at(name).service.get();
  }
  return service->handle({{"id", 1}, {"method", method}, {"params", params}});
}

std::string InProcessFleet::dir(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  return hosts_.at(name).libvirt->dir();
}

}  // namespace xc::testing
