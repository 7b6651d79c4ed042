#include "agent/subprocess.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace xc {

namespace {

// stdout goes to `out` when given (read before stderr: qemu-img writes
// little to stderr), else to /dev/null.
Status spawn_and_wait(const std::vector<std::string>& argv, std::string* out, size_t max_output) {
  if (argv.empty()) return error(Code::kInternal, "run_program: no program");
  int pipe_fds[2], out_fds[2] = {-1, -1};
  if (pipe(pipe_fds) != 0) return error(Code::kIo, argv[0] + ": pipe: " + std::strerror(errno));
  if (out && pipe(out_fds) != 0) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return error(Code::kIo, argv[0] + ": pipe: " + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (out) {
    posix_spawn_file_actions_adddup2(&actions, out_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out_fds[0]);
  } else {
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (out) close(out_fds[1]);
  if (rc != 0) {
    close(pipe_fds[0]);
    if (out) close(out_fds[0]);
    return error(Code::kIo, argv[0] + ": cannot run: " + std::strerror(rc));
  }
  std::string err;
  char buf[4096];
  ssize_t n;
  if (out) {
    while ((n = read(out_fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
      if (n > 0 && out->size() < max_output) out->append(buf, static_cast<size_t>(n));
    close(out_fds[0]);
  }
  while ((n = read(pipe_fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0 && err.size() < 65536) err.append(buf, static_cast<size_t>(n));
  close(pipe_fds[0]);
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) return {};
  while (!err.empty() && (err.back() == '\n' || err.back() == '\r')) err.pop_back();
  auto nl = err.rfind('\n');
  std::string last = nl == std::string::npos ? err : err.substr(nl + 1);
  if (last.empty()) last = "exited with status " + std::to_string(WEXITSTATUS(wstatus));
  return error(Code::kIo, argv[0] + ": " + last);
}

}  // namespace

Status run_program(const std::vector<std::string>& argv) {
  return spawn_and_wait(argv, nullptr, 0);
}

Result<std::string> run_program_output(const std::vector<std::string>& argv, size_t max_output) {
  std::string out;
  Status s = spawn_and_wait(argv, &out, max_output);
  if (!s.ok()) return s;
  return out;
}

}  // namespace xc
