// Test fixture: a throw-away CA and certificates generated at test time in a
// temporary directory (removed afterwards). One fixture per test; not shared
// between threads while issuing.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/pki.h"

namespace xc::test {

inline constexpr UnixSeconds kTestNow = 1795938600;    // 2026-11-29T07:50:00Z
inline constexpr UnixSeconds kLongAgo = 946684800;     // 2000-01-01T00:00:00Z
inline constexpr UnixSeconds kFarFuture = 4102444800;  // 2100-01-01T00:00:00Z

struct PemPaths {
  std::string cert;
  std::string key;
};

class TestPki {
 public:
  explicit TestPki(const std::string& ca_name = "xcloud test CA") {
    std::string pattern = (std::filesystem::temp_directory_path() / "xc-pki-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    dir_ = pattern;
    auto ca = create_ca(ca_name, kLongAgo, kFarFuture);
    REQUIRE_MESSAGE(ca.ok(), ca.status().message());
    ca_ = *ca;
    ca_files_ = write("ca", ca_);
  }
  ~TestPki() { std::filesystem::remove_all(dir_); }
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  const std::string& dir() const { return dir_; }
  const TlsIdentity& ca() const { return ca_; }
  const std::string& ca_path() const { return ca_files_.cert; }
  const std::string& ca_key_path() const { return ca_files_.key; }

  // Issues NAME.pem / NAME.key signed by this CA, valid 2000-2100 by default.
  PemPaths issue(const std::string& name, CertificateUsage usage,
                 const std::vector<std::string>& sans = {}, UnixSeconds not_before = kLongAgo,
                 UnixSeconds not_after = kFarFuture, bool is_ca = false) {
    auto issued = issue_certificate(ca_, name, sans, usage, not_before, not_after, is_ca);
    REQUIRE_MESSAGE(issued.ok(), issued.status().message());
    return write(name, *issued);
  }

  PemPaths write(const std::string& name, const TlsIdentity& identity) {
    PemPaths paths{dir_ + "/" + name + ".pem", dir_ + "/" + name + ".key"};
    REQUIRE(write_pem_file(paths.cert, identity.certificate_pem, kCertificateFileMode).ok());
    REQUIRE(write_pem_file(paths.key, identity.private_key_pem, kPrivateKeyFileMode).ok());
    return paths;
  }

 private:
  std::string dir_;
  TlsIdentity ca_;
  PemPaths ca_files_;
};

}  // namespace xc::test
