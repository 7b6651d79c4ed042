// What a VM's guest is told through its NoCloud seed, from its manifest's
// guest section and its networks: host name, SSH keys, password hash, each
// NIC's prefix lengths, gateways and DNS servers. Pure.
#pragma once

#include <map>
#include <string>

#include "common/domain_spec.h"
#include "common/model.h"

namespace xc {

// Prefix lengths and gateways for the NIC's static addresses, and the DNS
// servers, from its network. Call again after an address is allocated.
void fill_nic_seed(DomainNic& nic, const NetworkSpec& network);

// Fills spec.guest (host name defaulting to the VM's name) and every NIC's
// seed settings; `networks` maps "tenant/name" to the network. Returns the
// text to add to the VM's hash input, so that a change of a network's
// gateway or DNS servers is a change of the VM.
std::string add_guest_config(DomainSpec& spec, const VirtualMachineSpec& vm,
                             const std::map<std::string, const NetworkSpec*>& networks);

}  // namespace xc
