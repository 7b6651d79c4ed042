// xcloudctl console NAME: a VM's VNC console on a local port, or with
// --serial its serial console on this terminal, tunnelled through the agent's
// mutual-TLS port or an SSH channel, as the host is reached. Every session (each VNC connection) is
// audited when it opens and when it closes (bytes and duration). CLI wiring; sessions run on their
// own threads, their audit records are written one at a time.
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <charconv>
#include <cstring>
#include <iomanip>
#include <list>
#include <mutex>
#include <sstream>
#include <thread>

#include "common/byte_pump.h"
#include "common/printable.h"
#include "ctl/audit/audit_log.h"
#include "ctl/cli/audit_commands.h"
#include "ctl/cli/cli.h"
#include "ctl/cli/duration_option.h"
#include "ctl/cli/vm_target.h"
#include "ctl/hosts/console_link.h"
#include "ctl/hosts/host_clients.h"
#include "ctl/hosts/pki_files.h"

namespace xc {
namespace {

constexpr char kEscape = 0x1d;  // Ctrl-]

std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) {
  g_stop = true;
}

struct ConsoleOptions {
  std::string name, tenant, listen = "127.0.0.1:5900";
  bool serial = false, once = false;
  int sessions = 4;
};

// "127.0.0.1:5900", "[::1]:0", "localhost:5901" -> a listening socket; only
// loopback addresses: the tunnel's local end has no authentication of its own.
Result<int> listen_loopback(const std::string& text, int& bound_port) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) return error(Code::kInvalidArgument, "expected HOST:PORT");
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  int port = -1;
  auto [p, ec] = std::from_chars(text.data() + colon + 1, text.data() + text.size(), port);
  if (ec != std::errc() || p != text.data() + text.size() || port < 0 || port > 65535)
    return error(Code::kInvalidArgument, "expected HOST:PORT with a port from 0 to 65535");
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0)
    return error(Code::kInvalidArgument, "cannot resolve " + host);
  int fd = -1;
  std::string refusal;
  for (addrinfo* ai = found; ai != nullptr && fd < 0; ai = ai->ai_next) {
    bool loopback =
        (ai->ai_family == AF_INET &&
         (ntohl(reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr.s_addr) >> 24) == 127) ||
        (ai->ai_family == AF_INET6 &&
         IN6_IS_ADDR_LOOPBACK(&reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr));
    if (!loopback) {
      refusal = "not a loopback address (the local end of the tunnel has no password)";
      continue;
    }
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (fd >= 0 && (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, 8) != 0)) {
      refusal = std::string("cannot listen: ") + std::strerror(errno);
      ::close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  if (fd < 0) return error(Code::kInvalidArgument, refusal.empty() ? "cannot listen" : refusal);
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  bound_port = ntohs(addr.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6&>(addr).sin6_port
                                                : reinterpret_cast<sockaddr_in&>(addr).sin_port);
  return fd;
}

// One VM's console: the tunnel's opening and the audit records around each
// session. Thread-safe: records are written under a mutex.
class ConsoleSessions {
 public:
  ConsoleSessions(CliContext& ctx, Store& store, AuditIdentity who, VmTarget vm, PkiFiles pki,
                  HostSpec host, std::string type)
      : ctx_(ctx),
        log_(store),
        who_(std::move(who)),
        vm_(std::move(vm)),
        pki_(std::move(pki)),
        host_(std::move(host)),
        type_(std::move(type)) {}

  // Opens a tunnel, audited "console-open" (ok or error).
  Result<std::unique_ptr<ConsoleLink>> open(const std::string& from) {
    auto tunnel = open_console_link(pki_, host_, vm_.domain, type_);
    AuditRecord r = record("console-open");
    r.message = type_ + " console via host " + vm_.host + " (" + transport_name() + "), domain " +
                vm_.domain + (from.empty() ? "" : ", local client " + from);
    write(r, tunnel.ok() ? Status{} : tunnel.status());
    return tunnel;
  }

