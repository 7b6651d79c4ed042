#include "common/program_run.h"

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
namespace {

struct Pipe {
  int fd[2] = {-1, -1};
  ~Pipe() {
    for (int f : fd)
      if (f >= 0) close(f);
  }
  void close_end(int i) {
    if (fd[i] >= 0) close(fd[i]);
    fd[i] = -1;
  }
};

std::vector<std::string> environment_with(const std::vector<std::string>& set) {
  std::vector<std::string> env = set;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view v(*e);
    bool replaced = std::any_of(set.begin(), set.end(), [&](const std::string& s) {
      return v.substr(0, v.find('=') + 1) == std::string_view(s).substr(0, s.find('=') + 1);
    });
    if (!replaced) env.emplace_back(v);
  }
  return env;
}

}  // namespace

Result<ProgramRun> run_program_bounded(const std::vector<std::string>& argv,
                                       const ProgramOptions& options) {
  if (argv.empty() || argv[0].empty()) return error(Code::kInvalidArgument, "no program to run");
  Pipe out, err;
  if (pipe2(out.fd, O_CLOEXEC) != 0 || (!options.stderr_to_stdout && pipe2(err.fd, O_CLOEXEC) != 0))
    return error(Code::kIo, argv[0] + ": pipe: " + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.fd[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, options.stderr_to_stdout ? out.fd[1] : err.fd[1],
                                   STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);  // its own group: killed whole at the deadline
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_text = environment_with(options.env_set);
  std::vector<char*> env;
  for (auto& e : env_text) env.push_back(e.data());
  env.push_back(nullptr);
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, argv[0].c_str(), &actions, &attr, args.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  out.close_end(1);
  err.close_end(1);
  if (rc != 0) return error(Code::kUnavailable, argv[0] + ": cannot run it: " + std::strerror(rc));

  ProgramRun run;
  const auto deadline = start + options.timeout;
  // Until every writer closed the pipes: the program and its children ended.
  while (out.fd[0] >= 0 || err.fd[0] >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      run.timed_out = true;
      break;
    }
    pollfd fds[2] = {{out.fd[0], POLLIN, 0}, {err.fd[0], POLLIN, 0}};
    int n = poll(fds, 2, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (n < 0 && errno != EINTR) break;
    char buf[8192];
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        (i == 0 ? out : err).close_end(0);
        continue;
      }
      if (options.on_output)
        options.on_output(i == 1, std::string_view(buf, static_cast<size_t>(got)));
      std::string& text = i == 0 ? run.out : run.err;
      size_t cap = i == 0 ? options.max_stdout : options.max_stderr;
      if (text.size() < cap)
        text.append(buf, std::min(static_cast<size_t>(got), cap - text.size()));
    }
  }
  int status = 0;
  if (!run.timed_out) {
    // The pipes closed; the program may still be exiting: within the time.
    while (waitpid(pid, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() >= deadline) {
        run.timed_out = true;
        break;
      }
      usleep(5'000);
    }
  }
  if (run.timed_out) {
    kill(-pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  run.elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  if (!run.timed_out && WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) run.signal = WTERMSIG(status);
  return run;
}

}  // namespace xc
