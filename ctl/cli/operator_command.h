// Running a command the controller admitted: a private directory holding
// the manifests it was sent (by the names it was given, common/sent_files.h)
// and a child xcloudctl on the served state, with the caller's identity in
// its environment and the three descriptors it was handed. Shared by the
// socket and HTTPS doors. Thread-safe (no shared state).
#pragma once

#include <sys/types.h>

#include <array>
#include <string>
#include <vector>

#include "common/status.h"
#include "ctl/access/operator_request.h"

namespace xc {

// <state dir>/requests/req-XXXXXX, 0700 parent; removed with its files on
// destruction.
class RequestDir {
 public:
  static Result<RequestDir> make(const std::string& state, const std::vector<SentFile>& files);
  RequestDir(RequestDir&& other) noexcept;
  RequestDir& operator=(RequestDir&&) = delete;
  ~RequestDir();
  const std::string& path() const { return path_; }

 private:
  explicit RequestDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

struct CommandLaunch {
  std::string exe;                // this program
  std::string state;              // the served state
  std::string cwd;                // the request's directory
  std::vector<std::string> argv;  // the operator's arguments, without the program name
  std::string caller;             // XCLOUD_CALLER; "" for the service user
  std::string via;                // XCLOUD_CALLER_VIA: "socket uid=...", "https ..."
  std::array<int, 3> fds{};       // the child's stdin, stdout, stderr
  int passed_fd = -1;             // the operator's open file, the child's fd 3
  std::string passed_file;        // its name as typed (XCLOUD_PASSED_FILE)
};

// Starts the command; its signal mask is cleared (serve blocks SIGTERM).
Result<pid_t> spawn_operator_command(const CommandLaunch& launch);

// A waitpid status as a shell would report it: the exit code, or 128+signal.
int exit_code_of_status(int wait_status);

}  // namespace xc
