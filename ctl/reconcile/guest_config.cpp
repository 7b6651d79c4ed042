// Fills the guest configuration of a DomainSpec (see guest_config.h).
#include "ctl/reconcile/guest_config.h"

#include <nlohmann/json.hpp>

#include "common/ip_address.h"

namespace xc {

void fill_nic_seed(DomainNic& nic, const NetworkSpec& network) {
  auto prefix = [](const std::optional<SubnetSpec>& subnet) -> std::optional<int64_t> {
    if (!subnet) return std::nullopt;
    auto parsed = parse_subnet(subnet->subnet);
    if (!parsed) return std::nullopt;
    return parsed->prefix;
  };
  bool v4 = !nic.ipv4.empty(), v6 = !nic.ipv6.empty() && nic.ipv6 != "auto";
  nic.ipv4_prefix = v4 ? prefix(network.ipv4) : std::nullopt;
  nic.ipv4_gateway = v4 && network.ipv4 ? network.ipv4->gateway : "";
  nic.ipv6_prefix = v6 ? prefix(network.ipv6) : std::nullopt;
  nic.ipv6_gateway = v6 && network.ipv6 ? network.ipv6->gateway : "";
  nic.dns = network.dns;
}

std::string add_guest_config(DomainSpec& spec, const VirtualMachineSpec& vm,
                             const std::map<std::string, const NetworkSpec*>& networks) {
  DomainGuest guest;
  guest.hostname = vm.guest.hostname.empty() ? spec.name : vm.guest.hostname;
  guest.ssh_authorized_keys = vm.guest.ssh_authorized_keys;
  guest.password_hash = vm.guest.password_hash;
  spec.guest = std::move(guest);
  nlohmann::json seed = nlohmann::json::array();
  for (DomainNic& nic : spec.nics) {
    auto network = networks.find(nic.network);
    if (network != networks.end()) fill_nic_seed(nic, *network->second);
    seed.push_back({nic.ipv4_prefix.value_or(0), nic.ipv4_gateway, nic.ipv6_prefix.value_or(0),
                    nic.ipv6_gateway, nic.dns});
  }
  // The host name is in the hash too: its default follows the VM's name.
  return "\nguest seed " + spec.guest->hostname + " " + seed.dump();
}

}  // namespace xc
