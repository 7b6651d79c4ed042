// How xcloudctl reaches an agent: mutual TLS (libcurl), SSH exec of
// `xcloud-agent rpc` (libssh), or in-process for tests. One transport object
// talks to one host and is used by one thread at a time.
#pragma once

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace xc {

class AgentTransport {
 public:
  virtual ~AgentTransport() = default;
  // Sends one request object; returns the agent's response object (which may
  // carry an "error"), or a non-ok Status when the agent could not be reached.
  virtual Result<nlohmann::json> call(const nlohmann::json& request) = 0;
};

}  // namespace xc
