#include "ctl/hosts/qemu_tls_bundle.h"

#include <doctest/doctest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>

#include "tests/support/test_pki.h"

namespace {

using xc::test::kTestNow;
using xc::test::TestPki;

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

// The keyUsage bits of a PEM certificate file (QEMU wants keyEncipherment).
uint32_t key_usage_of(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  REQUIRE(f != nullptr);
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  REQUIRE(cert != nullptr);
  uint32_t usage = X509_get_key_usage(cert);
  X509_free(cert);
  return usage;
}

}  // namespace

TEST_CASE("qemu TLS bundle: the five files libvirt's migrate_tls reads, from the cloud CA") {
  TestPki pki;
  const std::string dir = pki.dir() + "/hosts/vh-a/qemu";
  REQUIRE(xc::write_qemu_tls_bundle(pki.ca(), "vh-a", {"127.0.0.1", "vh-a"}, dir,
                                    xc::test::kLongAgo, xc::test::kFarFuture)
              .ok());
  CHECK(mode_of(dir) == 0700);
  CHECK(mode_of(dir + "/server-key.pem") == 0600);
  CHECK(mode_of(dir + "/client-key.pem") == 0600);
  CHECK(mode_of(dir + "/ca-cert.pem") == 0644);
  for (const char* role : {"server", "client"}) {
    std::string cert = dir + "/" + role + "-cert.pem", key = dir + "/" + role + "-key.pem";
    auto checked = xc::check_own_certificate(cert, key, pki.ca_path(), kTestNow);
    CHECK_MESSAGE(checked.ok(), checked.message());
    CHECK((key_usage_of(cert) & (KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT)) ==
          (KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT));
  }
  // The agent's own certificates keep the narrower usage.
  auto agent = pki.issue("agent", xc::CertificateUsage::kServer);
  CHECK((key_usage_of(agent.cert) & KU_KEY_ENCIPHERMENT) == 0);
}
