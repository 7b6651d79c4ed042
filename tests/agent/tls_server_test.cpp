#include "agent/tls_server.h"

#include <doctest/doctest.h>

#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_OPENSSL_SUPPORT 1
#endif
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <regex>
#include <thread>
#include <vector>

#include "tests/support/timeout_scale.h"
#include "tests/support/tls_test_server.h"

namespace xc {
namespace {

using test::TlsTestServer;

constexpr UnixSeconds k2025 = 1735689600;      // 2025-01-01T00:00:00Z
constexpr UnixSeconds k2026Jan2 = 1767312000;  // 2026-01-02T00:00:00Z
constexpr UnixSeconds k2090 = 3786912000;      // 2090-01-01T00:00:00Z

// An HTTPS client that verifies the agent against the test CA and presents
// `identity` (none when empty).
std::unique_ptr<httplib::SSLClient> client_for(const TlsTestServer& fixture,
                                               const test::PemPaths& identity) {
  auto client = identity.cert.empty()
                    ? std::make_unique<httplib::SSLClient>("127.0.0.1", fixture.port())
                    : std::make_unique<httplib::SSLClient>("127.0.0.1", fixture.port(),
                                                           identity.cert, identity.key);
  client->set_ca_cert_path(fixture.pki.ca_path());
  client->enable_server_certificate_verification(true);
  client->set_connection_timeout(5 * test::timeout_scale());
  client->set_read_timeout(5 * test::timeout_scale());
  return client;
}

// Whether this thread's OpenSSL error queue holds `reason` (it is drained).
bool openssl_errors_include(int reason) {
  bool found = false;
  while (unsigned long code = ERR_get_error()) found = found || ERR_GET_REASON(code) == reason;
  return found;
}

httplib::Result post_rpc(httplib::SSLClient& client) {
  return client.Post("/v1/rpc", R"({"id":7,"method":"domain.ensure","params":{}})",
                     "application/json");
}

// A plain TCP connection to the server from `source` (any 127.0.0.0/8 address).
int connect_from(const char* source, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  inet_pton(AF_INET, source, &addr.sin_addr);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  return fd;
}

// Whether the server closed `fd` within `limit` (reading finds the end).
bool closed_within(int fd, std::chrono::milliseconds limit) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(limit.count())) <= 0) return false;
  char byte;
  return ::recv(fd, &byte, 1, MSG_DONTWAIT) <= 0;
}

