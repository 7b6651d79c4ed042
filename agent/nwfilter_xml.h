// libvirt network filter XML for security groups: one filter per group with
// its accept rules, and one "set" filter per distinct group set on a NIC that
// references the groups and denies all other inbound traffic; a group with
// egress rules denies other outbound itself. Pure; built with pugixml; safe from any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"

namespace xc {

// libvirt sorts the rules of a filter and of the filters it references into
// one list per interface by priority, lowest first; so the drop comes last.
inline constexpr int kEstablishedPriority = 100;
inline constexpr int kGroupRulePriority = 500;
inline constexpr int kDropPriority = 1000;

// A group's filter: one inbound accept rule per securitygroup.ensure ingress
// rule ({"protocol": tcp|udp|icmp|any, "from": CIDR or address, "port_from",
// "port_to"}); an IPv6 peer uses libvirt's *-ipv6 / icmpv6 matches. No inbound
// drop: a group only adds what it allows, so several groups combine.
// `egress` null: the group leaves outbound open. An array (even empty): one
// outbound accept per rule (the same shape with "to", the destination), an
// accept of outbound replies, and a drop of other new outbound connections,
// which libvirt sorts after every group's accepts: a NIC with one such group
// among its groups may open connections only to what its groups' egress
// rules allow. libvirt adds to each accept the reverse accept of its replies.
Result<std::string> group_filter_xml(const std::string& filter_name, const nlohmann::json& ingress,
                                     const nlohmann::json& egress = nullptr);

// The set's filter: <filterref> to each group filter, an accept of
// ESTABLISHED,RELATED inbound traffic (replies to what the guest sent), and a
// final drop of other inbound IPv4 and IPv6 connections (state NEW or
// INVALID). Outbound is the groups' business.
std::string set_filter_xml(const std::string& set_name,
                           const std::vector<std::string>& group_filter_names);

}  // namespace xc
