#include "ctl/hosts/revoked_host_keys.h"

#include <fstream>
#include <sstream>

namespace xc {
namespace {

// The key of a line "@revoked HOSTS TYPE BASE64 [COMMENT]", if it parses.
ssh_key revoked_key_of(const std::string& line) {
  std::istringstream fields(line);
  std::string marker, hosts, type, base64;
  fields >> marker >> hosts >> type >> base64;
  if (marker != "@revoked" || base64.empty()) return nullptr;
  ssh_key key = nullptr;
  if (ssh_pki_import_pubkey_base64(base64.c_str(), ssh_key_type_from_name(type.c_str()), &key) !=
      SSH_OK) {
    return nullptr;
  }
  return key;
}

}  // namespace

bool host_key_is_revoked(const std::string& path, ssh_key key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line.compare(start, 8, "@revoked") != 0) continue;
    ssh_key revoked = revoked_key_of(line.substr(start));
    if (revoked == nullptr) continue;
    bool same = ssh_key_cmp(revoked, key, SSH_KEY_CMP_PUBLIC) == 0;
    ssh_key_free(revoked);
    if (same) return true;
  }
  return false;
}

}  // namespace xc
