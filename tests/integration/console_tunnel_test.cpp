// The console tunnel end to end in one process: xcloudctl's ConsoleTunnel
// against the agent's TlsServer (mutual TLS, POST /v1/console, 101), with a
// fake guest console (a socket pair served by a thread) behind it.
#include "ctl/hosts/console_tunnel.h"

#include <doctest/doctest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <thread>

#include "common/tls_pump.h"
#include "tests/support/tls_test_server.h"

namespace xc {
namespace {

// A guest console: greets like a VNC server, then echoes what it receives
// in upper case, until its socket closes.
class FakeGuestConsole final : public ConsoleTarget {
 public:
  FakeGuestConsole() {
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds_) == 0);
    guest_ = std::thread([fd = fds_[1]] {
      const char greeting[] = "RFB 003.008\n";
      if (::write(fd, greeting, sizeof greeting - 1) < 0) return;
      char buf[256];
      ssize_t n;
      while ((n = ::read(fd, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; ++i) buf[i] = static_cast<char>(std::toupper(buf[i]));
        if (::write(fd, buf, static_cast<size_t>(n)) < 0) break;
      }
    });
  }
  ~FakeGuestConsole() override {
    ::shutdown(fds_[0], SHUT_RDWR);
    guest_.join();
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  int fd() const override { return fds_[0]; }
  std::string describe() const override { return "fake vnc"; }

 private:
  int fds_[2];
  std::thread guest_;
};

TlsTransportConfig agent_config(const test::TlsTestServer& f) {
  TlsTransportConfig c;
  c.host = "127.0.0.1";
  c.port = f.port();
  c.cert_path = f.client_files.cert;
  c.key_path = f.client_files.key;
  c.ca_path = f.pki.ca_path();
  return c;
}

std::string read_exactly(SSL* ssl, size_t n) {
  std::string out;
  char buf[64];
  while (out.size() < n) {
    int got = SSL_read(ssl, buf, static_cast<int>(std::min(sizeof buf, n - out.size())));
    if (got <= 0) break;
    out.append(buf, static_cast<size_t>(got));
  }
  return out;
}

TEST_CASE("console tunnel: bytes flow both ways to the guest's console after 101") {
  test::TlsTestServer f;
  std::atomic<int> opened{0};
  nlohmann::json asked;
  f.console = [&](const nlohmann::json& params) -> Result<std::unique_ptr<ConsoleTarget>> {
    ++opened;
    asked = params;
    return std::unique_ptr<ConsoleTarget>(new FakeGuestConsole());
  };
  f.start();
  auto tunnel = ConsoleTunnel::open(agent_config(f), "xc-edu.web-1", "vnc");
  REQUIRE_MESSAGE(tunnel.ok(), tunnel.status().message());
  CHECK(read_exactly((*tunnel)->ssl(), 12) == "RFB 003.008\n");
  REQUIRE(SSL_write((*tunnel)->ssl(), "hello", 5) == 5);
  CHECK(read_exactly((*tunnel)->ssl(), 5) == "HELLO");
  CHECK(asked == nlohmann::json{{"name", "xc-edu.web-1"}, {"type", "vnc"}});
  tunnel->reset();
  std::string log = f.log_after_stop();
  CHECK(log.find("POST /v1/console method=console") != std::string::npos);
  CHECK(log.find("status=101") != std::string::npos);
  CHECK(log.find("console end domain=xc-edu.web-1 target=\"fake vnc\"") != std::string::npos);
  CHECK_MESSAGE(log.find("to_guest=5 from_guest=17 ms=") != std::string::npos, log);
  CHECK_MESSAGE(log.find("reason=\"closed by the far side\"") != std::string::npos, log);
  CHECK(opened == 1);
}

TEST_CASE("console tunnel: a local socket pumped through the tunnel reaches the guest") {
  test::TlsTestServer f;
  f.console = [](const nlohmann::json&) -> Result<std::unique_ptr<ConsoleTarget>> {
    return std::unique_ptr<ConsoleTarget>(new FakeGuestConsole());
  };
  f.start();
  auto tunnel = ConsoleTunnel::open(agent_config(f), "xc-edu.web-1", "serial");
  REQUIRE(tunnel.ok());
  int local[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, local) == 0);
  PumpResult result;
  std::thread pump([&] {
    result = pump_tls((*tunnel)->ssl(), (*tunnel)->fd(), local[0], local[0], PumpLimits{});
  });
  char buf[32] = {};
  size_t got = 0;
  while (got < 12) got += static_cast<size_t>(::read(local[1], buf + got, 12 - got));
  CHECK(std::string(buf, 12) == "RFB 003.008\n");
  REQUIRE(::write(local[1], "ab", 2) == 2);
  got = 0;
  while (got < 2) got += static_cast<size_t>(::read(local[1], buf + got, 2 - got));
  CHECK(std::string(buf, 2) == "AB");
  ::close(local[1]);  // the viewer goes away
  pump.join();
  CHECK(result.end == PumpEnd::kLocalClosed);
  CHECK(result.to_remote == 2);
  CHECK(result.from_remote == 14);
  ::close(local[0]);
}

TEST_CASE("console tunnel: refusals carry the agent's code and message, and sessions are capped") {
  test::TlsTestServer f;
  f.console = [](const nlohmann::json& params) -> Result<std::unique_ptr<ConsoleTarget>> {
    if (params.value("name", "") == "missing")
      return error(Code::kNotFound, "domain missing: no such domain");
    return std::unique_ptr<ConsoleTarget>(new FakeGuestConsole());
  };
  TlsServerConfig config = f.config();
  config.console.sessions = 1;
  f.start(config);
  auto missing = ConsoleTunnel::open(agent_config(f), "missing", "vnc");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == Code::kNotFound);
  CHECK(missing.status().message() == "domain missing: no such domain");
  auto first = ConsoleTunnel::open(agent_config(f), "web", "vnc");
  REQUIRE(first.ok());
  auto second = ConsoleTunnel::open(agent_config(f), "web", "vnc");
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == Code::kUnavailable);
  CHECK(second.status().message() ==
        "console: 1 sessions are open, the agent's limit; try again later");
  first->reset();
  // The slot comes back once the first session has ended on the agent.
  Result<std::unique_ptr<ConsoleTunnel>> third = error(Code::kInternal, "not tried");
  for (int i = 0; i < 50 && !third.ok(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    third = ConsoleTunnel::open(agent_config(f), "web", "vnc");
  }
  CHECK(third.ok());
}

