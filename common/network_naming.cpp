#include "common/network_naming.h"

#include <algorithm>

#include "common/digest.h"

namespace xc {

std::string network_bridge_name(const std::string& tenant, const std::string& name) {
  return "xcbr" + sha256_hex(tenant + "/" + name).substr(0, 10);
}

std::string nic_network_bridge(const std::string& network) {
  size_t slash = network.rfind('/');
  if (slash == std::string::npos) return network;
  return network_bridge_name(network.substr(0, slash), network.substr(slash + 1));
}

std::string network_libvirt_name(const std::string& tenant, const std::string& name) {
  std::string t = tenant;
  for (char& c : t)
    if (c == '/') c = '.';
  return "xcn-" + t + "-" + name;
}

std::string security_group_filter_name(const std::string& tenant, const std::string& name) {
  std::string t = tenant;
  std::replace(t.begin(), t.end(), '/', '.');
  return "xcsg-" + t + "." + name;
}

std::string security_group_set_filter_name(const std::string& tenant,
                                           std::vector<std::string> groups) {
  std::sort(groups.begin(), groups.end());
  groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
  std::string key = tenant + ":";
  for (size_t i = 0; i < groups.size(); ++i) key += (i ? "," : "") + groups[i];
  return "xcsgset-" + sha256_hex(key).substr(0, 16);
}

}  // namespace xc
