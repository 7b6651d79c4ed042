#include "ctl/cli/operator_server.h"

#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/printable.h"
#include "common/time.h"
#include "ctl/access/access_store.h"
#include "ctl/cli/caller.h"
#include "ctl/cli/operator_admission.h"
#include "ctl/cli/operator_command.h"
#include "ctl/cli/operator_login.h"
#include "ctl/cli/unix_fds.h"

namespace xc {
namespace {

using nlohmann::json;

struct Fds {
  std::vector<int> fds;
  ~Fds() {
    for (int fd : fds) ::close(fd);
  }
};

std::string os_user_name(uid_t uid) {
  std::vector<char> buf(16384);
  passwd pw{}, *found = nullptr;
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr)
    return pw.pw_name;
  return std::to_string(uid);
}

// Who asks over the socket and whether they may: the service user as on the
// file, else the OS user's xcloud user with a live session, then the policy.
Admission admit(const std::string& state, uid_t uid, const std::string& os_name,
                const OperatorRequest& r, bool session_command) {
  if (auto why = foreign_state_option(r.argv)) return {false, "", *why, std::nullopt};
  if (uid == ::geteuid()) return {true, "", "", std::nullopt};  // the service user, as on the file
  auto access = AccessStore::open(state);
  if (!access.ok()) return {false, "", access.status().message(), std::nullopt};
  auto user = (*access)->user_by_os_user(os_name);
  if (!user.ok()) return {false, "", user.status().message(), std::nullopt};
  if (!*user)
    return {false, "",
            "OS user " + printable(os_name) +
                " is not an xcloud operator (a secadmin adds one: xcloudctl user add NAME "
                "--role ROLE --os-user " +
                printable(os_name) + ")",
            std::nullopt};
  const UserRecord& u = **user;
  if (u.disabled) return {false, u.name, "user " + u.name + " is disabled", u};
  if (session_command) return {true, u.name, "", u};  // login, logout: checked there
  if (Status s = check_operator_session(**access, u, uid, r.token, system_now_ms()); !s.ok())
    return {false, u.name, s.message(), u};
  return admit_command(state, u, r);
}

// Runs the command with the operator's terminal; returns its exit code. Ends
// it when the client leaves.
Result<int> run_child(const CommandLaunch& launch, int client) {
  auto spawned = spawn_operator_command(launch);
  if (!spawned.ok()) return spawned.status();
  const pid_t pid = *spawned;
  // Woken by the child's exit (its pidfd) or by the operator leaving.
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  int status = 0;
  int64_t killed_at = 0;
  for (;;) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    pollfd p[2] = {{client, POLLIN | POLLRDHUP, 0}, {pidfd, POLLIN, 0}};
    int n = poll(p, pidfd >= 0 ? 2 : 1, pidfd >= 0 && killed_at == 0 ? 1000 : 100);
    if (n > 0 && p[0].revents != 0 && killed_at == 0) {
      kill(pid, SIGTERM);  // the operator left (Ctrl-C): stop their command
      killed_at = system_now_ms();
    }
    if (killed_at != 0 && system_now_ms() - killed_at > 10'000) kill(pid, SIGKILL);
  }
  if (pidfd >= 0) ::close(pidfd);
  return exit_code_of_status(status);
}

}  // namespace

Result<std::unique_ptr<OperatorServer>> OperatorServer::start(const OperatorServerOptions& options,
                                                              LoopLog& log) {
  sockaddr_un addr{};
  if (options.socket_path.empty() || options.socket_path.size() >= sizeof addr.sun_path)
    return error(Code::kInvalidArgument, "--socket: expected a path of at most " +
                                             std::to_string(sizeof addr.sun_path - 1) + " bytes");
  std::vector<char> exe(4096);
  ssize_t n = readlink("/proc/self/exe", exe.data(), exe.size() - 1);
  if (n <= 0) return error(Code::kInternal, "cannot find this program (/proc/self/exe)");
  struct stat st {};
  // A socket left by a controller that died; a live one holds the serve lock.
  if (lstat(options.socket_path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode))
      return error(Code::kAlreadyExists, options.socket_path + ": exists and is not a socket");
    ::unlink(options.socket_path.c_str());
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return error(Code::kIo, std::string("socket: ") + strerror(errno));
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, options.socket_path.c_str(), options.socket_path.size());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::chmod(options.socket_path.c_str(), 0666) != 0 || ::listen(fd, 64) != 0) {
    int e = errno;
    ::close(fd);
    return error(Code::kIo, options.socket_path + ": " + strerror(e));
  }
  return std::unique_ptr<OperatorServer>(
      new OperatorServer(options, log, fd, std::string(exe.data(), static_cast<size_t>(n))));
}

