// An operator's xcloudctl sending its command to the controller's socket
// (XCLOUD_CONTROLLER, or the default socket when the state file is not
// readable): the arguments, the manifest files they name and this process's
// stdin, stdout and stderr; the controller runs it and returns the exit code.
// Not thread-safe; one run per process.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

namespace xc {

inline constexpr const char* kControllerEnv = "XCLOUD_CONTROLLER";
inline constexpr const char* kDefaultControllerSocket = "/run/xcloud/controller.sock";

// The socket to send this command line to, or nullopt to run it here.
std::optional<std::string> controller_socket_for(int argc, char** argv);

// Sends the command and waits for its exit code; errors of the exchange
// itself are printed on `err` (exit 1, or the controller's code).
int run_through_controller(const std::string& socket, int argc, char** argv, std::ostream& err);

}  // namespace xc
