// SshTransport (xcloudctl's side) against a real sshd on loopback running the
// real `xcloud-agent rpc` on a simulated test:/// host. Needs root, /usr/sbin/sshd
// and ssh-keygen (as tests/support/sshd.sh does), and the xcloud-agent binary.
#include "ctl/hosts/ssh_transport.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/local_io.h"
#include "tests/support/test_host.h"

namespace xc {
namespace {

namespace fs = std::filesystem;
using test::free_loopback_port;
using test::read_text;

const std::string kAgent = std::string(XC_BINARY_DIR) + "/agent/xcloud-agent";

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

bool run(const std::string& command) {
  return std::system(command.c_str()) == 0;
}

// A throwaway sshd on loopback with a generated host key and one authorized
// client key (the steps of tests/support/sshd.sh). Stopped by the destructor.
class TestSshd {
 public:
  TestSshd() {
    char tmpl[] = "/tmp/xc-sshd-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    dir_ = tmpl;
    chmod(dir_.c_str(), 0700);
    fs::create_directories("/run/sshd");  // sshd's privilege-separation directory
    for (const char* name : {"host_key", "client_key", "other_host_key", "other_client_key"}) {
      REQUIRE_MESSAGE(run("ssh-keygen -q -t ed25519 -N '' -C xc-test -f " + dir_ + "/" + name),
                      "ssh-keygen failed");
    }
    fs::copy_file(dir_ + "/client_key.pub", dir_ + "/authorized_keys");
    port_ = free_loopback_port();
    write_text(dir_ + "/sshd_config",
               "Port " + std::to_string(port_) + "\nListenAddress 127.0.0.1\nHostKey " + dir_ +
                   "/host_key\nAuthorizedKeysFile " + dir_ + "/authorized_keys\nPidFile " + dir_ +
                   "/sshd.pid\nPermitRootLogin prohibit-password\nPasswordAuthentication no\n"
                   "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n");
    REQUIRE_MESSAGE(run("/usr/sbin/sshd -f " + dir_ + "/sshd_config -E " + dir_ + "/sshd.log"),
                    ("sshd did not start: " + read_text(dir_ + "/sshd.log")));
    for (int i = 0; i < 100 && pid() <= 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    REQUIRE_MESSAGE(pid() > 0, ("sshd wrote no pid file: " + read_text(dir_ + "/sshd.log")));
    write_known_hosts("host_key.pub");
  }

  ~TestSshd() {
    if (pid_t p = pid(); p > 0) kill(p, SIGTERM);
    // sshd unlinks its pid file as it exits, which can race remove_all; retry.
    for (int i = 0; i < 20; ++i) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
      if (!fs::exists(dir_, ec)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  TestSshd(const TestSshd&) = delete;
  TestSshd& operator=(const TestSshd&) = delete;

  int port() const { return port_; }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  std::string known_hosts() const { return path("known_hosts"); }

  // Records KEY_PUB as this server's key in known_hosts, as ssh-keyscan would.
  void write_known_hosts(const std::string& key_pub) const {
    write_text(known_hosts(),
               "[127.0.0.1]:" + std::to_string(port_) + " " + read_text(path(key_pub)));
  }

  // "SHA256:..." of a public key, as ssh-keygen -l prints it.
  std::string fingerprint(const std::string& key_pub) const {
    std::string out = path(key_pub) + ".fp";
    REQUIRE(run("ssh-keygen -l -E sha256 -f " + path(key_pub) + " > " + out));
    std::istringstream fields(read_text(out));
    std::string bits, fp;
    fields >> bits >> fp;
    return fp;
  }

  SshTransportConfig config(const std::string& agent_config) const {
    SshTransportConfig c;
    c.host = "127.0.0.1";
    c.port = port_;
    c.user = "root";
    c.identity_file = path("client_key");
    c.known_hosts = known_hosts();
    c.remote_command = kAgent + " rpc --config " + agent_config;
    c.timeout_seconds = 20;
    return c;
  }

 private:
  pid_t pid() const {
    std::string text = read_text(path("sshd.pid"));
    return text.empty() ? 0 : static_cast<pid_t>(std::atoi(text.c_str()));
  }

  std::string dir_;
  int port_ = 0;
};

TEST_CASE("ssh transport: calls reuse one exec channel of xcloud-agent rpc") {
  REQUIRE_MESSAGE(fs::exists(kAgent), ("build the xcloud-agent target first: " + kAgent));
  testing::TestHost host;
  TestSshd sshd;
  auto transport = SshTransport::create(sshd.config(host.write_agent_config()));
  REQUIRE_MESSAGE(transport.ok(), transport.status().message());
  SshTransport& t = **transport;
  CHECK(t.address() == "root@127.0.0.1:" + std::to_string(sshd.port()));

  auto facts = t.call({{"id", 1}, {"method", "host.facts"}, {"params", nlohmann::json::object()}});
  REQUIRE_MESSAGE(facts.ok(), facts.status().message());
  CHECK((*facts)["id"] == 1);
  CHECK((*facts)["result"]["arch"] == "x86_64");
  CHECK((*facts)["result"]["cpu"]["count"] == 16);

  auto domains = t.call({{"id", 2}, {"method", "domains.list"}});
  REQUIRE_MESSAGE(domains.ok(), domains.status().message());
  CHECK((*domains)["id"] == 2);
  CHECK((*domains)["result"] == nlohmann::json{{"managed", nlohmann::json::array()},
                                               {"unmanaged", nlohmann::json::array()}});

  // An agent-level error comes back as the agent's error object, not a transport failure.
  auto unknown = t.call({{"id", 3}, {"method", "no.such.method"}});
  REQUIRE_MESSAGE(unknown.ok(), unknown.status().message());
  CHECK(unknown->contains("error"));

  auto again = t.call({{"id", 4}, {"method", "host.facts"}});
  REQUIRE(again.ok());
  CHECK((*again)["id"] == 4);
  CHECK(t.connections_opened() == 1);
}

TEST_CASE("ssh transport: an unknown host key is refused with its fingerprint") {
  TestSshd sshd;
  std::string address = "127.0.0.1:" + std::to_string(sshd.port());
  std::string expected = "ssh " + address + ": host key is not known (" +
                         sshd.fingerprint("host_key.pub") + "); add it to " + sshd.known_hosts();
  SUBCASE("empty known-hosts file") {
    write_text(sshd.known_hosts(), "");
  }
  SUBCASE("only other hosts listed") {
    write_text(sshd.known_hosts(), "[127.0.0.1]:1 " + read_text(sshd.path("host_key.pub")));
  }
  SUBCASE("missing known-hosts file") {
    fs::remove(sshd.known_hosts());
  }
  auto transport = SshTransport::create(sshd.config("/nonexistent.yaml"));
  REQUIRE_FALSE(transport.ok());
  CHECK(transport.status().code() == Code::kPermissionDenied);
  CHECK(transport.status().message() == expected);
}

TEST_CASE("ssh transport: a changed host key is refused with the new fingerprint") {
  TestSshd sshd;
  sshd.write_known_hosts("other_host_key.pub");
  auto transport = SshTransport::create(sshd.config("/nonexistent.yaml"));
  REQUIRE_FALSE(transport.ok());
  CHECK(transport.status().code() == Code::kPermissionDenied);
  CHECK(transport.status().message() ==
        "ssh 127.0.0.1:" + std::to_string(sshd.port()) + ": HOST KEY CHANGED (now " +
            sshd.fingerprint("host_key.pub") + "); refusing to connect");
}

TEST_CASE("ssh transport: a host key marked @revoked is refused whatever else the file says") {
  TestSshd sshd;
  std::string entry =
      "[127.0.0.1]:" + std::to_string(sshd.port()) + " " + read_text(sshd.path("host_key.pub"));
  SUBCASE("a plain entry for the same key follows") {
    write_text(sshd.known_hosts(), "@revoked " + entry + entry);
  }
  SUBCASE("revoked for any host, after the plain entry") {
    write_text(sshd.known_hosts(), entry + "@revoked * " + read_text(sshd.path("host_key.pub")));
  }
  auto transport = SshTransport::create(sshd.config("/nonexistent.yaml"));
  REQUIRE_FALSE(transport.ok());
  CHECK(transport.status().code() == Code::kPermissionDenied);
  CHECK(transport.status().message() == "ssh 127.0.0.1:" + std::to_string(sshd.port()) +
                                            ": host key " + sshd.fingerprint("host_key.pub") +
                                            " is marked @revoked in " + sshd.known_hosts() +
                                            "; refusing to connect");
}

TEST_CASE("ssh transport: a client key the server does not accept is refused") {
  TestSshd sshd;
  auto config = sshd.config("/nonexistent.yaml");
  config.identity_file = sshd.path("other_client_key");
  auto transport = SshTransport::create(config);
  REQUIRE_FALSE(transport.ok());
  CHECK(transport.status().code() == Code::kPermissionDenied);
  CHECK(transport.status().message() == "ssh root@127.0.0.1:" + std::to_string(sshd.port()) +
                                            ": authentication refused for key " +
                                            config.identity_file);
}

TEST_CASE("ssh transport: a host with no sshd listening is unavailable, named by address") {
  SshTransportConfig config;
  config.host = "127.0.0.1";
  config.port = free_loopback_port();
  config.known_hosts = "/dev/null";
  config.remote_command = "true";
  auto transport = SshTransport::create(config);
  REQUIRE_FALSE(transport.ok());
  CHECK(transport.status().code() == Code::kUnavailable);
  CAPTURE(transport.status().message());
  CHECK(transport.status().message().rfind(
            "ssh root@127.0.0.1:" + std::to_string(config.port) + ": ", 0) == 0);
}

TEST_CASE("ssh transport: an agent that exits is unavailable, with its stderr, then reconnects") {
  TestSshd sshd;
  auto config = sshd.config("/nonexistent.yaml");
  config.remote_command = "echo 'agent: config missing' >&2; exit 3";
  auto transport = SshTransport::create(config);
  REQUIRE_MESSAGE(transport.ok(), transport.status().message());
  auto result = (*transport)->call({{"id", 1}, {"method", "host.facts"}});
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == Code::kUnavailable);
  CHECK(result.status().message() == "ssh root@127.0.0.1:" + std::to_string(sshd.port()) +
                                         ": the remote command exited with status 3 before "
                                         "replying (agent stderr: agent: config missing)");
  // The broken channel was dropped; the next call opens a fresh session.
  result = (*transport)->call({{"id", 2}, {"method", "host.facts"}});
  REQUIRE_FALSE(result.ok());
  CHECK((*transport)->connections_opened() == 2);
}

TEST_CASE("ssh transport: a flood on the agent's stderr cannot block its replies") {
  TestSshd sshd;
  auto config = sshd.config("/nonexistent.yaml");
  // 8 MiB on stderr (far beyond the SSH channel window) before echoing requests.
  config.remote_command = "head -c 8388608 /dev/zero | tr '\\0' x >&2; exec cat";
  config.timeout_seconds = 30;
  auto transport = SshTransport::create(config);
  REQUIRE_MESSAGE(transport.ok(), transport.status().message());
  nlohmann::json request = {{"id", 7}, {"method", "host.facts"}};
  auto result = (*transport)->call(request);
  REQUIRE_MESSAGE(result.ok(), result.status().message());
  CHECK(*result == request);
  result = (*transport)->call({{"id", 8}, {"method", "domains.list"}});
  REQUIRE(result.ok());
  CHECK((*result)["id"] == 8);
}

}  // namespace
}  // namespace xc
