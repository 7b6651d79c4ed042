#include "ctl/hosts/ssh_transport.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <istream>

namespace xc {
namespace {

constexpr size_t kStderrTail = 4096;                // bytes of agent stderr kept for messages
constexpr size_t kMaxReply = 256ull * 1024 * 1024;  // a reply line longer than this is refused

}  // namespace

std::string one_line(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\r') continue;
    if (c == '\n') {
      if (!out.empty() && out.back() != ' ') out += " | ";
    } else {
      out += c;
    }
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '|')) out.pop_back();
  return out;
}

SshTransport::SshTransport(SshTransportConfig config)
    : config_(std::move(config)), address_(ssh_address(config_)) {}

SshTransport::~SshTransport() = default;

Result<std::unique_ptr<SshTransport>> SshTransport::create(const SshTransportConfig& config) {
  std::unique_ptr<SshTransport> transport(new SshTransport(config));
  Status opened = transport->open();
  if (!opened.ok()) return opened;
  return transport;
}

Status SshTransport::open() {
  auto s = open_ssh_exec(config_);
  if (!s.ok()) return s.status();
  session_ = std::move(*s);
  pending_.clear();
  stderr_tail_.clear();
  ++connections_opened_;
  return Status::ok_status();
}

void SshTransport::close() {
  session_.reset();
  pending_.clear();
}

Status SshTransport::fail(Code code, const std::string& what) {
  std::string message = "ssh " + address_ + ": " + what;
  std::string tail = one_line(stderr_tail_);
  if (!tail.empty()) message += " (agent stderr: " + tail + ")";
  close();
  return error(code, message);
}

void SshTransport::drain_stderr() {
  char buffer[8192];
  for (;;) {
    int n = ssh_channel_read_nonblocking(session_->channel, buffer, sizeof buffer, 1);
    if (n <= 0) break;
    stderr_tail_.append(buffer, static_cast<size_t>(n));
  }
  if (stderr_tail_.size() > kStderrTail) stderr_tail_.erase(0, stderr_tail_.size() - kStderrTail);
}

Result<nlohmann::json> SshTransport::call(const nlohmann::json& request) {
  if (session_ == nullptr) {
    Status opened = open();
    if (!opened.ok()) return opened;
  }
  ssh_session session = session_->session;
  ssh_channel channel = session_->channel;
  stderr_tail_.clear();

  std::string line = request.dump() + "\n";  // dump() escapes newlines inside strings
  size_t sent = 0;
  while (sent < line.size()) {
    uint32_t chunk = static_cast<uint32_t>(std::min<size_t>(line.size() - sent, 1u << 20));
    int n = ssh_channel_write(channel, line.data() + sent, chunk);
    if (n < 0) {
      drain_stderr();
      return fail(Code::kUnavailable,
                  std::string("sending the request: ") + ssh_get_error(session));
    }
    sent += static_cast<size_t>(n);
  }

  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::seconds(config_.timeout_seconds);
  char buffer[16384];
  for (;;) {
    size_t newline = pending_.find('\n');
    if (newline != std::string::npos) {
      std::string reply = pending_.substr(0, newline);
      pending_.erase(0, newline + 1);
      if (reply.find_first_not_of(" \t\r") == std::string::npos) continue;
      auto response = nlohmann::json::parse(reply, nullptr, /*allow_exceptions=*/false);
      if (response.is_object()) return response;
      // The stream cannot be trusted any more; drop it so the next call starts afresh.
      return fail(Code::kInternal, "the agent's reply is not a JSON object");
    }
    if (pending_.size() > kMaxReply) return fail(Code::kInternal, "the agent's reply is too long");
    drain_stderr();
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      return fail(Code::kUnavailable,
                  "no reply within " + std::to_string(config_.timeout_seconds) + " s");
    }
    int slice = static_cast<int>(std::min<long long>(left.count(), 100));
    int n = ssh_channel_read_timeout(channel, buffer, sizeof buffer, 0, slice);
    if (n == SSH_ERROR) {
      drain_stderr();
      return fail(Code::kUnavailable, std::string("reading the reply: ") + ssh_get_error(session));
    }
    if (n > 0) {
      pending_.append(buffer, static_cast<size_t>(n));
      continue;
    }
    drain_stderr();
    if (ssh_channel_is_eof(channel) != 0 || ssh_channel_is_closed(channel) != 0) {
      int status = ssh_channel_get_exit_status(channel);
      std::string how = status >= 0 ? " with status " + std::to_string(status) : "";
      return fail(Code::kUnavailable, "the remote command exited" + how + " before replying");
    }
  }
}

Result<RemoteRun> SshTransport::run(const std::string& command, std::istream* input,
                                    int timeout_seconds) {
  if (session_ == nullptr) {
    Status opened = open();
    if (!opened.ok()) return opened;
  }
  const std::string prefix = "ssh " + address_ + ": ";
  ssh_session session = session_->session;
  struct Channel {
    ssh_channel c;
    ~Channel() {
      if (c == nullptr) return;
      if (ssh_channel_is_open(c) != 0) ssh_channel_close(c);
      ssh_channel_free(c);
    }
  } channel{ssh_channel_new(session)};
  if (channel.c == nullptr || ssh_channel_open_session(channel.c) != SSH_OK ||
      ssh_channel_request_exec(channel.c, command.c_str()) != SSH_OK)
    return error(Code::kUnavailable, prefix + "cannot run a command: " + ssh_get_error(session));

  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::seconds(timeout_seconds);
  RemoteRun out;
  char buffer[65536];
  auto keep = [&](int n) {
    out.output.append(buffer, static_cast<size_t>(n));
    if (out.output.size() > kStderrTail) out.output.erase(0, out.output.size() - kStderrTail);
  };
  if (input != nullptr) {
    while (*input) {
      input->read(buffer, sizeof buffer);
      std::streamsize got = input->gcount();
      for (std::streamsize sent = 0; sent < got;) {
        int n = ssh_channel_write(channel.c, buffer + sent, static_cast<uint32_t>(got - sent));
        if (n < 0)
          return error(Code::kUnavailable,
                       prefix + "sending to the command: " + ssh_get_error(session));
        sent += n;
      }
      if (Clock::now() > deadline)
        return error(Code::kUnavailable, prefix + "no end within " +
                                             std::to_string(timeout_seconds) + " s: " + command);
    }
    if (input->bad()) return error(Code::kIo, prefix + "reading the input failed");
  }
  ssh_channel_send_eof(channel.c);
  for (;;) {
    bool any = false;
    for (int is_stderr : {0, 1}) {
      int n = ssh_channel_read_timeout(channel.c, buffer, sizeof buffer, is_stderr, 50);
      if (n == SSH_ERROR)
        return error(Code::kUnavailable,
                     prefix + "reading the command's output: " + ssh_get_error(session));
      if (n > 0) {
        keep(n);
        any = true;
      }
    }
    if (!any && (ssh_channel_is_eof(channel.c) != 0 || ssh_channel_is_closed(channel.c) != 0))
      break;
    if (Clock::now() > deadline)
      return error(Code::kUnavailable,
                   prefix + "no end within " + std::to_string(timeout_seconds) + " s: " + command);
  }
  out.exit_status = ssh_channel_get_exit_status(channel.c);
  return out;
}

}  // namespace xc
