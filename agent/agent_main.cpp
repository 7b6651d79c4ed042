#include "agent/agent_main.h"

#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <mutex>
#include <thread>

#include "agent/agent_config.h"
#include "agent/connection_watch.h"
#include "agent/identity_install.h"
#include "agent/rpc_service.h"
#include "agent/stdio_server.h"
#include "agent/storage_pool.h"
#include "agent/tls_server.h"
#include "common/build_info.h"

namespace xc {
namespace {

// Stops the server on SIGTERM or SIGINT: the signals are blocked in every
// thread and received by one waiting thread, so stop() runs outside a handler.
std::thread stop_on_signals(TlsServer& server, RpcService& service) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return std::thread([set, &server, &service] {
    int sig = 0;
    sigwait(&set, &sig);
    service.stop_events();  // long-polls answer now instead of holding workers
    server.stop();
  });
}

// Why libvirt closed the agent's connection, set once from libvirt's event
// loop thread and read by the main thread after the server stopped.
class LostConnection {
 public:
  void set(const std::string& why) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (why_.empty()) why_ = why;
  }
  std::string why() {
    std::lock_guard<std::mutex> lock(mutex_);
    return why_;
  }

 private:
  std::mutex mutex_;
  std::string why_;
};

// The service on a new libvirt connection; `on_close` runs if libvirt closes
// it later (not for drivers without a daemon, such as test:///).
Result<std::unique_ptr<RpcService>> make_service(const std::string& config_path,
                                                 std::function<void(const std::string&)> on_close) {
  auto config = load_agent_config(config_path);
  if (!config.ok()) return config.status();
  auto conn = open_libvirt(config->libvirt_uri);
  if (!conn.ok()) return conn.status();
  (void)watch_connection(conn->get(), std::move(on_close));
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
  app.set_version_flag("--version", version_line("xcloud-agent"));
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
    sigset_t set;  // block before any thread starts (libvirt's event loop too), so all inherit it
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    auto config = load_agent_config(config_path);
    LostConnection lost;
    // The waiter thread stops the server as on SIGTERM; run() then returns
    // and the agent exits 1, so that systemd restarts it.
    auto service = make_service(config_path, [&lost](const std::string& why) {
      lost.set(why);
      ::kill(::getpid(), SIGTERM);
    });
    if (!config.ok() || !service.ok()) {
      std::cerr << "xcloud-agent: " << (config.ok() ? service.status() : config.status()).message()
                << "\n";
      exit_code = 1;
      return;
    }
    TlsServerConfig tls;
    tls.listen_address = config->listen;
    tls.port = config->port;
    tls.cert_path = config->tls_cert;
    tls.key_path = config->tls_key;
    tls.ca_path = config->tls_ca;
    auto finished = finish_identity_install(
        {tls.cert_path, tls.key_path, tls.ca_path},
        std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()));
    if (!finished.ok() || !finished->empty())
      std::cerr << "xcloud-agent: " << (finished.ok() ? *finished : finished.status().message())
                << "\n";
    auto server = TlsServer::create(tls, (*service)->handler(), std::cerr,
                                    [] { return std::chrono::system_clock::now(); });
    if (!server.ok()) {
      std::cerr << "xcloud-agent: " << server.status().message() << "\n";
      exit_code = 1;
      return;
    }
    RpcService* svc = service->get();
    TlsServer* tls_server = server->get();
    svc->set_identity_reloader([tls_server] { return tls_server->reload_identity(); });
    (*server)->set_console_opener(
        [svc](const nlohmann::json& params) { return svc->open_console(params); });
    (*server)->set_metrics_source([svc] { return svc->prometheus_metrics(); });
    (*server)->set_volume_stream_opener(
        [svc](const std::string& ticket) { return svc->open_volume_stream(ticket); });
    (*server)->set_byte_handler(
        [svc](const std::string& method, const nlohmann::json& params, const std::string& input) {
          return svc->call_bytes(method, params, input);
        });
    // Start-up (config, libvirt connection, certificate checks) leaves freed
    // heap that glibc would keep for the agent's lifetime.
    malloc_trim(0);
    std::thread waiter = stop_on_signals(**server, *svc);
    if (!svc->events_error().empty())
      std::cerr << "xcloud-agent: warning: lifecycle events are not collected: "
                << svc->events_error() << "\n";
    std::cerr << "xcloud-agent: serving " << config->libvirt_uri << " on " << config->listen << ":"
              << (*server)->port() << "\n";
    (*server)->run();
    if (waiter.joinable()) {
      pthread_kill(waiter.native_handle(), SIGTERM);  // wake it if run() ended by itself
      waiter.join();
    }
    if (std::string why = lost.why(); !why.empty()) {
      std::cerr << "xcloud-agent: " << why << "; exiting so that a restart opens a new one\n";
      exit_code = 1;
    }
  });
  rpc->callback([&] {
    // One SSH session: without libvirt there is nothing left to answer, and
    // the controller's next call starts a new agent.
    auto service = make_service(config_path, [](const std::string& why) {
      std::cerr << "xcloud-agent: " << why << "; exiting" << std::endl;
      std::_Exit(1);
    });
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
