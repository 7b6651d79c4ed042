#include "common/crl.h"

#include <doctest/doctest.h>

#include "tests/support/test_pki.h"

namespace xc {
namespace {

using test::kFarFuture;
using test::kLongAgo;
using test::kTestNow;

TlsIdentity ca_named(const std::string& name) {
  auto ca = create_ca(name, kLongAgo, kFarFuture);
  REQUIRE(ca.ok());
  return *ca;
}

TEST_CASE("a CRL lists the revoked serials and is read back only with its CA") {
  TlsIdentity ca = ca_named("xcloud CA");
  auto leaf =
      issue_certificate(ca, "inspector", {}, CertificateUsage::kClient, kLongAgo, kFarFuture);
  REQUIRE(leaf.ok());
  auto serial = certificate_serial_hex(leaf->certificate_pem);
  REQUIRE(serial.ok());
  CHECK(serial->size() == 32);  // 128 random bits, the top one cleared
  CHECK(certificate_common_name(leaf->certificate_pem).value() == "inspector");

  auto crl =
      make_crl(ca, {{*serial, kTestNow}, {"0A1B", kTestNow - 60}}, kTestNow, kTestNow + 86400);
  REQUIRE(crl.ok());
  CHECK(crl->rfind("-----BEGIN X509 CRL-----", 0) == 0);
  auto entries = crl_entries(*crl, ca.certificate_pem);
  REQUIRE(entries.ok());
  REQUIRE(entries->size() == 2);
  // Sorted by serial.
  CHECK((*entries)[0].serial_hex == "0A1B");
  CHECK((*entries)[0].revoked_at == kTestNow - 60);
  CHECK((*entries)[1].serial_hex == *serial);
  CHECK((*entries)[1].revoked_at == kTestNow);

  TlsIdentity other = ca_named("another CA");
  auto foreign = crl_entries(*crl, other.certificate_pem);
  CHECK(foreign.status().message() == "CRL: not signed by the CA");
  CHECK(crl_entries("not a crl", ca.certificate_pem).status().message() == "CRL: not a PEM CRL");
}

TEST_CASE("an empty CRL is valid and a bad serial is refused") {
  TlsIdentity ca = ca_named("xcloud CA");
  auto empty = make_crl(ca, {}, kTestNow, kTestNow + 86400);
  REQUIRE(empty.ok());
  CHECK(crl_entries(*empty, ca.certificate_pem).value().empty());
  CHECK(make_crl(ca, {{"12XY", kTestNow}}, kTestNow, kTestNow + 1).status().message() ==
        "CRL: bad serial \"12XY\"");
  CHECK(make_crl(ca, {{"", kTestNow}}, kTestNow, kTestNow + 1).status().code() ==
        Code::kInvalidArgument);
}

}  // namespace
}  // namespace xc
