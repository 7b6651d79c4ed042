#include "agent/identity_install.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/pki.h"
#include "tests/support/test_pki.h"

namespace xc {
namespace {

using test::kTestNow;
using test::TestPki;

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

struct Agent {
  TestPki pki;
  IdentityPaths paths;
  Agent() {
    auto files = pki.issue("agent", CertificateUsage::kServer, {"127.0.0.1"});
    paths = {files.cert, files.key, pki.ca_path()};
  }
  std::string serial() const { return certificate_facts(read_all(paths.cert))->serial_hex; }
  bool pending_files() const {
    return std::filesystem::exists(paths.cert + ".new") ||
           std::filesystem::exists(paths.key + ".new");
  }
};

TEST_CASE("a renewed agent certificate is checked, then replaces the old pair") {
  Agent a;
  const std::string before = a.serial();
  auto renewed = issue_certificate(a.pki.ca(), "agent", {"127.0.0.1"}, CertificateUsage::kServer,
                                   kTestNow - 300, kTestNow + 86400);
  REQUIRE(renewed.ok());
  REQUIRE(install_identity_files(a.paths, renewed->certificate_pem, renewed->private_key_pem, "",
                                 kTestNow)
              .ok());
  CHECK(a.serial() != before);
  CHECK(check_own_certificate(a.paths.cert, a.paths.key, a.paths.ca, kTestNow).ok());
  CHECK_FALSE(a.pending_files());
  const auto private_mode =
      std::filesystem::perms::owner_read | std::filesystem::perms::owner_write;
  CHECK((std::filesystem::status(a.paths.key).permissions() & std::filesystem::perms::all) ==
        private_mode);
}

TEST_CASE("a pair that does not match, or from another CA, changes nothing") {
  Agent a;
  const std::string before = a.serial();
  auto one = issue_certificate(a.pki.ca(), "agent", {}, CertificateUsage::kServer, kTestNow - 300,
                               kTestNow + 86400);
  auto two = issue_certificate(a.pki.ca(), "agent", {}, CertificateUsage::kServer, kTestNow - 300,
                               kTestNow + 86400);
  REQUIRE((one.ok() && two.ok()));
  Status mismatched =
      install_identity_files(a.paths, one->certificate_pem, two->private_key_pem, "", kTestNow);
  CHECK_FALSE(mismatched.ok());
  CHECK(mismatched.message().find("does not match key") != std::string::npos);

  TestPki other("another CA");
  auto foreign = issue_certificate(other.ca(), "agent", {}, CertificateUsage::kServer,
                                   kTestNow - 300, kTestNow + 86400);
  REQUIRE(foreign.ok());
  CHECK_FALSE(install_identity_files(a.paths, foreign->certificate_pem, foreign->private_key_pem,
                                     "", kTestNow)
                  .ok());
  auto expired = issue_certificate(a.pki.ca(), "agent", {}, CertificateUsage::kServer,
                                   kTestNow - 86400, kTestNow - 60);
  REQUIRE(expired.ok());
  CHECK_FALSE(install_identity_files(a.paths, expired->certificate_pem, expired->private_key_pem,
                                     "", kTestNow)
                  .ok());
  CHECK(a.serial() == before);
  CHECK(check_own_certificate(a.paths.cert, a.paths.key, a.paths.ca, kTestNow).ok());
  CHECK_FALSE(a.pending_files());
}

TEST_CASE("an install cut between its renames is finished at the next start") {
  Agent a;
  auto renewed = issue_certificate(a.pki.ca(), "agent", {}, CertificateUsage::kServer,
                                   kTestNow - 300, kTestNow + 86400);
  REQUIRE(renewed.ok());
  // As the install leaves it after renaming the key: new key, old certificate.
  REQUIRE(write_pem_file(a.paths.key, renewed->private_key_pem, kPrivateKeyFileMode).ok());
  REQUIRE(
      write_pem_file(a.paths.cert + ".new", renewed->certificate_pem, kCertificateFileMode).ok());
  CHECK_FALSE(check_own_certificate(a.paths.cert, a.paths.key, a.paths.ca, kTestNow).ok());
  auto done = finish_identity_install(a.paths, kTestNow);
  REQUIRE(done.ok());
  CHECK(done->find("finished installing") != std::string::npos);
  CHECK(check_own_certificate(a.paths.cert, a.paths.key, a.paths.ca, kTestNow).ok());
  CHECK(a.serial() == certificate_facts(renewed->certificate_pem)->serial_hex);
  CHECK_FALSE(a.pending_files());
}

TEST_CASE("an install cut before its renames leaves the old pair") {
  Agent a;
  const std::string before = a.serial();
  auto renewed = issue_certificate(a.pki.ca(), "agent", {}, CertificateUsage::kServer,
                                   kTestNow - 300, kTestNow + 86400);
  REQUIRE(renewed.ok());
  REQUIRE(write_pem_file(a.paths.key + ".new", renewed->private_key_pem, kPrivateKeyFileMode).ok());
  REQUIRE(
      write_pem_file(a.paths.cert + ".new", renewed->certificate_pem, kCertificateFileMode).ok());
  auto done = finish_identity_install(a.paths, kTestNow);
  REQUIRE(done.ok());
  CHECK(done->find("dropped") != std::string::npos);
  CHECK(a.serial() == before);
  CHECK_FALSE(a.pending_files());
  auto nothing = finish_identity_install(a.paths, kTestNow);
  REQUIRE(nothing.ok());
  CHECK(nothing->empty());
}

TEST_CASE("a CA rotation: the new CA file comes with a certificate it vouches for") {
  Agent a;
  TestPki next("xcloud CA 2");
  const std::string bundle = next.ca().certificate_pem + a.pki.ca().certificate_pem;
  auto renewed = issue_certificate(next.ca(), "agent", {}, CertificateUsage::kServer,
                                   kTestNow - 300, kTestNow + 86400);
  REQUIRE(renewed.ok());
  // Without the new CA file, a certificate from the new CA is refused.
  CHECK_FALSE(install_identity_files(a.paths, renewed->certificate_pem, renewed->private_key_pem,
                                     "", kTestNow)
                  .ok());
  REQUIRE(install_identity_files(a.paths, renewed->certificate_pem, renewed->private_key_pem,
                                 bundle, kTestNow)
              .ok());
  CHECK(read_all(a.paths.ca) == bundle);
  CHECK(check_own_certificate(a.paths.cert, a.paths.key, a.paths.ca, kTestNow).ok());
  CHECK_FALSE(std::filesystem::exists(a.paths.ca + ".new"));
  auto split = split_certificates(bundle);
  REQUIRE(split.ok());
  CHECK(split->size() == 2);
  CHECK(*certificate_issued_by(renewed->certificate_pem, (*split)[0]));
  CHECK_FALSE(*certificate_issued_by(renewed->certificate_pem, (*split)[1]));
  // A CA file that does not vouch for the certificate changes nothing.
  TestPki stranger("stranger");
  const std::string before = read_all(a.paths.ca);
  CHECK_FALSE(install_identity_files(a.paths, renewed->certificate_pem, renewed->private_key_pem,
                                     stranger.ca().certificate_pem, kTestNow)
                  .ok());
  CHECK(read_all(a.paths.ca) == before);
  CHECK_FALSE(std::filesystem::exists(a.paths.ca + ".new"));
}

TEST_CASE("a CA rotation cut after the certificate's rename is finished at the next start") {
  Agent a;
  TestPki next("xcloud CA 2");
  auto renewed = issue_certificate(next.ca(), "agent", {}, CertificateUsage::kServer,
                                   kTestNow - 300, kTestNow + 86400);
  REQUIRE(renewed.ok());
  // As left after the key's rename: the certificate and CA file pending.
  REQUIRE(write_pem_file(a.paths.key, renewed->private_key_pem, kPrivateKeyFileMode).ok());
  REQUIRE(
      write_pem_file(a.paths.cert + ".new", renewed->certificate_pem, kCertificateFileMode).ok());
  REQUIRE(
      write_pem_file(a.paths.ca + ".new", next.ca().certificate_pem, kCertificateFileMode).ok());
  auto done = finish_identity_install(a.paths, kTestNow);
  REQUIRE(done.ok());
  CHECK(done->find("and CA file") != std::string::npos);
  CHECK(check_own_certificate(a.paths.cert, a.paths.key, a.paths.ca, kTestNow).ok());
  CHECK(read_all(a.paths.ca) == next.ca().certificate_pem);
  // Cut after the certificate too: only the CA file is left to rename.
  REQUIRE(
      write_pem_file(a.paths.ca + ".new", a.pki.ca().certificate_pem, kCertificateFileMode).ok());
  done = finish_identity_install(a.paths, kTestNow);
  REQUIRE(done.ok());
  CHECK(done->find("finished installing the CA file") != std::string::npos);
  CHECK(read_all(a.paths.ca) == a.pki.ca().certificate_pem);
}

TEST_CASE("a certificate's facts: names, serial and validity") {
  TestPki pki;
  auto id = issue_certificate(pki.ca(), "kp-01", {"10.8.0.13", "kp-01.bureau", "fd00::5"},
                              CertificateUsage::kServer, kTestNow, kTestNow + 86400);
  REQUIRE(id.ok());
  auto f = certificate_facts(id->certificate_pem);
  REQUIRE(f.ok());
  CHECK(f->common_name == "kp-01");
  CHECK(f->subject_alt_names == std::vector<std::string>{"10.8.0.13", "kp-01.bureau", "fd00::5"});
  CHECK(f->not_before == kTestNow);
  CHECK(f->not_after == kTestNow + 86400);
  CHECK_FALSE(f->is_ca);
  CHECK(f->serial_hex.size() >= 16);
  CHECK(certificate_facts(pki.ca().certificate_pem)->is_ca);
  CHECK_FALSE(certificate_facts("not a certificate").ok());
}

}  // namespace
}  // namespace xc
