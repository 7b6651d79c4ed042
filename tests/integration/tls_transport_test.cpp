// TlsTransport (xcloudctl's side) against a real TlsServer (the agent's side)
// over mutual TLS on loopback.
#include "ctl/hosts/tls_transport.h"

#include <doctest/doctest.h>

#include "agent/request_limits.h"
#include "tests/support/tls_test_server.h"

namespace xc {
namespace {

using test::TlsTestServer;

constexpr UnixSeconds k2025 = 1735689600;      // 2025-01-01T00:00:00Z
constexpr UnixSeconds k2026Jan2 = 1767312000;  // 2026-01-02T00:00:00Z
constexpr UnixSeconds k2090 = 3786912000;      // 2090-01-01T00:00:00Z

const nlohmann::json kRequest = {
    {"id", 1}, {"method", "host.facts"}, {"params", nlohmann::json::object()}};

std::unique_ptr<TlsTransport> transport_for(const TlsTestServer& fixture,
                                            const test::PemPaths& identity,
                                            const std::string& host = "127.0.0.1") {
  TlsTransportConfig config;
  config.host = host;
  config.port = fixture.port();
  config.cert_path = identity.cert;
  config.key_path = identity.key;
  config.ca_path = fixture.pki.ca_path();
  config.timeout_seconds = 10;
  auto transport = TlsTransport::create(config);
  REQUIRE_MESSAGE(transport.ok(), transport.status().message());
  return std::move(*transport);
}

TEST_CASE("tls transport: a client signed by the CA is served and reuses one connection") {
  TlsTestServer fixture;
  fixture.start();
  auto transport = transport_for(fixture, fixture.client_files);
  auto first = transport->call(kRequest);
  REQUIRE_MESSAGE(first.ok(), first.status().message());
  CHECK(*first == nlohmann::json{{"id", 1}, {"result", {{"echo", "host.facts"}}}});
  auto second = transport->call({{"id", 2}, {"method", "domains.list"}});
  REQUIRE(second.ok());
  CHECK((*second)["result"]["echo"] == "domains.list");
  CHECK(transport->connections_opened() == 1);
  CHECK(fixture.handler_calls == 2);
}

TEST_CASE("tls transport: client certificates the agent must refuse") {
  TlsTestServer fixture;
  fixture.start();
  test::TestPki foreign("foreign CA");
  struct Case {
    const char* name;
    test::PemPaths identity;
  };
  const Case cases[] = {
      {"foreign CA", foreign.issue("xcloudctl", CertificateUsage::kClient)},
      {"expired", fixture.pki.issue("expired", CertificateUsage::kClient, {}, k2025, k2026Jan2)},
      {"not yet valid",
       fixture.pki.issue("early", CertificateUsage::kClient, {}, k2090, test::kFarFuture)},
      {"CA as leaf", fixture.pki.issue("posing CA", CertificateUsage::kClient, {}, test::kLongAgo,
                                       test::kFarFuture, /*is_ca=*/true)},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    auto result = transport_for(fixture, c.identity)->call(kRequest);
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().code() == Code::kUnavailable);
    CHECK(result.status().message().rfind(
              "agent 127.0.0.1:" + std::to_string(fixture.port()) + ": ", 0) == 0);
  }
  CHECK(fixture.handler_calls == 0);
}

TEST_CASE("tls transport: refuses an agent whose certificate lacks the address it dials") {
  TlsTestServer fixture({"10.9.9.9", "agent-7.example"});
  fixture.start();
  auto result = transport_for(fixture, fixture.client_files)->call(kRequest);
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == Code::kUnavailable);
  CHECK(result.status().message() ==
        "agent 127.0.0.1:" + std::to_string(fixture.port()) +
            ": SSL peer certificate or SSH remote key was not OK (SSL: no alternative certificate "
            "subject name matches target host name '127.0.0.1')");
  CHECK(fixture.handler_calls == 0);
}

TEST_CASE("tls transport: a request the agent rejects comes back as its error object") {
  TlsTestServer fixture;
  fixture.start();
  auto transport = transport_for(fixture, fixture.client_files);
  auto result = transport->call(nlohmann::json::array({1, 2}));
  REQUIRE(result.ok());
  CHECK((*result)["error"]["code"] == "invalid_argument");
  CHECK((*result)["error"]["message"] == "request body: not a JSON object");
}

TEST_CASE("tls transport: an agent that does not answer is unavailable, named by address") {
  TlsTestServer fixture;
  fixture.start();
  int port = fixture.port();
  fixture.stop();
  TlsTransportConfig config{"127.0.0.1", port, fixture.client_files.cert, fixture.client_files.key,
                            fixture.pki.ca_path()};
  auto transport = TlsTransport::create(config);
  REQUIRE(transport.ok());
  auto result = (*transport)->call(kRequest);
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == Code::kUnavailable);
  CAPTURE(result.status().message());
  CHECK(result.status().message().rfind(
            "agent 127.0.0.1:" + std::to_string(port) + ": Couldn't connect to server", 0) == 0);
}

