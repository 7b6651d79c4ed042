// An operator's xcloudctl sending its command to a controller's HTTPS door
// (XCLOUD_CONTROLLER=https://HOST:PORT; serve --api --remote-commands) with
// their client certificate from `user cert`: XCLOUD_CERT, XCLOUD_KEY and
// XCLOUD_CA, or client.crt, client.key and ca.crt in ~/.config/xcloud/. The
// command's output is written to this process's stdout and stderr as it
// arrives. Not thread-safe; one call per process.
#pragma once

#include <iosfwd>
#include <string>

#include "common/status.h"
#include "ctl/access/operator_request.h"

namespace xc {

struct HttpsOutcome {
  bool streamed = false;  // the command ran: its output was written here
  int exit_code = 1;      // when streamed
  std::string answer;     // otherwise: the controller's JSON (a refusal, a login)
};

// kUnavailable when the controller cannot be reached or the handshake fails,
// kInvalidArgument for a broken stream or missing certificate files.
Result<HttpsOutcome> send_over_https(const std::string& url, const OperatorRequest& request);

// The whole exchange for this command line; the exit code to leave with.
int run_through_https(const std::string& url, int argc, char** argv, std::ostream& err);

}  // namespace xc
