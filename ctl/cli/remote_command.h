// Remote operators' commands over the controller's HTTPS door (POST
// /v1/command on `serve --api ... --remote-commands`): the client
// certificate is the first factor and names the user (ctl/cli/api_server
// checks it), `xcloudctl login` over HTTPS the second; then the same policy
// as the socket decides, and the command runs as a child xcloudctl whose
// stdout and stderr stream back (ctl/access/command_stream.h) with its exit
// code. There is no terminal: stdin is empty, so a destructive step needs
// --yes. Thread-safe: each request has its own child and files.
#pragma once

#include <string>

#include "ctl/access/user_records.h"
#include "ctl/controller/loop.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace xc {

struct RemoteCommandSetup {
  std::string state_path;
  std::string exe;  // this program, run for each command
  std::string via;  // "https 10.8.0.2:8443", for XCLOUD_CALLER_VIA and the audit
};

// Answers one POST /v1/command of `caller` (certificate checked, enabled),
// or of the service user when `caller` is null (the controller's own
// certificate: it runs as on the state file, without login or roles).
// Refusals are JSON {"exit": N, "error": "..."} with 400 or 403; a login
// answers {"exit": 0, "token", "expires"}.
void serve_remote_command(const RemoteCommandSetup& setup, const UserRecord* caller,
                          const httplib::Request& req, httplib::Response& res, LoopLog& log);

}  // namespace xc
