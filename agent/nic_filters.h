// Defines on the host the network filters a domain's NICs reference: each
// NIC's filter (nic_filter_xml.h), its security-group set filter and
// xcloud's IPv6 source filter. Thread-safe: serialises per filter through the
// AgentContext's object locks.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "agent/rpc_service.h"
#include "common/domain_spec.h"

namespace xc {

// Before the domain is defined (libvirt cannot start a NIC whose filter is
// missing). The groups must exist already: securitygroup.ensure runs first.
// Appends the names of the filters it (re)defined to result["filters"].
// Nothing on the test driver, which has no network filters.
Status ensure_nic_filters(AgentContext& ctx, const DomainSpec& spec, nlohmann::json& result);

}  // namespace xc
