// The spec the agent last applied to a domain, kept in the domain's own
// metadata, and whether the definition still matches it (it may have been
// edited outside xcloud, e.g. with virsh). Thread-safe (libvirt is).
#pragma once

#include <libvirt/libvirt.h>

#include <optional>
#include <string>

#include "common/domain_spec.h"

namespace xc {

inline constexpr const char* kSpecNs = "https://xcloud.local/xmlns/spec/1";
inline constexpr const char* kSpecKey = "xcspec";

std::optional<DomainSpec> applied_spec(virDomainPtr d);
// The metadata element that keeps `spec` (virDomainSetMetadata with kSpecKey, kSpecNs).
std::string applied_spec_fragment(const DomainSpec& spec);

// True when the persistent definition's vCPUs, memory or disks differ from
// `spec`, or its disks are not where this agent keeps them.
bool definition_drifted(virDomainPtr d, const DomainSpec& spec, const std::string& storage_dir);

}  // namespace xc
