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

namespace xc {

inline constexpr const char* kControllerEnv = "XCLOUD_CONTROLLER";
inline constexpr const char* kDefaultControllerSocket = "/run/xcloud/controller.sock";

// The controller (a socket path or an https:// URL) to send this command
// line to, or nullopt to run it here.
std::optional<std::string> controller_socket_for(int argc, char** argv);

// Sends the command and waits for its exit code; errors of the exchange
// itself are printed on `err` (exit 1, or the controller's code).
int run_through_controller(const std::string& controller, int argc, char** argv, std::ostream& err);

}  // namespace xc
