#include "agent/identity_install.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace xc {
namespace {

std::string pending(const std::string& path) {
  return path + ".new";
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

// fsyncs the file, so that the rename that follows publishes its bytes.
Status sync_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return error(Code::kIo, path + ": " + std::strerror(errno));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return error(Code::kIo, path + ": fsync: " + std::strerror(errno));
  return {};
}

Status sync_dir_of(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  return sync_file(dir.empty() ? "." : dir);
}

Status rename_over(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0)
    return error(Code::kIo, "rename " + from + " to " + to + ": " + std::strerror(errno));
  return sync_dir_of(to);
}

void remove_pending(const IdentityPaths& paths) {
  ::unlink(pending(paths.cert).c_str());
  ::unlink(pending(paths.key).c_str());
  ::unlink(pending(paths.ca).c_str());
}

// The CA file the pending certificate is checked against.
std::string pending_ca_or_current(const IdentityPaths& paths) {
  return exists(pending(paths.ca)) ? pending(paths.ca) : paths.ca;
}

// After the certificate: the CA file, when one came with it.
Status rename_pending_ca(const IdentityPaths& paths) {
  return exists(pending(paths.ca)) ? rename_over(pending(paths.ca), paths.ca) : Status{};
}

}  // namespace

Status install_identity_files(const IdentityPaths& paths, const std::string& cert_pem,
                              const std::string& key_pem, const std::string& ca_pem,
                              UnixSeconds now) {
  const std::string cert_new = pending(paths.cert), key_new = pending(paths.key);
  remove_pending(paths);
  Status s;
  if (!ca_pem.empty()) {
    s = write_pem_file(pending(paths.ca), ca_pem, kCertificateFileMode);
    if (s.ok()) s = sync_file(pending(paths.ca));
  }
  if (s.ok()) s = write_pem_file(key_new, key_pem, kPrivateKeyFileMode);
  if (s.ok()) s = write_pem_file(cert_new, cert_pem, kCertificateFileMode);
  if (s.ok()) s = check_own_certificate(cert_new, key_new, pending_ca_or_current(paths), now);
  if (s.ok()) s = sync_file(key_new);
  if (s.ok()) s = sync_file(cert_new);
  if (!s.ok()) {
    remove_pending(paths);
    return s;
  }
  // Key first: a crash after it is finished at the next start.
  if (Status r = rename_over(key_new, paths.key); !r.ok()) {
    remove_pending(paths);
    return r;
  }
  if (Status r = rename_over(cert_new, paths.cert); !r.ok()) return r;
  return rename_pending_ca(paths);
}

Result<std::string> finish_identity_install(const IdentityPaths& paths, UnixSeconds now) {
  const std::string cert_new = pending(paths.cert), key_new = pending(paths.key);
  const bool ca_new = exists(pending(paths.ca));
  if (!exists(cert_new) && !exists(key_new) && !ca_new) return std::string();
  if (exists(key_new)) {  // stopped before the key was renamed: the old files stand
    remove_pending(paths);
    return "dropped an unfinished certificate install (" + cert_new + ")";
  }
  if (!exists(cert_new)) {  // stopped after the certificate: the CA file is left
    if (Status s = rename_pending_ca(paths); !s.ok()) return s;
    return "finished installing the CA file " + paths.ca;
  }
  if (check_own_certificate(cert_new, paths.key, pending_ca_or_current(paths), now).ok()) {
    if (Status s = rename_over(cert_new, paths.cert); !s.ok()) return s;
    if (Status s = rename_pending_ca(paths); !s.ok()) return s;
    return "finished installing the renewed certificate " + paths.cert +
           (ca_new ? " and CA file " + paths.ca : "");
  }
  remove_pending(paths);
  return "dropped " + cert_new + ": it does not match " + paths.key;
}

}  // namespace xc
