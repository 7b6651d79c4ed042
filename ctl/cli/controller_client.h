// An operator's xcloudctl sending its command to the controller
// (XCLOUD_CONTROLLER, or the default socket when the state file is not
// readable): the arguments and the manifest files they name. On the socket
// this process's stdin, stdout and stderr travel too; over HTTPS
// (XCLOUD_CONTROLLER=https://HOST:PORT, ctl/cli/remote_client.h) the output
// streams back. The controller runs it and returns the exit code. Not
// thread-safe; one run per process.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include "common/status.h"
#include "ctl/access/operator_request.h"

namespace xc {

inline constexpr const char* kControllerEnv = "XCLOUD_CONTROLLER";
inline constexpr const char* kDefaultControllerSocket = "/run/xcloud/controller.sock";

inline bool is_https_controller(const std::string& controller) {
  return controller.rfind("https://", 0) == 0;
}

// The controller (a socket path or an https:// URL) to send this command
// line to, or nullopt to run it here.
std::optional<std::string> controller_socket_for(int argc, char** argv);

// What to send `controller` for this command line: the arguments, the files
// -f names, the session kept for that controller, a login's code (asked on
// the terminal when --code is not given). kInvalidArgument says what is
// wrong (exit 2).
Result<OperatorRequest> operator_request_for(const std::string& controller, int argc, char** argv,
                                             std::ostream& err);

// The controller's closing JSON ({"exit": N, "error": ..., "token": ...}):
// prints its error, keeps a login's session (or drops it at logout) and
// returns the exit code; `transport_error` is why no answer came.
int finish_controller_answer(const std::string& controller, const std::string& words,
                             const std::string& answer, const std::string& transport_error,
                             std::ostream& err);

// Over the socket: sends the command and waits for its exit code; errors of
// the exchange itself are printed on `err` (exit 1, or the controller's code).
int run_through_controller(const std::string& socket, int argc, char** argv, std::ostream& err);

}  // namespace xc
