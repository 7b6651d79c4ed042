#include "common/network_naming.h"

#include "common/digest.h"

namespace xc {

std::string network_bridge_name(const std::string& tenant, const std::string& name) {
  return "xcbr" + sha256_hex(tenant + "/" + name).substr(0, 10);
}

std::string network_libvirt_name(const std::string& tenant, const std::string& name) {
  std::string t = tenant;
  for (char& c : t)
    if (c == '/') c = '.';
  return "xcn-" + t + "-" + name;
}

}  // namespace xc
