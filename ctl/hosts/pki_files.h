// Where xcloudctl keeps its PKI: <state dir>/pki/{ca,controller}.{crt,key},
// one bundle per enrolled host in <state dir>/pki/hosts/NAME/, operators'
// certificates in pki/users/NAME/ and their CRL in pki/users.crl. Paths, and
// the directories for them, private to the owner whatever the umask.
#pragma once

#include <string>

#include "common/status.h"

namespace xc {

struct PkiFiles {
  std::string dir;  // <state dir>/pki
  std::string ca_cert() const { return dir + "/ca.crt"; }
  std::string ca_key() const { return dir + "/ca.key"; }
  std::string controller_cert() const { return dir + "/controller.crt"; }
  std::string controller_key() const { return dir + "/controller.key"; }
  // Host names are validated DNS labels before they reach a path.
  std::string hosts_dir() const { return dir + "/hosts"; }
  std::string host_dir(const std::string& host) const { return hosts_dir() + "/" + host; }
  // Operators' client certificates (user names are validated labels too),
  // and the CA's list of the ones revoked.
  std::string users_dir() const { return dir + "/users"; }
  std::string user_dir(const std::string& user) const { return users_dir() + "/" + user; }
  std::string users_crl() const { return dir + "/users.crl"; }
};

PkiFiles pki_files_for_state(const std::string& state_path);

// Creates `dir` and the missing directories above it with mode 0700, and
// narrows `dir` to 0700 if it existed wider (an older xcloudctl made
// pki/hosts 0777 & ~umask).
Status make_private_dir(const std::string& dir);

}  // namespace xc