OperatorServer::OperatorServer(OperatorServerOptions options, LoopLog& log, int listener,
                               std::string exe)
    : options_(std::move(options)), log_(log), listener_(listener), exe_(std::move(exe)) {
  acceptor_ = std::thread([this] { accept_loop(); });
}

OperatorServer::~OperatorServer() {
  stopping_ = true;
  acceptor_.join();
  ::close(listener_);
  ::unlink(options_.socket_path.c_str());
  std::unique_lock<std::mutex> lock(mutex_);
  idle_.wait(lock, [this] { return active_ == 0; });
}

void OperatorServer::accept_loop() {
  while (!stopping_) {
    pollfd p{listener_, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (active_ >= options_.max_clients) {
        (void)send_frame(client,
                         json{{"error", "the controller is busy; try again"}, {"exit", 75}}.dump());
        ::close(client);
        continue;
      }
      ++active_;
    }
    std::thread([this, client] {
      serve_client(client);
      ::close(client);
      std::lock_guard<std::mutex> lock(mutex_);
      --active_;
      idle_.notify_all();
    }).detach();
  }
}

void OperatorServer::serve_client(int client) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (getsockopt(client, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return;
  timeval timeout{options_.handshake_timeout_s, 0};
  setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  auto reply = [&](const std::string& message, int code) {
    json j = {{"exit", code}};
    if (!message.empty()) j["error"] = message;
    (void)send_frame(client, j.dump());
  };
  Fds passed;
  auto frame = receive_frame(client, kMaxRequestBytes + (1u << 20), &passed.fds, 4);
  if (!frame.ok()) return reply(frame.status().message(), kExitUsage);
  auto request = parse_operator_request(*frame);
  if (!request.ok()) return reply(request.status().message(), kExitUsage);
  if (passed.fds.size() != (request->passed_file.empty() ? 3u : 4u))
    return reply(request->passed_file.empty()
                     ? "expected stdin, stdout and stderr"
                     : "expected stdin, stdout, stderr and the open " + request->passed_file,
                 kExitUsage);
  const std::string os_name = os_user_name(cred.uid);
  const std::string via = "socket uid=" + std::to_string(cred.uid) + "(" + os_name + ")";
  const std::string words = command_words(request->argv);
  const bool session_command = words == "login" || words == "logout";
  Admission a = admit(options_.state_path, cred.uid, os_name, *request, session_command);
  const std::string line = printable(json(request->argv).dump());
  if (a.allowed && session_command) {
    if (!a.user) return reply("the service user needs no login", kExitUsage);
    if (words == "logout") {
      Status s = operator_logout(options_.state_path, *a.user, request->token, via);
      log_.event(a.caller + " (" + via + "): logout");
      return reply(s.ok() ? "" : s.message(), s.ok() ? kExitOk : kExitUsage);
    }
    auto in = operator_login(options_.state_path, *a.user, cred.uid, request->login_code, via,
                             system_now_ms());
    log_.event(a.caller + " (" + via + "): login " + (in.ok() ? "ok" : in.status().message()));
    if (!in.ok()) return reply(in.status().message(), kExitDenied);
    (void)send_frame(client,
                     json{{"exit", 0}, {"token", in->token}, {"expires", in->expires_ms}}.dump());
    return;
  }
  if (!a.allowed) {
    log_.event("refused " + (a.caller.empty() ? os_name : a.caller) + " (" + via + "): " + line +
               ": " + a.reason);
    audit_refusal(options_.state_path, a.caller.empty() ? os_name : a.caller, request->argv,
                  a.reason);
    return reply(a.reason, kExitDenied);
  }
  // The command's own directory: the files it names, nothing else.
  auto dir = RequestDir::make(options_.state_path, request->files);
  if (!dir.ok()) return reply(dir.status().message(), 1);
  timeval none{0, 0};
  setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
  const int64_t started = system_now_ms();
  CommandLaunch launch{exe_,
                       options_.state_path,
                       dir->path(),
                       request->argv,
                       a.caller,
                       via,
                       {passed.fds[0], passed.fds[1], passed.fds[2]},
                       request->passed_file.empty() ? -1 : passed.fds[3],
                       request->passed_file};
  auto code = run_child(launch, client);
  if (!code.ok()) return reply(code.status().message(), 1);
  log_.event((a.caller.empty() ? os_name : a.caller) + " (" + via + "): " + line + " -> exit " +
             std::to_string(*code) + " in " + std::to_string(system_now_ms() - started) + " ms");
  reply("", *code);
}

}  // namespace xc
