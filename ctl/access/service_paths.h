// Options that name files on the controller's host. Through the controller
// a command runs as the service user: it would read or write such a file
// with that user's rights, not the operator's (a report written over the
// state database, a CA key read in as an image). So an operator may not use
// them there; -f manifests are different: they are sent with the command.
// Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace xc {

// Why `argv` (the command's words `words`) may not run for an operator
// through the controller, naming the option and what to do instead; nullopt
// when it names no file of the controller's host. `passed_file` is the file
// whose descriptor the operator passed over the socket (read with their
// rights, so allowed); "" when none was.
std::optional<std::string> service_path_refusal(const std::vector<std::string>& argv,
                                                const std::string& words,
                                                const std::string& passed_file = "");

}  // namespace xc
