// The handshake on every new agent connection: agent.hello tells which xcloud
// version and protocol the agent speaks, and the controller refuses one it
// cannot talk to before sending anything else. Stateless; thread-safe.
#pragma once

#include <string>

#include "common/protocol_version.h"
#include "ctl/hosts/agent_transport.h"

namespace xc {

// Sends agent.hello over `transport`. An agent without the method (xcloud
// 0.1) speaks protocol 1.0. Errors name `host`; the protocol is not checked.
Result<AgentIdentity> hello_agent(AgentTransport& transport, const std::string& host);

// hello_agent() and check_agent_protocol(): the identity of an agent this
// controller can talk to, or why not ("host kp-01: agent 0.1.0 speaks ...").
Result<AgentIdentity> greet_agent(AgentTransport& transport, const std::string& host);

}  // namespace xc
