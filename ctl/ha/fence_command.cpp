#include "ctl/ha/fence_command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace xc {

std::string FenceRun::summary() const {
  if (timed_out) return "timed out after " + std::to_string(elapsed_ms) + " ms (killed)";
  if (exit_code < 0) return "killed by a signal after " + std::to_string(elapsed_ms) + " ms";
  return "exit " + std::to_string(exit_code) + " in " + std::to_string(elapsed_ms) + " ms";
}

Result<FenceRun> run_fence_command(const std::vector<std::string>& argv, const std::string& host,
                                   std::chrono::milliseconds timeout) {
  if (argv.empty() || argv[0].empty())
    return error(Code::kInvalidArgument, "host " + host + ": the fence command is empty");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_text = {"XCLOUD_FENCE_HOST=" + host};
  for (char** e = environ; e && *e; ++e)
    if (std::strncmp(*e, "XCLOUD_FENCE_HOST=", 18) != 0) env_text.emplace_back(*e);
  std::vector<char*> env;
  for (auto& e : env_text) env.push_back(e.data());
  env.push_back(nullptr);

  int fds[2];
  if (pipe(fds) != 0) return error(Code::kIo, "host " + host + ": fence: pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  posix_spawn_file_actions_addclose(&actions, fds[1]);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);  // its own group: killed whole at the deadline
  pid_t pid = 0;
  const auto start = std::chrono::steady_clock::now();
  int spawned = posix_spawnp(&pid, args[0], &actions, &attr, args.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(fds[1]);
  if (spawned != 0) {
    close(fds[0]);
    return error(Code::kNotFound,
                 "host " + host + ": fence command " + argv[0] + ": " + std::strerror(spawned));
  }
  FenceRun run;
  const auto deadline = start + timeout;
  char buffer[1024];
  bool open = true;
  while (open) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      run.timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    int ready = poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;  // the deadline is checked above
    ssize_t n = read(fds[0], buffer, sizeof buffer);
    if (n <= 0) {
      open = false;  // every writer closed: the command (and its children) ended
      break;
    }
    size_t room = kFenceOutputLimit - std::min(kFenceOutputLimit, run.output.size());
    run.output.append(buffer, std::min(room, static_cast<size_t>(n)));
  }
  close(fds[0]);
  int status = 0;
  if (run.timed_out) {
    kill(-pid, SIGKILL);
    waitpid(pid, &status, 0);
  } else {
    // Output closed; the command may still be exiting: wait for it within the time.
    while (waitpid(pid, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() >= deadline) {
        run.timed_out = true;
        kill(-pid, SIGKILL);
        waitpid(pid, &status, 0);
        break;
      }
      usleep(10'000);
    }
  }
  run.elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  if (!run.timed_out && WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  run.fenced = !run.timed_out && run.exit_code == 0;
  return run;
}

}  // namespace xc
