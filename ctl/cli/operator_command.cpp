#include "ctl/cli/operator_command.h"

#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "common/sent_files.h"
#include "ctl/cli/caller.h"

extern char** environ;

namespace xc {
namespace {

// Writes the sent files under `dir`, keeping their paths.
Status write_sent_files(const std::string& dir, const std::vector<SentFile>& files) {
  for (const auto& f : files) {
    std::filesystem::path path = sent_file_location(dir, f.path);
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) return error(Code::kIo, "request files: " + ec.message());
    std::ofstream out(path, std::ios::binary);
    out << f.data;
    if (!out) return error(Code::kIo, "request files: cannot write " + f.path);
  }
  return {};
}

}  // namespace

Result<RequestDir> RequestDir::make(const std::string& state, const std::vector<SentFile>& files) {
  std::string base = std::filesystem::path(state).parent_path() / "requests";
  std::error_code ec;
  std::filesystem::create_directories(base, ec);
  ::chmod(base.c_str(), 0700);
  std::string dir = base + "/req-XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) return error(Code::kIo, "cannot make a request directory");
  RequestDir made(dir);
  if (Status s = write_sent_files(dir, files); !s.ok()) return s;
  return made;
}

RequestDir::RequestDir(RequestDir&& other) noexcept : path_(std::move(other.path_)) {
  other.path_.clear();
}

RequestDir::~RequestDir() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

Result<pid_t> spawn_operator_command(const CommandLaunch& launch) {
  std::vector<std::string> args = {"xcloudctl", "--state", launch.state};
  args.insert(args.end(), launch.argv.begin(), launch.argv.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view v(*e);
    if (v.rfind("XCLOUD_CALLER", 0) == 0 || v.rfind("XCLOUD_STATE=", 0) == 0 ||
        v.rfind("XCLOUD_CONTROLLER=", 0) == 0 || v.rfind(kSentFilesEnv, 0) == 0 ||
        v.rfind(kPassedFileEnv, 0) == 0)
      continue;
    env.emplace_back(v);
  }
  // The command reads the files it was sent here, by the names it was given.
  env.push_back(std::string(kSentFilesEnv) + "=" + launch.cwd);
  if (!launch.caller.empty()) env.push_back(std::string(kCallerEnv) + "=" + launch.caller);
  if (launch.passed_fd >= 0) env.push_back(std::string(kPassedFileEnv) + "=" + launch.passed_file);
  env.push_back(std::string(kCallerViaEnv) + "=" + launch.via);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  for (int i = 0; i < 3; ++i) posix_spawn_file_actions_adddup2(&actions, launch.fds[i], i);
  if (launch.passed_fd >= 0)
    posix_spawn_file_actions_adddup2(&actions, launch.passed_fd, kPassedFileFd);
  posix_spawn_file_actions_addchdir_np(&actions, launch.cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, launch.exe.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return error(Code::kInternal, std::string("cannot run xcloudctl: ") + strerror(rc));
  return pid;
}

int exit_code_of_status(int wait_status) {
  return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
}

}  // namespace xc
