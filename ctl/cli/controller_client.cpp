#include "ctl/cli/controller_client.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <ostream>

#include "common/printable.h"
#include "common/time.h"
#include "ctl/access/operator_request.h"
#include "ctl/cli/unix_fds.h"
#include "ctl/store/state_path.h"

namespace xc {
namespace {

namespace fs = std::filesystem;

// Commands that never go to the controller: it runs them itself, or they
// make the state.
bool runs_here(const std::vector<std::string>& args) {
  for (const auto& a : args)
    if (a == "--state" || a.rfind("--state=", 0) == 0) return true;
  std::string words = command_words(args);
  return words == "serve" || words == "init" || words == "validate" || args.empty() ||
         (args.size() == 1 && (args[0] == "--version" || args[0] == "--help" || args[0] == "-h"));
}

// Reads the files a -f names (a folder: every file below it), bounded.
Status collect_files(const std::string& path, std::vector<SentFile>& out, size_t& bytes) {
  if (path == "-") return {};  // stdin: the controller's command reads this terminal
  std::error_code ec;
  std::vector<std::string> files;
  if (fs::is_directory(path, ec)) {
    for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::end(it);
         it.increment(ec))
      if (it->is_regular_file(ec)) files.push_back(it->path().string());
  } else {
    files.push_back(path);
  }
  for (const auto& f : files) {
    if (!is_safe_sent_path(f))
      return error(Code::kInvalidArgument,
                   f + ": name manifests without '..' (a path from here or from /) when the "
                       "controller runs the command");
    if (out.size() >= kMaxSentFiles)
      return error(Code::kInvalidArgument, "more than " + std::to_string(kMaxSentFiles) + " files");
    std::ifstream in(f, std::ios::binary);
    if (!in) return error(Code::kNotFound, f + ": cannot read");
    std::string data((std::istreambuf_iterator<char>(in)), {});
    bytes += data.size();
    if (bytes > kMaxRequestBytes / 2)
      return error(Code::kInvalidArgument,
                   "manifests larger than " + std::to_string(kMaxRequestBytes >> 21) + " MiB");
    out.push_back({f, std::move(data)});
  }
  return {};
}

// Where this operator keeps their session token: private to them, one per
// door (a socket session is bound to the OS user, an HTTPS one is not).
std::string session_file(const std::string& controller) {
  const char* home = std::getenv("HOME");
  std::string file =
      std::string(home != nullptr && *home != '\0' ? home : "/tmp") + "/.cache/xcloud/session";
  if (!is_https_controller(controller)) return file;
  std::string door = controller.substr(8);
  for (auto& ch : door)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '.' && ch != '-') ch = '_';
  return file + "-" + door.substr(0, 100);
}

std::string read_session_token(const std::string& controller) {
  std::ifstream in(session_file(controller));
  std::string token;
  std::getline(in, token);
  return token.size() <= 256 ? token : "";
}

Status save_session_token(const std::string& controller, const std::string& token) {
  fs::path file = session_file(controller);
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  fs::permissions(file.parent_path(), fs::perms::owner_all, ec);
  ::umask(077);
  std::ofstream out(file, std::ios::trunc);
  out << token << "\n";
  if (!out) return error(Code::kIo, file.string() + ": cannot write the session");
  return {};
}

// Over the Unix socket: the terminal's descriptors travel with the request,
// and the open file it passes (`passed`, or -1).
int run_over_socket(const std::string& socket_path, const OperatorRequest& request,
                    const std::string& words, int passed, std::ostream& err) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (fd < 0 || socket_path.size() >= sizeof addr.sun_path) {
    err << "xcloudctl: controller socket " << printable(socket_path) << ": invalid\n";
    if (fd >= 0) ::close(fd);
    return 1;
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    err << "xcloudctl: cannot reach the controller at " << printable(socket_path) << ": "
        << std::strerror(errno) << " (is xcloudctl serve --socket running?)\n";
    ::close(fd);
    return 1;
  }
  int code = 1;
  std::vector<int> fds = {0, 1, 2};
  if (passed >= 0) fds.push_back(passed);
  Status sent = send_frame(fd, operator_request_json(request), fds);
  if (!sent.ok()) {
    err << "xcloudctl: controller: " << printable(sent.message()) << "\n";
  } else {
    auto answer = receive_frame(fd, 1 << 20);
    code = finish_controller_answer(socket_path, words, answer.ok() ? *answer : "",
                                    answer.ok() ? "" : answer.status().message(), err);
  }
  ::close(fd);
  return code;
}

}  // namespace

