#include "agent/agent_main.h"

#include <iostream>

#include <CLI/CLI.hpp>

#include "agent/agent_config.h"
#include "agent/rpc_service.h"
#include "agent/stdio_server.h"
#include "agent/storage_pool.h"

namespace xc {
namespace {

Result<std::unique_ptr<RpcService>> make_service(const std::string& config_path) {
  auto config = load_agent_config(config_path);
  if (!config.ok()) return config.status();
  auto conn = open_libvirt(config->libvirt_uri);
  if (!conn.ok()) return conn.status();
  auto service = std::make_unique<RpcService>(std::move(*conn), *config);
  return service;
}

}  // namespace

int run_agent(int argc, char** argv) {
  CLI::App app{"xcloud-agent: the per-host agent that manages VMs, disks, networks and accelerators through libvirt."};
  app.name("xcloud-agent");
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("xcloud-agent ") + XCLOUD_VERSION);
  app.footer("Examples:\n  xcloud-agent serve --config /etc/xcloud/agent.yaml\n"
             "  echo '{\"id\":1,\"method\":\"host.facts\"}' | xcloud-agent rpc --config agent.yaml");
  std::string config_path = "/etc/xcloud/agent.yaml";
  auto* rpc = app.add_subcommand("rpc", "Serve line-delimited JSON requests on stdin/stdout (for SSH)");
  rpc->add_option("-c,--config", config_path, "Agent configuration file")->capture_default_str();
  int exit_code = 0;
  rpc->callback([&] {
    auto service = make_service(config_path);
    if (!service.ok()) {
      std::cerr << "xcloud-agent: " << service.status().message() << "\n";
      exit_code = 1;
      return;
    }
    exit_code = serve_stdio((*service)->handler(), std::cin, std::cout);
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return exit_code;
}

}  // namespace xc
