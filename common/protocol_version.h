// The agent protocol's version (MAJOR.MINOR) and which agents a controller
// can talk to: the same major version, and a minor version at most one
// older than its own (newer minors only add). Pure functions; thread-safe.
#pragma once

#include <compare>
#include <optional>
#include <string>

#include "common/status.h"

namespace xc {

struct ProtocolVersion {
  int major = 0;
  int minor = 0;
  auto operator<=>(const ProtocolVersion&) const = default;
  std::string text() const;  // "1.1"
};

// The version this build speaks. 1.0 is the protocol of xcloud 0.1 (its
// agents have no agent.hello); 1.1 adds agent.hello and host.facts' agent.
inline constexpr ProtocolVersion kProtocolVersion{1, 1};
// The protocol an agent without agent.hello speaks.
inline constexpr ProtocolVersion kProtocolBeforeHello{1, 0};

// "1.1" -> {1, 1}; nullopt for anything else (at most 4 digits a part).
std::optional<ProtocolVersion> parse_protocol_version(const std::string& text);

// What a controller knows of an agent after its hello.
struct AgentIdentity {
  std::string version;   // xcloud version of the agent, "" when it did not say
  std::string commit;    // git commit of the agent's build
  std::string arch;      // the agent binary's architecture
  std::string protocol;  // as the agent sent it
};

// Ok when a controller speaking `controller` can talk to `agent`; else a
// kFailedPrecondition whose message names both versions and what to
// upgrade, e.g. "agent 0.1.0 speaks protocol 0.9; xcloudctl 0.2.0 speaks
// protocol 1.1 and talks to agents of protocol 1.0 to 1.x: upgrade the agent
// ...". `host` names the host in the advice.
Status check_agent_protocol(const std::string& host, const AgentIdentity& agent,
                            ProtocolVersion controller = kProtocolVersion);

}  // namespace xc
