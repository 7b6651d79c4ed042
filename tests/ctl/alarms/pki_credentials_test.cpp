// What the credential alarms watch, read from a real state's pki/ folder and
// users table: the CA, hosts' certificates, and users' current certificates
// only (a replaced one is on the CRL and no longer matters).
#include "ctl/alarms/pki_credentials.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <set>

#include "common/pki.h"
#include "ctl/access/access_store.h"
#include "ctl/store/store.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

using namespace xc;
using xc::test::TempDir;
using xc::test::TestPki;

namespace {

std::string issue_into(const TestPki& pki, const std::string& path, const std::string& cn,
                       int64_t not_after) {
  auto id = issue_certificate(pki.ca(), cn, {}, CertificateUsage::kClient, 1'000'000, not_after);
  REQUIRE(id.ok());
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  REQUIRE(write_pem_file(path, id->certificate_pem, kCertificateFileMode).ok());
  return certificate_facts(id->certificate_pem)->serial_hex;
}

}  // namespace

TEST_CASE("credentials: the CA, hosts' certificates and users' current certificates") {
  TempDir dir;
  const std::string state = dir.path("state.db");
  REQUIRE(open_store(state, OpenMode::kCreate).ok());
  TestPki pki;
  const std::string p = dir.path("pki");
  std::filesystem::create_directories(p);
  REQUIRE(write_pem_file(p + "/ca.crt", pki.ca().certificate_pem, kCertificateFileMode).ok());
  issue_into(pki, p + "/hosts/x86-01/agent.crt", "x86-01", 2'000'000'000);
  const std::string current = issue_into(pki, p + "/users/li/issued.crt", "li", 1'900'000'000);
  issue_into(pki, p + "/users/wang/issued.crt", "wang", 1'900'000'000);
  std::filesystem::create_directories(p + "/hosts/x86-02");  // a broken file is left out
  REQUIRE(write_pem_file(p + "/hosts/x86-02/agent.crt", "not a certificate", 0644).ok());

  auto access = AccessStore::open(state);
  REQUIRE(access.ok());
  UserRecord li;
  li.name = "li";
  li.roles = "monitor";
  li.cert_serial = current;
  REQUIRE((*access)->add_user(li).ok());
  UserRecord wang;  // revoked: no current certificate
  wang.name = "wang";
  wang.roles = "monitor";
  REQUIRE((*access)->add_user(wang).ok());

  auto found = pki_credentials(state);
  REQUIRE_MESSAGE(found.ok(), found.status().message());
  std::set<std::string> objects;
  for (const Credential& c : *found) objects.insert(c.object);
  CHECK(objects ==
        std::set<std::string>{"certificate/ca", "certificate/host/x86-01", "certificate/user/li"});
  for (const Credential& c : *found) {
    CAPTURE(c.object);
    CHECK(c.expires);
    CHECK(c.not_before_ms > 0);
    CHECK(c.not_after_ms > c.not_before_ms);
    CHECK_FALSE(c.renew.empty());
    if (c.object == "certificate/host/x86-01") {
      CHECK(c.host == "x86-01");
      CHECK(c.renew == "xcloudctl host renew x86-01");
      CHECK(c.not_after_ms == 2'000'000'000'000);
    }
  }
}

TEST_CASE("credentials: each enabled user's TOTP secret, by its age") {
  TempDir dir;
  const std::string state = dir.path("state.db");
  REQUIRE(open_store(state, OpenMode::kCreate).ok());
  auto access = AccessStore::open(state);
  REQUIRE(access.ok());
  UserRecord li;
  li.name = "li";
  li.roles = "monitor";
  li.totp_secret = "JBSWY3DPEHPK3PXP";
  li.totp_set_ms = 1'700'000'000'000;
  REQUIRE((*access)->add_user(li).ok());
  UserRecord gone = li;  // disabled: not watched
  gone.name = "gone";
  gone.disabled = true;
  REQUIRE((*access)->add_user(gone).ok());
  UserRecord none;  // no second factor yet
  none.name = "none";
  none.roles = "monitor";
  REQUIRE((*access)->add_user(none).ok());
  auto found = pki_credentials(state);
  REQUIRE_MESSAGE(found.ok(), found.status().message());
  REQUIRE(found->size() == 1);
  const Credential& c = found->front();
  CHECK(c.object == "totp/user/li");
  CHECK(c.not_before_ms == 1'700'000'000'000);
  CHECK_FALSE(c.expires);
  CHECK(c.renew == "xcloudctl user totp li");
  // The stored time survives an update.
  auto read = (*access)->user("li");
  REQUIRE((read.ok() && read->has_value()));
  CHECK((*read)->totp_set_ms == 1'700'000'000'000);
}
