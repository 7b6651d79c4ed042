// How xcloudctl reaches an agent: mutual TLS (libcurl), SSH exec of
// `xcloud-agent rpc` (libssh), or in-process for tests. One transport object
// talks to one host and is used by one thread at a time.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"

namespace xc {

class AgentTransport {
 public:
  virtual ~AgentTransport() = default;
  // Sends one request object; returns the agent's response object (which may
  // carry an "error"), or a non-ok Status when the agent could not be reached.
  virtual Result<nlohmann::json> call(const nlohmann::json& request) = 0;

  // A bulk-bytes method (volume.read, volume.write, image.write, backup.read):
  // `input` goes to it raw, the bytes it reads come back in `output`; the
  // answer is a response object as call() gives. This default sends the bytes
  // base64 in the JSON "data"; over TLS they travel raw (POST /v1/bytes).
  virtual Result<nlohmann::json> call_bytes(const std::string& method, const nlohmann::json& params,
                                            const std::string& input, std::string& output);
};

}  // namespace xc