TEST_CASE("console tunnel: an idle session is ended by the agent") {
  test::TlsTestServer f;
  f.console = [](const nlohmann::json&) -> Result<std::unique_ptr<ConsoleTarget>> {
    return std::unique_ptr<ConsoleTarget>(new FakeGuestConsole());
  };
  TlsServerConfig config = f.config();
  config.console.pump.idle = std::chrono::milliseconds(300);
  f.start(config);
  auto tunnel = ConsoleTunnel::open(agent_config(f), "web", "vnc");
  REQUIRE(tunnel.ok());
  CHECK(read_exactly((*tunnel)->ssl(), 12) == "RFB 003.008\n");
  char byte;
  CHECK(SSL_read((*tunnel)->ssl(), &byte, 1) <= 0);  // closed after 300 ms without traffic
  std::string log = f.log_after_stop();
  CHECK(log.find("reason=\"idle timeout\"") != std::string::npos);
}

TEST_CASE("console tunnel: an agent without a console opener answers 404") {
  test::TlsTestServer f;
  f.start();
  auto tunnel = ConsoleTunnel::open(agent_config(f), "web", "vnc");
  REQUIRE_FALSE(tunnel.ok());
  CHECK(tunnel.status().code() == Code::kNotFound);
  CHECK(tunnel.status().message() == "console: not served by this agent");
}

}  // namespace
}  // namespace xc
