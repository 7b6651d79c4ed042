// xcloudctl as operators start it: a small program that sends a command to
// the controller's socket itself, loading only what that needs (a few
// shared objects instead of the engine's 43, whose loading alone takes some
// 25 ms), and otherwise becomes the whole xcloudctl, xcloudctl-engine, by
// exec: same process, same arguments.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "ctl/cli/controller_client.h"

namespace {

// Beside this program (a build tree), or in ../lib/xcloud (an install).
std::string engine_path() {
  std::vector<char> self(4096);
  ssize_t n = readlink("/proc/self/exe", self.data(), self.size() - 1);
  std::string dir = n > 0 ? std::string(self.data(), static_cast<size_t>(n)) : "/usr/bin/xcloudctl";
  dir.erase(dir.rfind('/') + 1);
  for (const std::string& candidate :
       {dir + "xcloudctl-engine", dir + "../lib/xcloud/xcloudctl-engine"})
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  return "/usr/lib/xcloud/xcloudctl-engine";
}

}  // namespace

int main(int argc, char** argv) {
  if (auto controller = xc::controller_socket_for(argc, argv);
      controller && !xc::is_https_controller(*controller))
    return xc::run_through_controller(*controller, argc, argv, std::cerr);
  const std::string engine = engine_path();
  ::execv(engine.c_str(), argv);
  std::cerr << "xcloudctl: cannot run " << engine << ": " << std::strerror(errno) << "\n";
  return 1;
}
