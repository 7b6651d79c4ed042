#include "agent/migration_tls.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "tests/support/test_pki.h"

namespace {

using xc::CertificateUsage;
using xc::test::kTestNow;
using xc::test::TestPki;

// The five files libvirt's migrate_tls_x509_cert_dir holds, from `pki`'s CA.
void write_qemu_dir(TestPki& pki, const std::string& dir, const std::string& qemu_conf) {
  std::filesystem::create_directories(dir);
  auto server = pki.issue("server", CertificateUsage::kQemuServer, {"127.0.0.1"});
  auto client = pki.issue("client", CertificateUsage::kQemuClient);
  std::filesystem::copy_file(pki.ca_path(), dir + "/ca-cert.pem");
  std::filesystem::copy_file(server.cert, dir + "/server-cert.pem");
  std::filesystem::copy_file(server.key, dir + "/server-key.pem");
  std::filesystem::copy_file(client.cert, dir + "/client-cert.pem");
  std::filesystem::copy_file(client.key, dir + "/client-key.pem");
  std::ofstream(qemu_conf) << "# test\nmigrate_tls_x509_cert_dir = \"" << dir << "\"\n";
}

}  // namespace

TEST_CASE("migration TLS: qemu.conf's directory and verify setting, libvirt's defaults") {
  auto d = xc::parse_qemu_tls_settings("");
  CHECK(d.cert_dir == "/etc/pki/qemu");
  CHECK(d.verify);
  auto s = xc::parse_qemu_tls_settings(
      "default_tls_x509_cert_dir = \"/etc/pki/all\"\n# migrate_tls_x509_cert_dir = \"/x\"\n"
      "default_tls_x509_verify = 0\n");
  CHECK(s.cert_dir == "/etc/pki/all");
  CHECK_FALSE(s.verify);
  auto m = xc::parse_qemu_tls_settings(
      "default_tls_x509_cert_dir = \"/etc/pki/all\"\n  migrate_tls_x509_cert_dir=\"/etc/pki/mig\"\n"
      "default_tls_x509_verify = 0\nmigrate_tls_x509_verify = 1  # yes\n");
  CHECK(m.cert_dir == "/etc/pki/mig");
  CHECK(m.verify);
}

TEST_CASE("migration TLS: ready only with the cloud CA's certificates and verified clients") {
  TestPki cloud;
  const std::string dir = cloud.dir() + "/qemu", conf = cloud.dir() + "/qemu.conf";
  write_qemu_dir(cloud, dir, conf);
  auto ok = xc::check_migration_tls(conf, cloud.ca_path(), kTestNow);
  CHECK_MESSAGE(ok.ready, ok.problem);
  CHECK(ok.cert_dir == dir);

  // Another CA's directory: libvirt would accept it, the cloud does not.
  TestPki other("another CA");
  const std::string odir = other.dir() + "/qemu", oconf = other.dir() + "/qemu.conf";
  write_qemu_dir(other, odir, oconf);
  auto foreign = xc::check_migration_tls(oconf, cloud.ca_path(), kTestNow);
  CHECK_FALSE(foreign.ready);
  CHECK(foreign.problem.find(odir + "/server-cert.pem") != std::string::npos);

  std::filesystem::remove(dir + "/client-key.pem");
  auto missing = xc::check_migration_tls(conf, cloud.ca_path(), kTestNow);
  CHECK_FALSE(missing.ready);
  CHECK(missing.problem.find("client-key.pem") != std::string::npos);

  std::ofstream(conf, std::ios::app) << "migrate_tls_x509_verify = 0\n";
  auto unverified = xc::check_migration_tls(conf, cloud.ca_path(), kTestNow);
  CHECK_FALSE(unverified.ready);
  CHECK(unverified.problem.find("migrate_tls_x509_verify = 0") != std::string::npos);

  auto none = xc::check_migration_tls(cloud.dir() + "/absent.conf", cloud.ca_path(), kTestNow);
  CHECK_FALSE(none.ready);
  CHECK(none.cert_dir == "/etc/pki/qemu");
}