// Every byte value, line breaks and NULs included, in a megabyte.
std::string all_byte_values(size_t size) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 7 + i / 256) & 0xff);
  return bytes;
}

TEST_CASE("tls transport: bulk bytes travel raw both ways, with the JSON result beside them") {
  TlsTestServer fixture;
  std::atomic<int> byte_calls{0};
  fixture.bytes = [&](const std::string& method, const nlohmann::json& params,
                      const std::string& input) -> Result<ByteReply> {
    ++byte_calls;
    if (method == "volume.missing") return error(Code::kNotFound, "volume x: no such volume");
    if (method == "volume.huge")
      return ByteReply{{{"method", method}},
                       std::string(static_cast<size_t>(kMaxAgentAnswerBytes) + 1, 'x')};
    std::string reversed(input.rbegin(), input.rend());
    return ByteReply{{{"method", method}, {"params", params}, {"got", input.size()}},
                     std::move(reversed)};
  };
  fixture.start();
  auto transport = transport_for(fixture, fixture.client_files);
  const std::string input = all_byte_values(1 << 20);
  const nlohmann::json params = {{"name", "d\u00e9j\u00e0\r\nX-Evil: 1"}, {"offset", 5}};
  std::string output;
  auto reply = transport->call_bytes("volume.write", params, input, output);
  REQUIRE_MESSAGE(reply.ok(), reply.status().message());
  CHECK((*reply)["result"]["method"] == "volume.write");
  CHECK((*reply)["result"]["params"] == params);  // a name with CR LF stays one header
  CHECK((*reply)["result"]["got"] == input.size());
  CHECK(output == std::string(input.rbegin(), input.rend()));

  SUBCASE("an agent's error comes back as its error object, with no bytes") {
    output = "stale";
    auto missing = transport->call_bytes("volume.missing", params, "", output);
    REQUIRE(missing.ok());
    CHECK((*missing)["error"]["code"] == "not_found");
    CHECK((*missing)["error"]["message"] == "volume x: no such volume");
    CHECK(output.empty());
  }
  SUBCASE("a body over the request limit is refused before it is held") {
    auto big = transport->call_bytes("volume.write", params, std::string(kMaxRequestBytes + 1, 'x'),
                                     output);
    REQUIRE(big.ok());
    CHECK((*big)["error"]["code"] == "invalid_argument");
    CHECK(byte_calls == 1);
  }
  SUBCASE("params deeper than a /v1/rpc body may be are refused before the method runs") {
    nlohmann::json deep = nlohmann::json::array();
    for (int i = 0; i < kMaxJsonDepth; ++i) deep = nlohmann::json::array({deep});
    auto refused = transport->call_bytes("volume.write", {{"name", deep}}, "x", output);
    REQUIRE(refused.ok());
    CHECK((*refused)["error"]["code"] == "invalid_argument");
    CHECK(byte_calls == 1);
  }
  SUBCASE("JSON calls still work on the same connection") {
    auto json_reply = transport->call(kRequest);
    REQUIRE(json_reply.ok());
    CHECK((*json_reply)["result"]["echo"] == "host.facts");
    CHECK(transport->connections_opened() == 1);
  }
  SUBCASE("an answer over the controller's limit fails the call and is not kept") {
    auto huge = transport->call_bytes("volume.huge", params, "", output);
    REQUIRE_FALSE(huge.ok());
    CHECK(huge.status().message().find("answer larger than 64 MiB") != std::string::npos);
    CHECK(output.empty());
  }
}

TEST_CASE("tls transport: an agent without /v1/bytes gets bulk bytes as base64 JSON") {
  TlsTestServer fixture;  // no byte handler: like an agent from before the endpoint
  fixture.start();
  auto transport = transport_for(fixture, fixture.client_files);
  std::string output = "stale";
  for (int i = 0; i < 2; ++i) {
    auto reply = transport->call_bytes("volume.read", {{"name", "d"}}, "abc", output);
    REQUIRE_MESSAGE(reply.ok(), reply.status().message());
    CHECK((*reply)["result"]["echo"] == "volume.read");  // answered by the JSON handler
    CHECK(output.empty());
  }
  CHECK(fixture.handler_calls == 2);
  // The endpoint was tried once; the second call went to /v1/rpc at once.
  std::string log = fixture.log_after_stop();
  size_t tries = 0;
  for (size_t at = log.find("/v1/bytes"); at != std::string::npos;
       at = log.find("/v1/bytes", at + 1))
    ++tries;
  CHECK(tries == 1);
}

TEST_CASE("tls transport: create refuses a missing host or certificate") {
  auto result = TlsTransport::create({"", 7701, "c.pem", "c.key", "ca.pem"});
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().message() == "agent :7701: invalid host or port");
  result = TlsTransport::create({"::1", 7701, "", "", "ca.pem"});
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().message() ==
        "agent [::1]:7701: client certificate, key and CA paths are required");
}

}  // namespace
}  // namespace xc
