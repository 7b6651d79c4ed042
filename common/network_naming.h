// Names the agent gives a tenant network on the host: the libvirt network
// "xcn-<tenant with / as .>-<name>" and a bridge "xcbr" + 10 hex digits of the
// SHA-256 of "tenant/name" (Linux allows 15 characters); and the libvirt
// network filters of security groups. Pure.
#pragma once

#include <string>
#include <vector>

namespace xc {

std::string network_bridge_name(const std::string& tenant, const std::string& name);
// The bridge of a domain NIC's network: "TENANT/NAME" is a tenant network's
// bridge; any other value names a host bridge itself.
std::string nic_network_bridge(const std::string& network);
std::string network_libvirt_name(const std::string& tenant, const std::string& name);

// A security group's filter: "xcsg-<tenant with / as .>.<name>". '.' occurs in
// neither labels nor names, so two groups never share a filter (with '-' as
// the separator, tenant "a-b" group "c" and tenant "a" group "b-c" would).
std::string security_group_filter_name(const std::string& tenant, const std::string& name);
// The filter a NIC references (libvirt allows one <filterref> per interface):
// "xcsgset-" + the first 16 hex digits of SHA-256 of "<tenant>:<sorted,
// comma-joined groups>". Order and duplicates of `groups` do not matter.
std::string security_group_set_filter_name(const std::string& tenant,
                                           std::vector<std::string> groups);

}  // namespace xc
