#include "agent/network_naming.h"

#include <openssl/evp.h>

namespace xc {

std::string network_bridge_name(const std::string& tenant, const std::string& name) {
  const std::string key = tenant + "/" + name;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(key.data(), key.size(), md, &len, EVP_sha256(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out = "xcbr";
  for (unsigned i = 0; i < 5; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

std::string network_libvirt_name(const std::string& tenant, const std::string& name) {
  std::string t = tenant;
  for (char& c : t)
    if (c == '/') c = '.';
  return "xcn-" + t + "-" + name;
}

}  // namespace xc
