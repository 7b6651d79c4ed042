// Reading the host's domains in bulk: which are xcloud's (by the xcloud
// metadata element) and their state and size. Thread-safe (libvirt is).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "agent/rpc_service.h"

namespace xc {

inline constexpr const char* kXcloudMetadataNs = "https://xcloud.local/xmlns/domain/1";

const char* domain_state_name(int state);

// The xcloud metadata element of a domain's persistent definition (or of the
// running one, for `live`), or "" when the domain is not xcloud's.
std::string xcloud_metadata_xml(virDomainPtr domain, bool live = false);
// A running domain whose definition was changed since it booted.
bool restart_pending(virDomainPtr domain);

// {"managed": [...], "unmanaged": [...]}. With `deep`, each managed domain
// also says whether its definition still matches the spec xcloud applied
// ("definitionDrift"): one more read of the definition per domain.
// Written as JSON text (see json_text.h), since the reply can be a megabyte.
Result<std::string> list_domains_text(AgentContext& ctx, bool deep = false);

// Looks up a domain and refuses one xcloud does not own.
Result<Domain> owned_domain(AgentContext& ctx, const std::string& name);

}  // namespace xc
