#include "common/pki.h"

#include <doctest/doctest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <memory>

#include "tests/support/test_pki.h"

namespace xc {
namespace {

using test::kFarFuture;
using test::kLongAgo;
using test::kTestNow;

constexpr UnixSeconds k2025 = 1735689600;      // 2025-01-01T00:00:00Z
constexpr UnixSeconds k2026Jan2 = 1767312000;  // 2026-01-02T00:00:00Z
constexpr UnixSeconds k2090 = 3786912000;      // 2090-01-01T00:00:00Z

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr parse(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509Ptr cert(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  REQUIRE(cert);
  return cert;
}

bool critical(X509* cert, int nid) {
  int index = X509_get_ext_by_NID(cert, nid, -1);
  return index >= 0 && X509_EXTENSION_get_critical(X509_get_ext(cert, index)) == 1;
}

std::vector<std::string> subject_alt_names(X509* cert) {
  std::vector<std::string> out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    int type = 0;
    auto* value = static_cast<ASN1_STRING*>(GENERAL_NAME_get0_value(name, &type));
    std::string bytes(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                      static_cast<size_t>(ASN1_STRING_length(value)));
    out.push_back((type == GEN_DNS ? "DNS:" : "IP bytes:") + std::to_string(bytes.size()) +
                  (type == GEN_DNS ? ":" + bytes : ""));
  }
  GENERAL_NAMES_free(names);
  return out;
}

TEST_CASE("pki: create_ca makes a self-signed P-256 CA with critical CA constraints") {
  auto ca = create_ca("xcloud CA", kLongAgo, kFarFuture);
  REQUIRE(ca.ok());
  X509Ptr cert = parse(ca->certificate_pem);
  CHECK(X509_check_ca(cert.get()) == 1);
  CHECK(critical(cert.get(), NID_basic_constraints));
  CHECK(critical(cert.get(), NID_key_usage));
  CHECK(X509_get_key_usage(cert.get()) == (KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  CHECK(X509_check_issued(cert.get(), cert.get()) == X509_V_OK);
  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  char group[64] = {};
  size_t length = 0;
  REQUIRE(EVP_PKEY_get_group_name(key, group, sizeof group, &length) == 1);
  CHECK(std::string(group) == "prime256v1");
  CHECK(ca->private_key_pem.rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
}

TEST_CASE("pki: issue_certificate signs a server leaf with DNS and IP names") {
  test::TestPki pki;
  auto issued = issue_certificate(pki.ca(), "agent-1", {"agent-1.example", "127.0.0.1", "::1"},
                                  CertificateUsage::kServer, kLongAgo, kFarFuture);
  REQUIRE(issued.ok());
  X509Ptr cert = parse(issued->certificate_pem);
  X509Ptr ca = parse(pki.ca().certificate_pem);
  CHECK(X509_verify(cert.get(), X509_get0_pubkey(ca.get())) == 1);
  CHECK(X509_check_ca(cert.get()) == 0);
  CHECK(critical(cert.get(), NID_basic_constraints));
  CHECK(X509_get_extended_key_usage(cert.get()) == XKU_SSL_SERVER);
  CHECK(subject_alt_names(cert.get()) ==
        std::vector<std::string>{"DNS:15:agent-1.example", "IP bytes:4", "IP bytes:16"});
  CHECK(X509_check_host(cert.get(), "agent-1.example", 0, 0, nullptr) == 1);
  CHECK(X509_check_ip_asc(cert.get(), "127.0.0.1", 0) == 1);
  CHECK(X509_check_ip_asc(cert.get(), "::1", 0) == 1);
  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert.get());
  CHECK(ASN1_STRING_length(serial) == 16);
  auto second =
      issue_certificate(pki.ca(), "agent-1", {}, CertificateUsage::kServer, kLongAgo, kFarFuture);
  REQUIRE(second.ok());
  X509Ptr other = parse(second->certificate_pem);
  CHECK(ASN1_INTEGER_cmp(serial, X509_get0_serialNumber(other.get())) != 0);
}

TEST_CASE("pki: a client certificate carries clientAuth and CA:FALSE unless asked") {
  test::TestPki pki;
  auto client =
      issue_certificate(pki.ca(), "xcloudctl", {}, CertificateUsage::kClient, kLongAgo, kFarFuture);
  REQUIRE(client.ok());
  X509Ptr cert = parse(client->certificate_pem);
  CHECK(X509_get_extended_key_usage(cert.get()) == XKU_SSL_CLIENT);
  CHECK(X509_check_ca(cert.get()) == 0);
  auto posing = issue_certificate(pki.ca(), "sub CA", {}, CertificateUsage::kClient, kLongAgo,
                                  kFarFuture, /*is_ca=*/true);
  REQUIRE(posing.ok());
  CHECK(X509_check_ca(parse(posing->certificate_pem).get()) == 1);
}

TEST_CASE("pki: bad subject alternative names and validity windows are refused") {
  test::TestPki pki;
  auto bad = issue_certificate(pki.ca(), "x", {"agent 1"}, CertificateUsage::kServer, kLongAgo,
                               kFarFuture);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == Code::kInvalidArgument);
  CHECK(bad.status().message() ==
        "subject alternative name \"agent 1\": not a DNS name or IP address");
  auto backwards = create_ca("ca", kFarFuture, kLongAgo);
  REQUIRE_FALSE(backwards.ok());
  CHECK(backwards.status().message() ==
        "certificate \"ca\": not_after must be later than not_before");
}

TEST_CASE("pki: write_pem_file gives private keys mode 0600 even over a wider file") {
  test::TestPki pki;
  std::string path = pki.dir() + "/key.pem";
  REQUIRE(write_pem_file(path, "old", 0644).ok());
  REQUIRE(write_pem_file(path, "secret", kPrivateKeyFileMode).ok());
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(st.st_size == 6);
  Status status = write_pem_file(pki.dir() + "/missing/key.pem", "x", kPrivateKeyFileMode);
  CHECK(status.message() ==
        pki.dir() + "/missing/key.pem: cannot write: No such file or directory");
}

TEST_CASE("pki: check_own_certificate accepts a valid pair and names each fault") {
  test::TestPki pki;
  auto good = pki.issue("agent", CertificateUsage::kServer, {"127.0.0.1"});
  CHECK(check_own_certificate(good.cert, good.key, pki.ca_path(), kTestNow).ok());

  auto expired = pki.issue("expired", CertificateUsage::kServer, {}, k2025, k2026Jan2);
  Status status = check_own_certificate(expired.cert, expired.key, pki.ca_path(), kTestNow);
  CHECK(status.code() == Code::kFailedPrecondition);
  CHECK(status.message() == "certificate " + expired.cert + " expired on 2026-01-02T00:00:00Z");

  auto early = pki.issue("early", CertificateUsage::kServer, {}, k2090, kFarFuture);
  status = check_own_certificate(early.cert, early.key, pki.ca_path(), kTestNow);
  CHECK(status.message() ==
        "certificate " + early.cert + " is not valid until 2090-01-01T00:00:00Z");

  status = check_own_certificate(good.cert, expired.key, pki.ca_path(), kTestNow);
  CHECK(status.message() == "certificate " + good.cert + " does not match key " + expired.key);

  test::TestPki foreign("foreign CA");
  auto stranger = foreign.issue("stranger", CertificateUsage::kServer);
  status = check_own_certificate(stranger.cert, stranger.key, pki.ca_path(), kTestNow);
  CHECK(status.message() == "certificate " + stranger.cert + " is not signed by CA " +
                                pki.ca_path() + " (unable to get local issuer certificate)");

  status = check_own_certificate(pki.dir() + "/none.pem", good.key, pki.ca_path(), kTestNow);
  CHECK(status.code() == Code::kIo);
  CHECK(status.message() ==
        "certificate " + pki.dir() + "/none.pem: cannot read: No such file or directory");
}

TEST_CASE("pki: format_utc prints ISO 8601 UTC") {
  CHECK(format_utc(kTestNow) == "2026-11-29T07:50:00Z");
  CHECK(format_utc(0) == "1970-01-01T00:00:00Z");
}

}  // namespace
}  // namespace xc
