// Builds the NoCloud seed's three files with nlohmann-json (JSON is YAML).
#include "common/nocloud_seed.h"

#include <nlohmann/json.hpp>

#include "common/digest.h"

namespace xc {
namespace {

using nlohmann::json;

// One ethernet: matched by MAC; static addresses turn DHCP off for their
// family; ipv6 "auto" accepts router advertisements (SLAAC).
json ethernet(const DomainNic& nic) {
  json e = {{"match", {{"macaddress", nic.mac}}}};
  json addresses = json::array(), routes = json::array();
  bool v4 = !nic.ipv4.empty(), v6 = !nic.ipv6.empty() && nic.ipv6 != "auto";
  if (v4) addresses.push_back(nic.ipv4 + "/" + std::to_string(nic.ipv4_prefix.value_or(32)));
  if (v6) addresses.push_back(nic.ipv6 + "/" + std::to_string(nic.ipv6_prefix.value_or(128)));
  if (v4 && !nic.ipv4_gateway.empty())
    routes.push_back({{"to", "0.0.0.0/0"}, {"via", nic.ipv4_gateway}});
  if (v6 && !nic.ipv6_gateway.empty())
    routes.push_back({{"to", "::/0"}, {"via", nic.ipv6_gateway}});
  e["dhcp4"] = !v4;
  e["dhcp6"] = false;
  if (nic.ipv6 == "auto") e["accept-ra"] = true;
  if (!addresses.empty()) e["addresses"] = addresses;
  if (!routes.empty()) e["routes"] = routes;
  if (!nic.dns.empty()) e["nameservers"] = {{"addresses", nic.dns}};
  return e;
}

}  // namespace

NoCloudSeed nocloud_seed(const DomainSpec& spec) {
  const DomainGuest& guest = *spec.guest;
  NoCloudSeed seed;
  json ethernets = json::object();
  for (size_t i = 0; i < spec.nics.size(); ++i)
    ethernets["nic" + std::to_string(i)] = ethernet(spec.nics[i]);
  seed.network_config = json{{"version", 2}, {"ethernets", ethernets}}.dump(2) + "\n";

  json config = {{"hostname", guest.hostname},
                 {"ssh_authorized_keys", guest.ssh_authorized_keys},
                 {"ssh_pwauth", false}};
  // chpasswd's users list (cloud-init 22.3+) takes the hash as it is, for
  // every scheme the guest's libcrypt knows; no plaintext is ever written.
  if (!guest.password_hash.empty())
    config["chpasswd"] = {
        {"expire", false},
        {"users", {{{"name", "root"}, {"password", guest.password_hash}, {"type", "hash"}}}}};
  seed.user_data = "#cloud-config\n" + config.dump(2) + "\n";

  std::string digest = sha256_hex(seed.user_data + "\n" + seed.network_config).substr(0, 16);
  json meta = {{"instance-id", domain_name(spec) + "-" + digest},
               {"local-hostname", guest.hostname}};
  // cloudbase-init (Windows) reads the keys from meta-data; cloud-init adds them too.
  if (!guest.ssh_authorized_keys.empty()) meta["public-keys"] = guest.ssh_authorized_keys;
  seed.meta_data = meta.dump(2) + "\n";
  return seed;
}

}  // namespace xc
