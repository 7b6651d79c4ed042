#include "agent/agent_main.h"

#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <iostream>
#include <thread>

#include "agent/agent_config.h"
#include "agent/rpc_service.h"
#include "agent/stdio_server.h"
#include "agent/storage_pool.h"
#include "agent/tls_server.h"

namespace xc {
namespace {

// Stops the server on SIGTERM or SIGINT: the signals are blocked in every
// thread and received by one waiting thread, so stop() runs outside a handler.
std::thread stop_on_signals(TlsServer& server) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return std::thread([set, &server] {
    int sig = 0;
    sigwait(&set, &sig);
    server.stop();
  });
}

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
  // glibc gives each worker thread its own malloc arena and never returns
  // them; two arenas keep the agent's memory flat under many connections.
  mallopt(M_ARENA_MAX, 2);
  CLI::App app{
      "xcloud-agent: the per-host agent that manages VMs, disks, networks and accelerators through "
      "libvirt."};
  app.name("xcloud-agent");
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("xcloud-agent ") + XCLOUD_VERSION);
  app.footer(
      "Examples:\n  xcloud-agent serve --config /etc/xcloud/agent.yaml\n"
      "  echo '{\"id\":1,\"method\":\"host.facts\"}' | xcloud-agent rpc --config agent.yaml");
  std::string config_path = "/etc/xcloud/agent.yaml";
  auto* rpc =
      app.add_subcommand("rpc", "Serve line-delimited JSON requests on stdin/stdout (for SSH)");
  rpc->add_option("-c,--config", config_path, "Agent configuration file")->capture_default_str();
  auto* serve = app.add_subcommand("serve", "Serve xcloudctl over HTTPS with mutual TLS");
  serve->add_option("-c,--config", config_path, "Agent configuration file")->capture_default_str();
  int exit_code = 0;
  serve->callback([&] {
    auto config = load_agent_config(config_path);
    auto service = make_service(config_path);
    if (!config.ok() || !service.ok()) {
      std::cerr << "xcloud-agent: " << (config.ok() ? service.status() : config.status()).message()
                << "\n";
      exit_code = 1;
      return;
    }
    sigset_t set;  // block before any thread starts, so all inherit the mask
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    TlsServerConfig tls;
    tls.listen_address = config->listen;
    tls.port = config->port;
    tls.cert_path = config->tls_cert;
    tls.key_path = config->tls_key;
    tls.ca_path = config->tls_ca;
    auto server = TlsServer::create(tls, (*service)->handler(), std::cerr,
                                    [] { return std::chrono::system_clock::now(); });
    if (!server.ok()) {
      std::cerr << "xcloud-agent: " << server.status().message() << "\n";
      exit_code = 1;
      return;
    }
    RpcService* svc = service->get();
    (*server)->set_console_opener(
        [svc](const nlohmann::json& params) { return svc->open_console(params); });
    // Start-up (config, libvirt connection, certificate checks) leaves freed
    // heap that glibc would keep for the agent's lifetime.
    malloc_trim(0);
    std::thread waiter = stop_on_signals(**server);
    std::cerr << "xcloud-agent: serving " << config->libvirt_uri << " on " << config->listen << ":"
              << (*server)->port() << "\n";
    (*server)->run();
    if (waiter.joinable()) {
      pthread_kill(waiter.native_handle(), SIGTERM);  // wake it if run() ended by itself
      waiter.join();
    }
  });
  rpc->callback([&] {
    auto service = make_service(config_path);
    if (!service.ok()) {
      std::cerr << "xcloud-agent: " << service.status().message() << "\n";
      exit_code = 1;
      return;
    }
    RpcService* svc = service->get();
    StdioConsole console;
    console.open = [svc](const nlohmann::json& params) { return svc->open_console(params); };
    exit_code = serve_stdio((*service)->handler(), std::cin, std::cout, &console);
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