// Connections from 127.0.0.2 that send the start of a TLS ClientHello (a
// record header announcing 512 bytes) and then one byte every 100 ms, never
// finishing, until the object goes.
class TricklingClients {
 public:
  TricklingClients(int port, int count) {
    for (int i = 0; i < count; ++i) {
      fds_.push_back(connect_from("127.0.0.2", port));
      const unsigned char header[] = {0x16, 0x03, 0x01, 0x02, 0x00};
      ::send(fds_.back(), header, sizeof header, MSG_NOSIGNAL);
    }
    thread_ = std::thread([this] {
      while (!done_) {
        for (int fd : fds_) ::send(fd, "\x01", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
  }
  ~TricklingClients() {
    done_ = true;
    thread_.join();
    for (int fd : fds_) ::close(fd);
  }
  int fd(size_t i) const { return fds_[i]; }

 private:
  std::vector<int> fds_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

TEST_CASE("tls server: GET /metrics answers Prometheus text, an error as JSON, 404 when unset") {
  {
    TlsTestServer fixture;
    fixture.start();
    auto unset = client_for(fixture, fixture.client_files)->Get("/metrics");
    REQUIRE(unset);
    CHECK(unset->status == 404);
    CHECK(unset->body ==
          R"({"error":{"code":"not_found","message":"GET /metrics: not served by this agent"}})");
  }
  TlsTestServer fixture;
  std::atomic<bool> fail{false};  // read on the server's threads
  fixture.metrics = [&fail]() -> Result<std::string> {
    if (fail) return error(Code::kUnavailable, "metrics: libvirt is down");
    return std::string("# HELP up Up.\n# TYPE up gauge\nup 1\n");
  };
  fixture.start();
  auto client = client_for(fixture, fixture.client_files);
  auto ok = client->Get("/metrics");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(ok->get_header_value("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(ok->body == "# HELP up Up.\n# TYPE up gauge\nup 1\n");
  fail = true;
  auto down = client->Get("/metrics");
  REQUIRE(down);
  CHECK(down->status == 503);
  CHECK(down->body == R"({"error":{"code":"unavailable","message":"metrics: libvirt is down"}})");
  CHECK(client->Post("/metrics", "", "text/plain")->status == 404);
}

TEST_CASE("tls server: serves rpc, health, 400 and 404 to a client signed by the CA") {
  TlsTestServer fixture;
  fixture.start();
  auto client = client_for(fixture, fixture.client_files);

  auto rpc = post_rpc(*client);
  REQUIRE(rpc);
  CHECK(rpc->status == 200);
  CHECK(rpc->body == R"({"id":7,"result":{"echo":"domain.ensure"}})");

  auto health = client->Get("/v1/health");
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(health->body == R"({"ok":true})");

  auto malformed = client->Post("/v1/rpc", "{\"id\":", "application/json");
  REQUIRE(malformed);
  CHECK(malformed->status == 400);
  auto body = nlohmann::json::parse(malformed->body);
  CHECK(body["error"]["code"] == "invalid_argument");
  CHECK(body["error"]["message"] ==
        "request body: invalid JSON: parse error at line 1, column 7: syntax error while "
        "parsing value - unexpected end of input; expected '[', '{', or a literal");

  auto not_object = client->Post("/v1/rpc", "[1]", "application/json");
  REQUIRE(not_object);
  CHECK(not_object->status == 400);

  auto unknown = client->Get("/v2/nothing");
  REQUIRE(unknown);
  CHECK(unknown->status == 404);
  CHECK(fixture.handler_calls == 1);
}

TEST_CASE("tls server: 40 clients at once, each keeping its connection, are all served") {
  // Workers start on demand, up to 32: the 33rd to 40th keep-alive
  // connections wait for a worker to come free, and every request is served.
  TlsTestServer fixture;
  fixture.start();
  constexpr int kClients = 40, kRequests = 3;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&] {
      auto client = client_for(fixture, fixture.client_files);
      client->set_keep_alive(true);
      client->set_read_timeout(20 * test::timeout_scale());
      for (int r = 0; r < kRequests; ++r) {
        auto rpc = post_rpc(*client);
        if (rpc && rpc->status == 200) ++ok;
      }
    });
  }
  for (std::thread& t : clients) t.join();
  CHECK(ok == kClients * kRequests);
  CHECK(fixture.handler_calls == kClients * kRequests);
}

TEST_CASE("tls server: logs one line per request with time, method, client, status and ms") {
  TlsTestServer fixture;
  fixture.per_thread_clock = true;  // the next handshake may read the clock while a line is logged
  fixture.start();
  auto client = client_for(fixture, fixture.client_files);
  REQUIRE(post_rpc(*client));
  REQUIRE(client->Get("/v1/health"));
  REQUIRE(client->Get("/nope"));
  REQUIRE(client->Post("/v1/rpc", R"({"method":"x\ny \"z"})", "application/json"));
  std::string log = fixture.log_after_stop();

  std::istringstream lines(log);
  std::string rpc_line, health_line, missing_line, forged_line, extra;
  std::getline(lines, rpc_line);
  std::getline(lines, health_line);
  std::getline(lines, missing_line);
  std::getline(lines, forged_line);
  CHECK_FALSE(std::getline(lines, extra));
  // The clock advances 3 ms per reading on the worker: request start, then the log line.
  CHECK(std::regex_match(rpc_line, std::regex(R"(2026-11-29T07:50:00\.\d{3}Z POST /v1/rpc )"
                                              R"(method=domain\.ensure client="CN=xcloudctl" )"
                                              R"(status=200 ms=3)")));
  CHECK(std::regex_match(health_line,
                         std::regex(R"(2026-11-29T07:50:00\.\d{3}Z GET /v1/health )"
                                    R"(method=- client="CN=xcloudctl" status=200 ms=3)")));
  CHECK(std::regex_match(missing_line, std::regex(R"(\S+Z GET /nope method=- )"
                                                  R"(client="CN=xcloudctl" status=404 ms=3)")));
  // A client-chosen method cannot break the line or add a field.
  CHECK(std::regex_match(forged_line, std::regex(R"(\S+Z POST /v1/rpc method=x\\ny\\x20\\x22z )"
                                                 R"(client="CN=xcloudctl" status=200 ms=3)")));
}

TEST_CASE("tls server: refuses a client without a certificate") {
  TlsTestServer fixture;
  fixture.start();
  auto result = post_rpc(*client_for(fixture, {}));
  CHECK_FALSE(result);
  CHECK(fixture.handler_calls == 0);
  CHECK(fixture.log_after_stop().empty());
}

TEST_CASE("tls server: refuses a CA certificate presented as the client leaf") {
  TlsTestServer fixture;
  fixture.start();
  // The CA itself (OpenSSL's client purpose check stops it: no digitalSignature
  // usage), and a CA:TRUE certificate with clientAuth, which our own check stops.
  test::PemPaths root{fixture.pki.ca_path(), fixture.pki.ca_key_path()};
  auto posing = fixture.pki.issue("posing CA", CertificateUsage::kClient, {}, test::kLongAgo,
                                  test::kFarFuture, /*is_ca=*/true);
  CHECK_FALSE(post_rpc(*client_for(fixture, root)));
  CHECK_FALSE(post_rpc(*client_for(fixture, posing)));
  CHECK(fixture.handler_calls == 0);
  CHECK(fixture.log_after_stop() ==
        "2026-11-29T07:50:00.003Z TLS refused client=\"CN=xcloud test CA\" "
        "reason=\"unsuitable certificate purpose\"\n"
        "2026-11-29T07:50:00.006Z TLS refused client=\"CN=posing CA\" "
        "reason=\"a CA certificate is not a client certificate\"\n");
}

TEST_CASE("tls server: refuses expired and not yet valid client certificates, logging why") {
  TlsTestServer fixture;
  fixture.start();
  auto expired = fixture.pki.issue("expired", CertificateUsage::kClient, {}, k2025, k2026Jan2);
  auto early = fixture.pki.issue("early", CertificateUsage::kClient, {}, k2090, test::kFarFuture);
  CHECK_FALSE(post_rpc(*client_for(fixture, expired)));
  CHECK_FALSE(post_rpc(*client_for(fixture, early)));
  CHECK(fixture.handler_calls == 0);
  // The server judges validity by its injected clock (2026-11-29), not the host's.
  CHECK(fixture.log_after_stop() ==
        "2026-11-29T07:50:00.003Z TLS refused client=\"CN=expired\" "
        "reason=\"certificate has expired\"\n"
        "2026-11-29T07:50:00.006Z TLS refused client=\"CN=early\" "
        "reason=\"certificate is not yet valid\"\n");
}

TEST_CASE("tls server: refuses a client certificate meant for servers only") {
  TlsTestServer fixture;
  fixture.start();
  auto server_only = fixture.pki.issue("other-agent", CertificateUsage::kServer);
  CHECK_FALSE(post_rpc(*client_for(fixture, server_only)));
  CHECK(fixture.handler_calls == 0);
  CHECK(fixture.log_after_stop() ==
        "2026-11-29T07:50:00.003Z TLS refused "
        "client=\"CN=other-agent\" reason=\"unsuitable certificate "
        "purpose\"\n");
}

TEST_CASE("tls server: refuses TLS 1.1 and serves the same client at TLS 1.2") {
  TlsTestServer fixture;
  fixture.start();
  for (int max_version : {TLS1_1_VERSION, TLS1_2_VERSION}) {
    CAPTURE(max_version);
    auto client = client_for(fixture, fixture.client_files);
    SSL_CTX* ctx = client->ssl_context();
    // Let this client offer old protocols so that the refusal is the server's.
    SSL_CTX_set_security_level(ctx, 0);
    SSL_CTX_set_cipher_list(ctx, "DEFAULT@SECLEVEL=0");
    SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
    SSL_CTX_set_max_proto_version(ctx, max_version);
    ERR_clear_error();
    auto result = post_rpc(*client);
    if (max_version == TLS1_1_VERSION) {
      CHECK_FALSE(result);
      CHECK(openssl_errors_include(SSL_R_TLSV1_ALERT_PROTOCOL_VERSION));
      CHECK(fixture.handler_calls == 0);
    } else {
      REQUIRE(result);
      CHECK(result->status == 200);
      CHECK(fixture.handler_calls == 1);
    }
  }
}

TEST_CASE("tls server: refuses to start with an expired, early or mismatched certificate") {
  TlsTestServer fixture;
  auto expired = fixture.pki.issue("expired", CertificateUsage::kServer, {}, k2025, k2026Jan2);
  auto early = fixture.pki.issue("early", CertificateUsage::kServer, {}, k2090, test::kFarFuture);

  TlsServerConfig config = fixture.config();
  config.cert_path = expired.cert;
  config.key_path = expired.key;
  auto started = fixture.create(config);
  REQUIRE_FALSE(started.ok());
  CHECK(started.status().code() == Code::kFailedPrecondition);
  CHECK(started.status().message() ==
        "certificate " + expired.cert + " expired on 2026-01-02T00:00:00Z");

  config.cert_path = early.cert;
  config.key_path = early.key;
  started = fixture.create(config);
  REQUIRE_FALSE(started.ok());
  CHECK(started.status().message() ==
        "certificate " + early.cert + " is not valid until 2090-01-01T00:00:00Z");

  config = fixture.config();
  config.key_path = fixture.client_files.key;
  started = fixture.create(config);
  REQUIRE_FALSE(started.ok());
  CHECK(started.status().message() == "certificate " + fixture.server_files.cert +
                                          " does not match key " + fixture.client_files.key);
}

TEST_CASE("tls server: 40 clients trickling a ClientHello hold no worker, others are served") {
  TlsTestServer fixture;
  fixture.start();
  TricklingClients trickling(fixture.port(), 40);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // Before, each trickling handshake held one of the 32 workers for as long
  // as bytes kept coming, and this request waited for the whole attack.
  auto client = client_for(fixture, fixture.client_files);
  client->set_read_timeout(10);
  auto rpc = post_rpc(*client);
  REQUIRE(rpc);
  CHECK(rpc->status == 200);
}

TEST_CASE(
    "tls server: a handshake still unfinished at its deadline is closed, however it trickles") {
  TlsTestServer fixture;
  TlsServerConfig config = fixture.config();
  config.timing.handshake_deadline = std::chrono::milliseconds(300);
  fixture.start(config);
  TricklingClients trickling(fixture.port(), 1);
  CHECK(closed_within(trickling.fd(0), std::chrono::seconds(10)));
  int idle = connect_from("127.0.0.3", fixture.port());  // sends nothing at all
  CHECK(closed_within(idle, std::chrono::seconds(10)));
  ::close(idle);
}

TEST_CASE("tls server: a new handshake past an address's limit closes that address's oldest") {
  TlsTestServer fixture;
  TlsServerConfig config = fixture.config();
  config.limits.handshakes_per_address = 4;
  fixture.start(config);
  std::vector<int> fds;
  for (int i = 0; i < 5; ++i) fds.push_back(connect_from("127.0.0.2", fixture.port()));
  CHECK(closed_within(fds[0], std::chrono::seconds(5)));
  CHECK_FALSE(closed_within(fds[4], std::chrono::milliseconds(200)));
  auto rpc = post_rpc(*client_for(fixture, fixture.client_files));  // from 127.0.0.1
  REQUIRE(rpc);
  CHECK(rpc->status == 200);
  for (int fd : fds) ::close(fd);
}

TEST_CASE("tls server: connections past an address's limit are refused and the refusal logged") {
  TlsTestServer fixture;
  TlsServerConfig config = fixture.config();
  config.limits.connections_per_address = 2;
  config.timing.keep_alive = std::chrono::seconds(30);
  fixture.start(config);
  auto first = client_for(fixture, fixture.client_files);
  auto second = client_for(fixture, fixture.client_files);
  for (auto* c : {first.get(), second.get()}) {
    c->set_keep_alive(true);
    REQUIRE(post_rpc(*c));
  }
  CHECK_FALSE(post_rpc(*client_for(fixture, fixture.client_files)));
  first.reset();  // its connection closes and frees a place
  bool served = false;
  for (int i = 0; i < 50 && !served; ++i) {
    auto later = post_rpc(*client_for(fixture, fixture.client_files));
    served = later && later->status == 200;
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(served);
  CHECK(fixture.log_after_stop().find(
            " connection refused: 1 refused since the last report, the latest from 127.0.0.1 "
            "(limits: 2 connections per address, 512 in all)\n") != std::string::npos);
}

TEST_CASE("tls server: a body past 4 MiB is refused with 413 and never held, chunked or not") {
  TlsTestServer fixture;
  fixture.start();
  std::string block(1 << 16, ' ');
  size_t sent = 0;
  auto chunked = client_for(fixture, fixture.client_files);
  chunked->Post(
      "/v1/rpc",
      [&](size_t, httplib::DataSink& sink) {
        if (sent >= (200u << 20)) {
          sink.done();
          return true;
        }
        sent += block.size();
        return sink.write(block.data(), block.size());
      },
      "application/json");
  // The server stops reading at the limit: the client never got far.
  CHECK(sent < (32u << 20));
  auto declared = client_for(fixture, fixture.client_files);
  declared->Post("/v1/rpc", std::string(5u << 20, ' '), "application/json");
  auto after = post_rpc(*client_for(fixture, fixture.client_files));
  REQUIRE(after);
  CHECK(after->status == 200);
  CHECK(fixture.handler_calls == 1);
  std::string log = fixture.log_after_stop();
  size_t refusals = 0;
  for (size_t at = log.find("status=413"); at != std::string::npos;
       at = log.find("status=413", at + 1)) {
    ++refusals;
  }
  CHECK(refusals == 2);
}

TEST_CASE("tls server: compressed bodies are refused with 415, bad JSON with 400 and its reason") {
  TlsTestServer fixture;
  fixture.start();
  auto client = client_for(fixture, fixture.client_files);
  httplib::Headers gzip = {{"Content-Encoding", "gzip"}};
  auto compressed = client->Post("/v1/rpc", gzip, "\x1f\x8b", "application/json");
  REQUIRE(compressed);
  CHECK(compressed->status == 415);
  CHECK(nlohmann::json::parse(compressed->body)["error"]["message"] ==
        "request body: Content-Encoding gzip is not accepted; send the body uncompressed");

  client = client_for(fixture, fixture.client_files);
  auto utf8 = client->Post("/v1/rpc", "{\"id\":1,\"method\":\"a\xff\"}", "application/json");
  REQUIRE(utf8);
  CHECK(utf8->status == 400);
  CHECK(nlohmann::json::parse(utf8->body)["error"]["message"] ==
        "request body: invalid JSON: parse error at line 1, column 20: syntax error while parsing "
        "value - invalid string: ill-formed UTF-8 byte; last read: '\"a\\xff'");

  auto deep = client->Post("/v1/rpc", std::string(100'000, '['), "application/json");
  REQUIRE(deep);
  CHECK(deep->status == 400);
  CHECK(nlohmann::json::parse(deep->body)["error"]["message"] ==
        "request body: JSON nested deeper than 64 levels");
  CHECK(fixture.handler_calls == 0);
}

TEST_CASE("tls server: stop before run makes run return at once") {
  TlsTestServer fixture;
  auto created = fixture.create(fixture.config());
  REQUIRE(created.ok());
  CHECK((*created)->port() > 0);
  (*created)->stop();
  (*created)->run();
}

}  // namespace
}  // namespace xc
