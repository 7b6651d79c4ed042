// Names the agent gives a tenant network on the host: the libvirt network
// "xcn-<tenant with / as .>-<name>" and a bridge "xcbr" + 10 hex digits of the
// SHA-256 of "tenant/name" (Linux allows 15 characters). Pure.
#pragma once

#include <string>

namespace xc {

std::string network_bridge_name(const std::string& tenant, const std::string& name);
std::string network_libvirt_name(const std::string& tenant, const std::string& name);

}  // namespace xc