  // The end of a session, audited "console-close" with its bytes and duration.
  void closed(const PumpResult& p) {
    AuditRecord r = record("console-close");
    r.message = type_ + " console via host " + vm_.host + " (" + transport_name() +
                "): " + std::to_string(p.to_remote) + " bytes to the guest, " +
                std::to_string(p.from_remote) + " from it, " + seconds_text(p.elapsed) + ", " +
                pump_end_text(p.end);
    write(r, {});
  }

 private:
  AuditRecord record(const std::string& action) {
    AuditRecord r = who_.record("VirtualMachine", vm_.record.tenant, vm_.record.name, action);
    r.hash_before = r.hash_after = vm_.record.spec_hash;
    return r;
  }
  std::string transport_name() const { return host_.transport == Transport::kSsh ? "ssh" : "tls"; }
  void write(AuditRecord r, const Status& failure) {
    std::lock_guard<std::mutex> lock(mutex_);
    r.result = failure.ok() ? kAuditOk : kAuditError;
    if (!failure.ok()) r.message += ": " + failure.message();
    auto written = log_.append(r);
    if (!written.ok()) print_error(ctx_, "audit record not written: " + written.status().message());
  }

  CliContext& ctx_;
  AuditLog log_;
  AuditIdentity who_;
  VmTarget vm_;
  PkiFiles pki_;
  HostSpec host_;
  std::string type_;
  std::mutex mutex_;
};

