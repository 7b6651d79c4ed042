#include "ctl/hosts/ssh_console.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "ctl/hosts/host_clients.h"

namespace xc {
namespace {

constexpr size_t kMaxReplyLine = 64 * 1024;  // the answer to console.open is a few bytes
constexpr size_t kConsoleStderrTail = 4096;

}  // namespace

// The exec channel as a pump end. The agent's stderr is read and kept short
// so that it never fills the channel's window.
class SshConsole::Channel : public ByteChannel {
 public:
  explicit Channel(SshExec& exec) : exec_(exec) {}

  ReadResult read(char* buffer, size_t capacity) override {
    drain_stderr();
    uint32_t size = static_cast<uint32_t>(std::min<size_t>(capacity, 1u << 20));
    int n = ssh_channel_read_nonblocking(exec_.channel, buffer, size, 0);
    if (n > 0) return {Read::kData, static_cast<size_t>(n)};
    if (n == SSH_ERROR) return {Read::kError, 0};
    if (n == SSH_EOF || ssh_channel_is_eof(exec_.channel) != 0 ||
        ssh_channel_is_closed(exec_.channel) != 0)
      return {Read::kClosed, 0};
    return {Read::kWouldBlock, 0};
  }

  // The session is blocking: libssh waits for the window itself.
  bool write_all(const char* data, size_t size, std::chrono::steady_clock::time_point) override {
    while (size > 0) {
      uint32_t chunk = static_cast<uint32_t>(std::min<size_t>(size, 1u << 20));
      int n = ssh_channel_write(exec_.channel, data, chunk);
      if (n <= 0) return false;
      data += n;
      size -= static_cast<size_t>(n);
    }
    return true;
  }

  int poll_fd() const override { return ssh_get_fd(exec_.session); }

  void finish() override {
    if (ssh_channel_is_open(exec_.channel) != 0) ssh_channel_send_eof(exec_.channel);
  }

  void drain_stderr() {
    char buffer[4096];
    int n;
    while ((n = ssh_channel_read_nonblocking(exec_.channel, buffer, sizeof buffer, 1)) > 0) {
      stderr_tail_.append(buffer, static_cast<size_t>(n));
      if (stderr_tail_.size() > kConsoleStderrTail)
        stderr_tail_.erase(0, stderr_tail_.size() - kConsoleStderrTail);
    }
  }
  const std::string& stderr_tail() const { return stderr_tail_; }

 private:
  SshExec& exec_;
  std::string stderr_tail_;
};

SshConsole::~SshConsole() = default;

ByteChannel& SshConsole::channel() {
  return *channel_;
}

Result<std::unique_ptr<SshConsole>> SshConsole::open(const SshTransportConfig& config,
                                                     const std::string& domain,
                                                     const std::string& type) {
  const std::string where = "ssh " + ssh_address(config) + ": ";
  auto exec = open_ssh_exec(config);
  if (!exec.ok()) return exec.status();
  std::unique_ptr<SshConsole> c(new SshConsole());
  c->exec_ = std::move(*exec);
  c->channel_ = std::make_unique<Channel>(*c->exec_);

  const std::string request =
      nlohmann::json{
          {"id", 1}, {"method", "console.open"}, {"params", {{"name", domain}, {"type", type}}}}
          .dump() +
      "\n";
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::seconds(config.timeout_seconds);
  if (!c->channel_->write_all(request.data(), request.size(), deadline))
    return error(Code::kUnavailable, where + "sending the console request failed");

  // The answer, one line; the console's bytes follow it.
  std::string line;
  while (line.empty() || line.back() != '\n') {
    if (line.size() > kMaxReplyLine)
      return error(Code::kUnavailable, where + "the agent's answer is too long");
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0)
      return error(Code::kUnavailable, where + "no answer to the console request within " +
                                           std::to_string(config.timeout_seconds) + " s");
    char ch;
    int n = ssh_channel_read_timeout(c->exec_->channel, &ch, 1, 0,
                                     static_cast<int>(std::min<long long>(left.count(), 200)));
    c->channel_->drain_stderr();
    if (n == 1) {
      line += ch;
    } else if (n == SSH_ERROR || n == SSH_EOF || ssh_channel_is_eof(c->exec_->channel) != 0) {
      std::string tail = c->channel_->stderr_tail();
      std::replace(tail.begin(), tail.end(), '\n', ' ');
      return error(Code::kUnavailable, where +
                                           "the agent ended before answering the console request" +
                                           (tail.empty() ? "" : " (agent stderr: " + tail + ")"));
    }
  }
  auto reply = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!reply.is_object())
    return error(Code::kUnavailable, where + "the agent's answer is not a JSON object");
  if (auto e = reply.find("error"); e != reply.end() && e->is_object()) {
    auto text = [&](const char* key, const char* fallback) {
      auto v = e->find(key);
      return v != e->end() && v->is_string() ? v->get<std::string>() : std::string(fallback);
    };
    return error(code_from_name(text("code", "internal")), text("message", "console refused"));
  }
  if (!reply.contains("result"))
    return error(Code::kUnavailable, where + "the agent's answer has no result");
  return c;
}

}  // namespace xc