// The controller's closing JSON: the exit code, an error to print, a login's
// session to keep.
int finish_controller_answer(const std::string& controller, const std::string& words,
                             const std::string& text, const std::string& transport_error,
                             std::ostream& err) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_object() &&
      j["error"].contains("message") && j["error"]["message"].is_string()) {
    // An HTTPS door that is not open to commands (the supervision API alone).
    err << "xcloudctl: controller: " << printable(j["error"]["message"].get<std::string>()) << "\n";
    return 1;
  }
  if (!j.is_object() || !j.contains("exit") || !j["exit"].is_number_integer()) {
    err << "xcloudctl: the controller ended the command without an exit code"
        << (transport_error.empty() ? "" : ": " + printable(transport_error)) << "\n";
    return 1;
  }
  int code = j["exit"].get<int>();
  if (j.contains("error") && j["error"].is_string())
    err << "xcloudctl: " << printable(j["error"].get<std::string>()) << "\n";
  if (code == 0 && words == "login" && j.contains("token") && j["token"].is_string()) {
    if (Status s = save_session_token(controller, j["token"].get<std::string>()); !s.ok()) {
      err << "xcloudctl: " << printable(s.message()) << "\n";
      code = 1;
    } else {
      std::cout << "logged in until " << format_time_ms(j.value("expires", int64_t{0})) << "\n";
    }
  }
  if (words == "logout") {
    std::error_code ec;
    fs::remove(session_file(controller), ec);
  }
  return code;
}

std::optional<std::string> controller_socket_for(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (runs_here(args)) return std::nullopt;
  if (const char* s = std::getenv(kControllerEnv); s != nullptr && *s != '\0')
    return std::string(s);
  // An operator who cannot read the state but has a controller to ask.
  if (std::getenv("XCLOUD_STATE") != nullptr) return std::nullopt;
  auto path = default_state_path(current_state_env());
  if (!path.ok()) return std::nullopt;
  if (::access(path->c_str(), R_OK) != 0 && errno == EACCES &&
      ::access(kDefaultControllerSocket, W_OK) == 0)
    return std::string(kDefaultControllerSocket);
  return std::nullopt;
}

Result<OperatorRequest> operator_request_for(const std::string& controller, int argc, char** argv,
                                             std::ostream& err) {
  OperatorRequest request;
  request.argv.assign(argv + 1, argv + argc);
  const std::string words = command_words(request.argv);
  request.token = read_session_token(controller);
  if (words == "login") {
    request.login_code = option_value(request.argv, "--code");
    if (request.login_code.empty()) {
      err << "TOTP code: " << std::flush;
      std::getline(std::cin, request.login_code);
    }
    if (request.login_code.empty() || request.login_code.size() > 16)
      return error(Code::kInvalidArgument,
                   "login: expected the 6-digit code from your authenticator");
  }
  size_t bytes = 0;
  for (const auto& f : file_arguments(request.argv))
    if (Status s = collect_files(f, request.files, bytes); !s.ok()) return s;
  for (const auto& f : play_path_arguments(request.argv)) {
    std::error_code ec;
    if (f == "-" || !fs::exists(f, ec)) continue;  // a host name, a count: not a file
    if (Status s = collect_files(f, request.files, bytes); !s.ok()) return s;
  }
  return request;
}

int run_through_controller(const std::string& socket, int argc, char** argv, std::ostream& err) {
  auto request = operator_request_for(socket, argc, argv, err);
  if (!request.ok()) {
    err << "xcloudctl: " << printable(request.status().message()) << "\n";
    return 2;
  }
  // The file the command reads, opened with this operator's own rights.
  int passed = -1;
  if (std::string file = passed_file_argument(request->argv); !file.empty() && file != "-") {
    passed = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (passed < 0) {
      err << "xcloudctl: " << printable(file) << ": " << std::strerror(errno) << "\n";
      return 2;
    }
    request->passed_file = file;
  }
  int code = run_over_socket(socket, *request, command_words(request->argv), passed, err);
  if (passed >= 0) ::close(passed);
  return code;
}

}  // namespace xc
