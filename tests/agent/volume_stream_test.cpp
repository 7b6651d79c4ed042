// A host-to-host volume copy over real mutual TLS: a TlsServer offering a
// file (the source's agent) and VolumePulls fetching it (the target's), with
// certificates from a test CA; and the agent's rule that only the
// controller's certificate, or a transfer's for its own stream, is served.
#include <doctest/doctest.h>

#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_OPENSSL_SUPPORT 1
#endif
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "agent/volume_offers.h"
#include "agent/volume_pull.h"
#include "agent/volume_transfer.h"
#include "common/digest.h"
#include "tests/support/tls_test_server.h"

namespace xc {
namespace {

using test::TlsTestServer;

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct StreamFixture {
  TlsTestServer server;
  VolumeOffers offers;
  std::string dir;

  StreamFixture() {
    dir = server.pki.dir() + "/volumes";
    std::filesystem::create_directories(dir);
    server.volume_stream = [this](const std::string& ticket) { return offers.take(ticket); };
    server.start();
  }

  // A file of `size` random bytes in the source's directory.
  std::string source_file(size_t size) {
    std::string bytes(size, '\0');
    std::mt19937 random(7);
    for (char& c : bytes) c = static_cast<char>(random());
    const std::string path = dir + "/source.qcow2";
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  // A pull into target.qcow2 of what is offered under `ticket`, presenting a
  // certificate named `common_name`.
  PullOrder order(const std::string& ticket, int64_t size, const std::string& common_name) {
    PullOrder o;
    o.path = dir + "/target.qcow2";
    o.host = "127.0.0.1";
    o.port = server.port();
    o.ticket = ticket;
    o.size = size;
    auto id = issue_certificate(server.pki.ca(), common_name, {}, CertificateUsage::kClient,
                                test::kLongAgo, test::kFarFuture);
    REQUIRE(id.ok());
    o.identity.cert_pem = id->certificate_pem;
    o.identity.key_pem = id->private_key_pem;
    o.identity.ca_path = server.pki.ca_path();
    o.commit = [path = o.path] { return place_volume_part(path); };
    return o;
  }

  PullState run(VolumePulls& pulls, PullOrder o) {
    const std::string path = o.path;
    REQUIRE(pulls.start(std::move(o)).ok());
    for (int i = 0; i < 200; ++i) {
      auto state = pulls.state(path, std::chrono::milliseconds(100));
      REQUIRE(state);
      if (state->phase != PullState::kRunning) return *state;
    }
    FAIL("the pull did not end");
    return {};
  }
};

// POST /v1/rpc to the fixture's server as the holder of `identity`.
httplib::Result post_rpc_as(StreamFixture& f, const test::PemPaths& identity) {
  httplib::SSLClient client("127.0.0.1", f.server.port(), identity.cert, identity.key);
  client.set_ca_cert_path(f.server.pki.ca_path());
  client.enable_server_certificate_verification(true);
  return client.Post("/v1/rpc", R"({"id":1,"method":"host.facts","params":{}})",
                     "application/json");
}

const std::string kTicket = "0123456789abcdef0123456789abcdef";

TEST_CASE("volume stream: the target pulls the offered file, checked by its SHA-256") {
  StreamFixture f;
  const std::string source = f.source_file((3 << 20) + 12345);  // not a whole number of pieces
  auto size = f.offers.add(kTicket, source);
  REQUIRE(size.ok());
  CHECK(*size == (3 << 20) + 12345);
  VolumePulls pulls;
  PullState done = f.run(pulls, f.order(kTicket, *size, kTransferCommonNamePrefix + kTicket));
  INFO(done.error);
  REQUIRE(done.phase == PullState::kDone);
  CHECK(done.bytes == *size);
  CHECK(done.sha256 == sha256_hex(read_all(source)));
  CHECK(read_all(f.dir + "/target.qcow2") == read_all(source));
  CHECK_FALSE(std::filesystem::exists(f.dir + "/target.qcow2.part"));
  CHECK(f.offers.size() == 0);

  // The ticket is used up: a second pull finds nothing offered.
  PullState again = f.run(pulls, f.order(kTicket, *size, kTransferCommonNamePrefix + kTicket));
  CHECK(again.phase == PullState::kFailed);
  CHECK(again.error.find("no volume is offered") != std::string::npos);
  CHECK_FALSE(again.unreached);
  const std::string log = f.server.log_after_stop();
  CHECK(log.find("volume-stream end file=" + source) != std::string::npos);
  CHECK(log.find("result=\"complete\"") != std::string::npos);
}

TEST_CASE("volume stream: a transfer certificate opens its own ticket's stream and nothing else") {
  StreamFixture f;
  const std::string source = f.source_file(4096);
  const std::string other = "ffffffffffffffffffffffffffffffff";
  REQUIRE(f.offers.add(kTicket, source).ok());
  VolumePulls pulls;
  // A certificate made for another ticket does not open this one.
  PullState wrong = f.run(pulls, f.order(kTicket, 4096, kTransferCommonNamePrefix + other));
  CHECK(wrong.phase == PullState::kFailed);
  CHECK(wrong.error.find("not this ticket's") != std::string::npos);
  CHECK(f.offers.size() == 1);  // still there for its rightful holder

  // Nor does a transfer certificate reach the agent's methods.
  auto transfer = f.server.pki.issue("transfer", CertificateUsage::kClient);
  auto id = issue_certificate(f.server.pki.ca(), kTransferCommonNamePrefix + kTicket, {},
                              CertificateUsage::kClient, test::kLongAgo, test::kFarFuture);
  REQUIRE(id.ok());
  REQUIRE(write_pem_file(transfer.cert, id->certificate_pem, kCertificateFileMode).ok());
  REQUIRE(write_pem_file(transfer.key, id->private_key_pem, kPrivateKeyFileMode).ok());
  auto rpc = post_rpc_as(f, transfer);
  REQUIRE(rpc);
  CHECK(rpc->status == 403);
  CHECK(f.server.handler_calls == 0);
}

TEST_CASE("agent: a user's or a host's certificate from the same CA is refused at the handshake") {
  StreamFixture f;
  for (const char* who : {"alice", "kp-01"}) {
    CAPTURE(who);
    CHECK_FALSE(post_rpc_as(f, f.server.pki.issue(who, CertificateUsage::kClient)));
  }
  // The controller's is served.
  auto rpc = post_rpc_as(f, f.server.client_files);
  REQUIRE(rpc);
  CHECK(rpc->status == 200);
  CHECK(f.server.handler_calls == 1);
  const std::string log = f.server.log_after_stop();
  CHECK(log.find("CN=alice is not the controller's") != std::string::npos);
  CHECK(log.find("CN=kp-01 is not the controller's") != std::string::npos);
}

TEST_CASE(
    "volume stream: a source that cannot be reached is said so, for the controller to relay") {
  StreamFixture f;
  VolumePulls pulls;
  PullOrder o = f.order(kTicket, 10, kTransferCommonNamePrefix + kTicket);
  f.server.stop();
  PullState failed = f.run(pulls, std::move(o));
  CHECK(failed.phase == PullState::kFailed);
  CHECK(failed.unreached);
}

TEST_CASE("volume offers: tickets are checked, bounded and used once") {
  VolumeOffers offers;
  test::TestPki pki;
  const std::string file = pki.ca_path();
  CHECK(offers.add("short", file).status().code() == Code::kInvalidArgument);
  CHECK(offers.add("0123456789ABCDEF0123456789ABCDEF", file).status().code() ==
        Code::kInvalidArgument);
  CHECK(offers.add(kTicket, pki.dir() + "/none").status().code() == Code::kNotFound);
  auto now = VolumeOffers::Clock::now();
  REQUIRE(offers.add(kTicket, file, now).ok());
  CHECK(offers.add(kTicket, file, now).status().code() == Code::kConflict);
  // Expired offers close their file and free their place.
  CHECK(offers.take(kTicket, now + VolumeOffers::kOfferLifetime).status().code() ==
        Code::kNotFound);
  for (size_t i = 0; i < VolumeOffers::kMaxOffers; ++i) {
    char ticket[33];
    std::snprintf(ticket, sizeof ticket, "%032zx", i);
    REQUIRE(offers.add(ticket, file, now).ok());
  }
  CHECK(offers.add("ffffffffffffffffffffffffffffffff", file, now).status().code() ==
        Code::kUnavailable);
  auto taken = offers.take(std::string(31, '0') + "5", now);
  REQUIRE(taken.ok());
  CHECK(taken->fd >= 0);
  CHECK(offers.take(std::string(31, '0') + "5", now).status().code() == Code::kNotFound);
}

}  // namespace
}  // namespace xc
