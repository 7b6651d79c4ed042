#include "ctl/images/bounded_program.h"

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

std::string last_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  auto nl = text.rfind('\n');
  return nl == std::string::npos ? text : text.substr(nl + 1);
}

}  // namespace

Result<std::string> run_bounded(const std::vector<std::string>& argv, const ProgramLimits& limits) {
  if (argv.empty()) return error(Code::kInternal, "run_bounded: no program");
  Pipe out, err;
  if (pipe2(out.fd, O_CLOEXEC) != 0 || pipe2(err.fd, O_CLOEXEC) != 0)
    return error(Code::kIo, argv[0] + ": pipe: " + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.fd[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.fd[1], STDERR_FILENO);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  out.close_end(1);
  err.close_end(1);
  if (rc != 0) return error(Code::kUnavailable, argv[0] + ": cannot run it: " + std::strerror(rc));

  const auto deadline = std::chrono::steady_clock::now() + limits.timeout;
  std::string stdout_text, stderr_text;
  bool timed_out = false;
  while (out.fd[0] >= 0 || err.fd[0] >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      kill(pid, SIGKILL);
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
      Pipe& p = i == 0 ? out : err;
      if (got <= 0) {
        p.close_end(0);
        continue;
      }
      std::string& text = i == 0 ? stdout_text : stderr_text;
      size_t cap = i == 0 ? limits.max_output : 64 * 1024;
      if (text.size() < cap)
        text.append(buf, std::min(static_cast<size_t>(got), cap - text.size()));
    }
  }
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (timed_out)
    return error(Code::kIo, argv[0] + ": timed out after " +
                                (limits.timeout.count() < 10000
                                     ? std::to_string(limits.timeout.count()) + " ms"
                                     : std::to_string(limits.timeout.count() / 1000) + " s") +
                                "; stopped");
  if (WIFEXITED(wstatus) && std::find(limits.ok_exits.begin(), limits.ok_exits.end(),
                                      WEXITSTATUS(wstatus)) != limits.ok_exits.end())
    return stdout_text;
  std::string why = last_line(stderr_text);
  if (why.empty())
    why = WIFEXITED(wstatus) ? "exited with status " + std::to_string(WEXITSTATUS(wstatus))
                             : "killed by signal " + std::to_string(WTERMSIG(wstatus));
  return error(Code::kIo, argv[0] + ": " + why);
}

}  // namespace xc
