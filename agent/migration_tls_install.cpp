#include "agent/migration_tls_install.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace xc {
namespace {

struct Target {
  const char* name;
  const std::string* pem;
  mode_t mode;  // when there is no file to take it from
};

// Writes `pem` as PATH.new with the owner and mode of PATH, if it exists.
Status write_beside(const std::string& path, const std::string& pem, mode_t fallback_mode) {
  struct stat old {};
  const bool existed = ::stat(path.c_str(), &old) == 0;
  const std::string temp = path + ".new";
  const mode_t mode = existed ? (old.st_mode & 07777) : fallback_mode;
  if (Status w = write_pem_file(temp, pem, mode); !w.ok()) return w;
  if (existed && ::chown(temp.c_str(), old.st_uid, old.st_gid) != 0 && errno != EPERM) {
    int e = errno;
    ::unlink(temp.c_str());
    return error(Code::kIo, temp + ": chown: " + std::strerror(e));
  }
  return {};
}

}  // namespace

Status install_migration_tls_files(const std::string& dir, const MigrationTlsFiles& f,
                                   UnixSeconds now) {
  const std::vector<Target> targets = {{"server-key.pem", &f.server_key, kPrivateKeyFileMode},
                                       {"server-cert.pem", &f.server_cert, kCertificateFileMode},
                                       {"client-key.pem", &f.client_key, kPrivateKeyFileMode},
                                       {"client-cert.pem", &f.client_cert, kCertificateFileMode},
                                       {"ca-cert.pem", &f.ca, kCertificateFileMode}};
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return error(Code::kFailedPrecondition,
                 dir + ": no such directory (qemu.conf's migration certificate directory)");
  auto remove_pending = [&] {
    for (const Target& t : targets) ::unlink((dir + "/" + t.name + ".new").c_str());
  };
  Status s;
  for (const Target& t : targets) {
    s = write_beside(dir + "/" + t.name, *t.pem, t.mode);
    if (!s.ok()) break;
  }
  const std::string ca_new = dir + "/ca-cert.pem.new";
  for (const char* role : {"server", "client"}) {
    if (!s.ok()) break;
    const std::string base = dir + "/" + role;
    s = check_own_certificate(base + "-cert.pem.new", base + "-key.pem.new", ca_new, now);
  }
  if (!s.ok()) {
    remove_pending();
    return s;
  }
  for (const Target& t : targets) {
    const std::string path = dir + "/" + t.name;
    if (std::rename((path + ".new").c_str(), path.c_str()) != 0) {
      int e = errno;
      remove_pending();
      return error(Code::kIo, "rename " + path + ".new: " + std::strerror(e));
    }
  }
  return {};
}

}  // namespace xc