// The terminal in raw mode while the serial console runs, restored after.
class RawTerminal {
 public:
  RawTerminal() {
    if (!::isatty(STDIN_FILENO) || ::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios raw = saved_;
    ::cfmakeraw(&raw);
    active_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
  }
  ~RawTerminal() {
    if (active_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  bool active() const { return active_; }

 private:
  termios saved_{};
  bool active_ = false;
};

void run_serial(CliContext& ctx, ConsoleSessions& sessions, const std::string& key) {
  auto tunnel = sessions.open("");
  if (!tunnel.ok()) return fail(ctx, "console " + key + ": " + tunnel.status().message(), 1);
  RawTerminal terminal;
  ctx.err << "Connected to the serial console of " << printable(key)
          << (terminal.active() ? " (Ctrl-] ends it)" : "") << "\r\n"
          << std::flush;
  FdChannel local(STDIN_FILENO, STDOUT_FILENO);
  PumpResult p =
      pump(local, (*tunnel)->channel(), PumpLimits{}, &g_stop, terminal.active() ? kEscape : -1);
  sessions.closed(p);
  ctx.err << "\r\nSerial console closed: " << pump_end_text(p.end) << "\n";
}

void run_vnc(CliContext& ctx, ConsoleSessions& sessions, const ConsoleOptions& o,
             const std::string& key, const std::string& host) {
  int port = 0;
  auto listener = listen_loopback(o.listen, port);
  if (!listener.ok())
    return fail(ctx, "--listen " + o.listen + ": " + listener.status().message(), 2);
  std::string shown = o.listen.substr(0, o.listen.rfind(':')) + ":" + std::to_string(port);
  ctx.out << "VNC console of " << printable(key) << " (host " << printable(host) << ") on " << shown
          << "; point a VNC viewer there. Ctrl-C ends."
          << "\n"
          << std::flush;
  std::atomic<int> active{0};
  std::list<std::thread> threads;
  bool served = false;
  while (!g_stop && !(o.once && served)) {
    pollfd p{*listener, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    sockaddr_storage from{};
    socklen_t len = sizeof from;
    int client = ::accept4(*listener, reinterpret_cast<sockaddr*>(&from), &len, SOCK_CLOEXEC);
    if (client < 0) continue;
    if (active.load() >= o.sessions) {
      print_error(ctx, "refused a connection: " + std::to_string(o.sessions) +
                           " sessions are open (--sessions)");
      ::close(client);
      continue;
    }
    served = true;
    ++active;
    char name[INET6_ADDRSTRLEN] = "";
    int from_port = 0;
    if (from.ss_family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in&>(from).sin_addr, name, sizeof name);
      from_port = ntohs(reinterpret_cast<sockaddr_in&>(from).sin_port);
    } else {
      inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6&>(from).sin6_addr, name, sizeof name);
      from_port = ntohs(reinterpret_cast<sockaddr_in6&>(from).sin6_port);
    }
    std::string peer = std::string(name) + ":" + std::to_string(from_port);
    threads.emplace_back([&ctx, &sessions, &active, client, peer, key] {
      auto tunnel = sessions.open(peer);
      if (tunnel.ok()) {
        FdChannel local(client, client);
        PumpResult p = pump(local, (*tunnel)->channel(), PumpLimits{}, &g_stop);
        sessions.closed(p);
      } else {
        print_error(ctx, "console " + key + ": " + tunnel.status().message());
        ctx.exit_code = kExitFailure;
      }
      ::close(client);
      --active;
    });
  }
  ::close(*listener);
  for (auto& t : threads) t.join();
}

void run_console(CliContext& ctx, const ConsoleOptions& o, const CLI::App& cmd) {
  if (o.sessions < 1 || o.sessions > 64) return fail(ctx, "--sessions: expected 1 to 64", 2);
  auto state = resolve_state_path(ctx);
  if (!state.ok()) return fail(ctx, state.status().message(), kExitUsage);
  // No state lock: a session may last hours and must not hold up applies.
  // Each audit append is its own transaction, safe beside other writers.
  auto store = open_store(*state, OpenMode::kExisting);
  if (!store.ok()) return fail(ctx, store.status().message(), kExitFailure);
  auto vm = find_vm(**store, o.name, o.tenant);
  if (!vm.ok())
    return fail(
        ctx, vm.status().message(),
        vm.status().code() == Code::kNotFound || vm.status().code() == Code::kInvalidArgument
            ? kExitUsage
            : kExitFailure);
  const std::string key = object_key(vm->record.tenant, vm->record.name);
  if (vm->host.empty()) return fail(ctx, "VM " + key + " is not placed on any host", 1);
  auto host = (*store)->get_host(vm->host);
  if (!host.ok()) return fail(ctx, "host " + vm->host + ": " + host.status().message(), 1);
  Object h = host_object(**store, *host);
  ConsoleSessions sessions(ctx, **store, audit_identity_for(cmd), *vm, pki_files_for_state(*state),
                           h.as<HostSpec>(), o.serial ? "serial" : "vnc");
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;  // no SA_RESTART: poll() returns at once
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  if (o.serial)
    run_serial(ctx, sessions, key);
  else
    run_vnc(ctx, sessions, o, key, vm->host);
}

}  // namespace

void add_console_command(CLI::App& app, CliContext& ctx) {
  auto o = std::make_shared<ConsoleOptions>();
  auto* cmd = app.add_subcommand(
      "console", "Open a VM's VNC console on a local port, or its serial console here");
  cmd->add_option("NAME", o->name, "The VM")->required();
  cmd->add_option("--tenant", o->tenant, "The VM's tenant, when its name is not unique");
  cmd->add_option("--listen", o->listen, "VNC: the local address to listen on (loopback only)")
      ->capture_default_str();
  cmd->add_flag("--serial", o->serial,
                "Attach this terminal to the serial console instead (Ctrl-] ends it)");
  cmd->add_flag("--once", o->once, "VNC: serve one connection, then exit");
  cmd->add_option("--sessions", o->sessions, "VNC: connections served at once (1-64)")
      ->capture_default_str();
  cmd->footer(
      "Examples:\n  xcloudctl console edu-portal-web-1                # then: vncviewer "
      "127.0.0.1:5900\n"
      "  xcloudctl console edu-portal-web-1 --listen 127.0.0.1:5911 --tenant education\n"
      "  xcloudctl console edu-portal-web-1 --serial        # Ctrl-] ends it\n\n"
      "The console travels through the agent's mutual-TLS port, or for a host reached over SSH\n"
      "through an SSH channel running the agent, to the VM's VNC server (which listens on the\n"
      "host's loopback only) or its serial console. Every session is audited\n"
      "when it opens and when it closes (bytes, duration). The agent allows 8 console sessions\n"
      "at once and ends one idle for 30 minutes or open for 8 hours.\n"
      "Exit codes: 0 done, 1 the tunnel failed, 2 bad usage or an unknown VM.");
  cmd->callback([&ctx, o, cmd] { run_console(ctx, *o, *cmd); });
}

}  // namespace xc
