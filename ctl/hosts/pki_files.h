// Where xcloudctl keeps its PKI: <state dir>/pki/{ca,controller}.{crt,key}
// and one bundle per enrolled host in <state dir>/pki/hosts/NAME/. Pure paths.
#pragma once

#include <string>

namespace xc {

struct PkiFiles {
  std::string dir;  // <state dir>/pki
  std::string ca_cert() const { return dir + "/ca.crt"; }
  std::string ca_key() const { return dir + "/ca.key"; }
  std::string controller_cert() const { return dir + "/controller.crt"; }
  std::string controller_key() const { return dir + "/controller.key"; }
  // Host names are validated DNS labels before they reach a path.
  std::string host_dir(const std::string& host) const { return dir + "/hosts/" + host; }
};

PkiFiles pki_files_for_state(const std::string& state_path);

}  // namespace xc
