#include "tests/support/in_process_agent.h"

#include <doctest/doctest.h>

namespace xc::testing {
namespace {

class InProcessTransport : public AgentTransport {
 public:
  explicit InProcessTransport(RpcHandler handler) : handler_(std::move(handler)) {}
  Result<nlohmann::json> call(const nlohmann::json& request) override {
    // Through text, as over the wire: what the agent sends must parse.
    return nlohmann::json::parse(handler_(request).dump());
  }

 private:
  RpcHandler handler_;
};

}  // namespace

void InProcessFleet::add(const std::string& name, const TestHostOptions& options) {
  Host host;
  host.libvirt = std::make_unique<TestHost>(options);
  auto config = load_agent_config(host.libvirt->write_agent_config());
  REQUIRE_MESSAGE(config.ok(), config.status().message());
  auto conn = open_libvirt(host.libvirt->uri());
  REQUIRE_MESSAGE(conn.ok(), conn.status().message());
  host.conn = conn->get();
  host.service = std::make_unique<RpcService>(std::move(*conn), *config);
  std::lock_guard<std::mutex> lock(mutex_);
  hosts_[name] = std::move(host);
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
        return std::unique_ptr<AgentTransport>(
            std::make_unique<InProcessTransport>(it->second.service->handler()));
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

}  // namespace xc::testing
