#include "ctl/cli/remote_command.h"

#include <fcntl.h>
#include <httplib.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/printable.h"
#include "common/time.h"
#include "ctl/access/access_store.h"
#include "ctl/access/command_stream.h"
#include "ctl/access/operator_request.h"
#include "ctl/cli/caller.h"
#include "ctl/cli/cli.h"
#include "ctl/cli/operator_admission.h"
#include "ctl/cli/operator_command.h"
#include "ctl/cli/operator_login.h"

namespace xc {
namespace {

using nlohmann::json;
constexpr size_t kReadSlice = 64u << 10;
constexpr int64_t kKillAfterMs = 10'000;  // SIGTERM, then SIGKILL

void answer(httplib::Response& res, int status, int exit_code, const std::string& message) {
  json j = {{"exit", exit_code}};
  if (!message.empty()) j["error"] = message;
  res.status = status;
  res.set_content(j.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

// A command running for a remote operator: its pipes, its directory and how
// it ended. Owned by the response's content provider.
struct RunningCommand {
  pid_t pid = -1;
  int out = -1, err = -1;  // read ends; -1 once at EOF
  int client = -1;         // the connection, to notice the operator leaving
  RequestDir dir;
  int64_t started_ms = 0;
  std::string user, line;
  LoopLog* log = nullptr;
  bool reaped = false;

  explicit RunningCommand(RequestDir d) : dir(std::move(d)) {}
  ~RunningCommand() {
    if (out >= 0) ::close(out);
    if (err >= 0) ::close(err);
    if (!reaped) stop();
  }
  // Ends a command whose operator left (or whose serve is stopping), as a
  // Ctrl-C on the socket does.
  void stop() {
    ::kill(pid, SIGTERM);
    const int64_t deadline = system_now_ms() + kKillAfterMs;
    int status = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
      if (system_now_ms() > deadline) ::kill(pid, SIGKILL);
      ::usleep(20'000);
    }
    reaped = true;
    log->event("api: " + user + ": " + line + " ended: the operator left or serve stopped");
  }
  int reap() {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    reaped = true;
    return exit_code_of_status(status);
  }
};

// One step of streaming: waits up to a second for output, sends what came,
// and the exit code once both pipes closed. False ends the response.
bool pump(RunningCommand& c, httplib::DataSink& sink) {
  if (c.out < 0 && c.err < 0) {
    const int code = c.reap();
    c.log->event("api: " + c.user + ": " + c.line + " -> exit " + std::to_string(code) + " in " +
                 std::to_string(system_now_ms() - c.started_ms) + " ms");
    const std::string frame = exit_frame(code);
    if (!sink.write(frame.data(), frame.size())) return false;
    sink.done();
    return true;
  }
  pollfd p[3] = {{c.out, POLLIN, 0}, {c.err, POLLIN, 0}, {c.client, POLLRDHUP, 0}};
  if (::poll(p, 3, 1000) <= 0) return true;
  if (p[2].revents & (POLLRDHUP | POLLHUP | POLLERR)) return false;  // the operator left
  for (int i = 0; i < 2; ++i) {
    if (p[i].revents == 0) continue;
    int& fd = i == 0 ? c.out : c.err;
    std::string buf(kReadSlice, '\0');
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      fd = -1;
      continue;
    }
    const std::string frame = stream_frame(i == 0 ? StreamKind::kStdout : StreamKind::kStderr,
                                           std::string_view(buf.data(), static_cast<size_t>(n)));
    if (!sink.write(frame.data(), frame.size())) return false;
  }
  return true;
}

// Runs an admitted command (`caller` is the xcloud user, "" for the service
// user; `name` is for the log) and streams its output back.
void run_remote_command(const RemoteCommandSetup& setup, const OperatorRequest& request,
                        const std::string& caller, const std::string& name, const std::string& via,
                        const std::string& line, const httplib::Request& req,
                        httplib::Response& res, LoopLog& log) {
  auto dir = RequestDir::make(setup.state_path, request.files);
  if (!dir.ok()) return answer(res, 500, kExitFailure, dir.status().message());
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return answer(res, 500, kExitFailure, "pipe failed");
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    return answer(res, 500, kExitFailure, "pipe failed");
  }
  int null_in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  auto c = std::make_shared<RunningCommand>(std::move(*dir));
  c->out = out[0];
  c->err = err[0];
  c->client = req.ssl ? SSL_get_fd(req.ssl) : -1;
  c->started_ms = system_now_ms();
  c->user = name;
  c->line = line;
  c->log = &log;
  CommandLaunch launch{setup.exe,
                       setup.state_path,
                       c->dir.path(),
                       request.argv,
                       caller,
                       via,
                       {null_in, out[1], err[1]},
                       -1,
                       ""};
  auto pid = spawn_operator_command(launch);
  ::close(null_in);
  ::close(out[1]);
  ::close(err[1]);
  if (!pid.ok()) {
    c->reaped = true;
    return answer(res, 500, kExitFailure, pid.status().message());
  }
  c->pid = *pid;
  res.status = 200;
  res.set_chunked_content_provider(
      kCommandStreamType, [c](size_t, httplib::DataSink& sink) { return pump(*c, sink); },
      [c](bool) {
        if (!c->reaped) c->stop();
      });
}

}  // namespace

void serve_remote_command(const RemoteCommandSetup& setup, const UserRecord* caller,
                          const httplib::Request& req, httplib::Response& res, LoopLog& log) {
  auto request = parse_operator_request(req.body);
  if (!request.ok()) return answer(res, 400, kExitUsage, request.status().message());
  if (auto why = foreign_state_option(request->argv)) return answer(res, 400, kExitUsage, *why);
  // A descriptor cannot cross HTTPS: the file would be read on this host.
  if (!request->passed_file.empty())
    return answer(res, 400, kExitUsage,
                  "passedFile: an open file travels only over the controller's socket");
  const std::string words = command_words(request->argv);
  const std::string line = printable(json(request->argv).dump());
  // The service user runs as on the state file (as its own uid does on the
  // socket): no login, no roles, its own identity in the audit.
  const std::string name = caller != nullptr ? caller->name : "the service user";
  const std::string via = setup.via + " CN=" + (caller != nullptr ? caller->name : "controller");
  if (caller == nullptr && (words == "login" || words == "logout"))
    return answer(res, 400, kExitUsage, "the service user needs no login");
  if (caller == nullptr)
    return run_remote_command(setup, *request, "", name, via, line, req, res, log);
  const UserRecord& user = *caller;
  if (words == "login") {
    auto in = operator_login(setup.state_path, user, std::nullopt, request->login_code, via,
                             system_now_ms());
    log.event("api: " + user.name + ": login " + (in.ok() ? "ok" : in.status().message()));
    if (!in.ok()) return answer(res, 403, kExitDenied, in.status().message());
    res.status = 200;
    res.set_content(json{{"exit", 0}, {"token", in->token}, {"expires", in->expires_ms}}.dump(),
                    "application/json");
    return;
  }
  if (words == "logout") {
    Status s = operator_logout(setup.state_path, user, request->token, via);
    log.event("api: " + user.name + ": logout");
    return answer(res, s.ok() ? 200 : 400, s.ok() ? kExitOk : kExitUsage,
                  s.ok() ? "" : s.message());
  }
  Admission a;
  {
    auto access = AccessStore::open(setup.state_path);
    if (!access.ok()) return answer(res, 500, kExitFailure, access.status().message());
    Status session =
        check_operator_session(**access, user, std::nullopt, request->token, system_now_ms());
    a = session.ok() ? admit_command(setup.state_path, user, *request)
                     : Admission{false, user.name, session.message(), user};
  }
  if (!a.allowed) {
    log.event("api: refused " + user.name + ": " + line + ": " + a.reason);
    audit_refusal(setup.state_path, user.name, request->argv, a.reason);
    return answer(res, 403, kExitDenied, a.reason);
  }
  run_remote_command(setup, *request, user.name, user.name, via, line, req, res, log);
}

}  // namespace xc
