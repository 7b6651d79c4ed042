// Where xcloudctl keeps its PKI: <state dir>/pki/{ca,controller}.{crt,key}
// and one bundle per enrolled host in <state dir>/pki/hosts/NAME/. Paths, and
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
};

PkiFiles pki_files_for_state(const std::string& state_path);

// Creates `dir` and the missing directories above it with mode 0700, and
// narrows `dir` to 0700 if it existed wider (an older xcloudctl made
// pki/hosts 0777 & ~umask).
Status make_private_dir(const std::string& dir);

}  // namespace xc
