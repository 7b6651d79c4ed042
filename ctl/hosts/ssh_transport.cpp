#include "ctl/hosts/ssh_transport.h"

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace xc {
namespace {

constexpr size_t kStderrTail = 4096;                // bytes of agent stderr kept for messages
constexpr size_t kMaxReply = 256ull * 1024 * 1024;  // a reply line longer than this is refused

// The tail of the agent's stderr as one line, for an error message.
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

}  // namespace

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

}  // namespace xc
