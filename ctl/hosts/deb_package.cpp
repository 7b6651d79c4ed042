#include "ctl/hosts/deb_package.h"

#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sstream>
#include <vector>

#include "common/printable.h"

extern char** environ;

namespace xc {
namespace {

constexpr size_t kMaxControlOutput = 64 * 1024;

// Runs argv (no shell) and returns its stdout, or why it failed.
Result<std::string> run_capture(const std::vector<std::string>& argv) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return error(Code::kIo, "pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[1]);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (rc != 0) {
    close(pipe_fds[0]);
    return error(Code::kUnavailable, argv[0] + ": cannot run it (is dpkg installed?)");
  }
  std::string out;
  char buffer[4096];
  for (;;) {
    ssize_t n = read(pipe_fds[0], buffer, sizeof buffer);
    if (n <= 0) break;
    if (out.size() < kMaxControlOutput) out.append(buffer, static_cast<size_t>(n));
  }
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return error(Code::kInvalidArgument, argv[0] + " failed");
  return out;
}

}  // namespace

bool parse_control_fields(const std::string& text, DebPackage& package) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    size_t colon = line.find(": ");
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon), value = line.substr(colon + 2);
    if (key == "Package") package.name = value;
    if (key == "Version") package.version = value;
    if (key == "Architecture") package.architecture = value;
  }
  return !package.name.empty() && !package.version.empty();
}

std::string upstream_version(const std::string& debian_version) {
  std::string v = debian_version;
  size_t colon = v.find(':');
  if (colon != std::string::npos) v.erase(0, colon + 1);
  size_t dash = v.rfind('-');
  if (dash != std::string::npos) v.erase(dash);
  return v;
}

Result<DebPackage> read_deb_package(const std::string& path, const std::string& shown) {
  const std::string prefix = "--package " + printable(shown.empty() ? path : shown) + ": ";
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return error(Code::kInvalidArgument, prefix + "no such file");
  if (static_cast<uint64_t>(st.st_size) > kMaxPackageBytes)
    return error(Code::kInvalidArgument,
                 prefix + "larger than " + std::to_string(kMaxPackageBytes >> 20) + " MiB");
  // "./" keeps a relative path that starts with '-' from reading as an option.
  std::string argument = path[0] == '/' ? path : "./" + path;
  auto fields = run_capture({"dpkg-deb", "-f", argument, "Package", "Version", "Architecture"});
  if (!fields.ok())
    return error(
        fields.status().code() == Code::kUnavailable ? Code::kUnavailable : Code::kInvalidArgument,
        prefix + "not a Debian package (" + fields.status().message() + ")");
  DebPackage package;
  package.path = path;
  package.shown = shown.empty() ? path : shown;
  package.size_bytes = static_cast<uint64_t>(st.st_size);
  if (!parse_control_fields(*fields, package))
    return error(Code::kInvalidArgument, prefix + "its control file has no Package or Version");
  return package;
}

}  // namespace xc
