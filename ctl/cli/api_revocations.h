// The supervision API's view of the users' CRL (<state dir>/pki/users.crl):
// checked on every TLS handshake, reread whenever the file changes (its
// inode, size or modification time), so `user revoke-cert` takes effect at
// the next handshake. The CA file is reread with it (a `ca rotate` re-signs
// the CRL with the new CA). A CRL that is unreadable or not signed by a CA
// of the file refuses every certificate until it is fixed. Thread-safe.
#pragma once

#include <sys/types.h>

#include <mutex>
#include <set>
#include <string>

namespace xc {

class RevocationWatch {
 public:
  RevocationWatch(std::string crl_path, std::string ca_path)
      : path_(std::move(crl_path)), ca_path_(std::move(ca_path)) {}

  // Why the certificate with this serial (uppercase hex) is refused; "" when
  // it is not revoked.
  std::string refusal(const std::string& serial_hex);

 private:
  void reload_if_changed();  // under mutex_

  const std::string path_;
  const std::string ca_path_;
  std::mutex mutex_;
  bool seen_ = false;  // the file's identity below was read at least once
  ino_t inode_ = 0;
  off_t size_ = -1;
  int64_t mtime_ns_ = -1;
  int64_t ca_mtime_ns_ = -1;
  std::set<std::string> revoked_;
  std::string broken_;  // why the CRL cannot be used; "" when it can
};

}  // namespace xc
