#include "ctl/hosts/ssh_transport.h"

#include <libssh/libssh.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <istream>

#include "ctl/hosts/revoked_host_keys.h"

namespace xc {

struct SshTransport::Session {
  ssh_session session = nullptr;
  ssh_channel channel = nullptr;
  ssh_key key = nullptr;
  ~Session() {
    if (channel != nullptr) {
      if (ssh_channel_is_open(channel) != 0) {
        // EOF on its stdin makes the agent's rpc loop end; then close our side.
        ssh_channel_send_eof(channel);
        ssh_channel_close(channel);
      }
      ssh_channel_free(channel);
    }
    if (session != nullptr) {
      if (ssh_is_connected(session) != 0) ssh_disconnect(session);
      ssh_free(session);
    }
    if (key != nullptr) ssh_key_free(key);
  }
};

namespace {

constexpr size_t kStderrTail = 4096;                // bytes of agent stderr kept for messages
constexpr size_t kMaxReply = 256ull * 1024 * 1024;  // a reply line longer than this is refused

// "SHA256:<base64>" of the key the server presented, as ssh-keygen -l prints it.
std::string server_fingerprint(ssh_session session) {
  std::string out = "fingerprint unavailable";
  ssh_key key = nullptr;
  if (ssh_get_server_publickey(session, &key) != SSH_OK) return out;
  unsigned char* hash = nullptr;
  size_t length = 0;
  if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &length) == 0) {
    char* text = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, length);
    if (text != nullptr) {
      out = text;
      ssh_string_free_char(text);
    }
    ssh_clean_pubkey_hash(&hash);
  }
  ssh_key_free(key);
  return out;
}

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

SshTransport::SshTransport(SshTransportConfig config) : config_(std::move(config)) {
  bool v6 = config_.host.find(':') != std::string::npos;
  std::string host = v6 ? "[" + config_.host + "]" : config_.host;
  host_address_ = host + ":" + std::to_string(config_.port);
  address_ = config_.user + "@" + host_address_;
}

SshTransport::~SshTransport() = default;

Result<std::unique_ptr<SshTransport>> SshTransport::create(const SshTransportConfig& config) {
  std::unique_ptr<SshTransport> transport(new SshTransport(config));
  const std::string prefix = "ssh " + transport->address_ + ": ";
  if (config.host.empty() || config.port <= 0 || config.port > 65535)
    return error(Code::kInvalidArgument, prefix + "invalid host or port");
  if (config.user.empty()) return error(Code::kInvalidArgument, prefix + "a user is required");
  if (config.known_hosts.empty())
    return error(Code::kInvalidArgument, prefix + "a known-hosts file is required");
  if (config.remote_command.empty())
    return error(Code::kInvalidArgument, prefix + "a remote command is required");
  if (config.timeout_seconds <= 0 || config.connect_timeout_seconds <= 0)
    return error(Code::kInvalidArgument, prefix + "timeouts must be positive");
  Status opened = transport->open();
  if (!opened.ok()) return opened;
  return transport;
}

Status SshTransport::open() {
  const std::string prefix = "ssh " + address_ + ": ";
  auto s = std::make_unique<Session>();
  if (!config_.identity_file.empty() &&
      ssh_pki_import_privkey_file(config_.identity_file.c_str(), nullptr, nullptr, nullptr,
                                  &s->key) != SSH_OK) {
    return error(Code::kIo, prefix + "cannot load private key " + config_.identity_file);
  }
  s->session = ssh_new();
  if (s->session == nullptr) return error(Code::kInternal, prefix + "ssh_new failed");
  ssh_session session = s->session;

  unsigned int port = static_cast<unsigned int>(config_.port);
  long connect_timeout = config_.connect_timeout_seconds;
  int verbosity = SSH_LOG_NOLOG;
  bool process_config = false;  // never pick up ~/.ssh/config or /etc/ssh/ssh_config
  int rc = SSH_OK;
  auto set = [&](ssh_options_e option, const void* value) {
    if (rc == SSH_OK) rc = ssh_options_set(session, option, value);
  };
  set(SSH_OPTIONS_LOG_VERBOSITY, &verbosity);
  set(SSH_OPTIONS_PROCESS_CONFIG, &process_config);
  set(SSH_OPTIONS_HOST, config_.host.c_str());
  set(SSH_OPTIONS_PORT, &port);
  set(SSH_OPTIONS_USER, config_.user.c_str());
  set(SSH_OPTIONS_TIMEOUT, &connect_timeout);
  // Only the configured file is trusted; the system-wide one is not consulted.
  set(SSH_OPTIONS_KNOWNHOSTS, config_.known_hosts.c_str());
  set(SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
  if (rc != SSH_OK) {
    return error(Code::kInvalidArgument, prefix + "invalid option: " + ssh_get_error(session));
  }

  if (ssh_connect(session) != SSH_OK)
    return error(Code::kUnavailable, prefix + ssh_get_error(session));

  // The host key is checked before any credential is offered.
  const std::string host_prefix = "ssh " + host_address_ + ": ";
  ssh_key server_key = nullptr;
  if (ssh_get_server_publickey(session, &server_key) == SSH_OK) {
    bool revoked = host_key_is_revoked(config_.known_hosts, server_key);
    ssh_key_free(server_key);
    if (revoked) {
      return error(Code::kPermissionDenied,
                   host_prefix + "host key " + server_fingerprint(session) +
                       " is marked @revoked in " + config_.known_hosts + "; refusing to connect");
    }
  }
  switch (ssh_session_is_known_server(session)) {
    case SSH_KNOWN_HOSTS_OK:
      break;
    case SSH_KNOWN_HOSTS_UNKNOWN:
    case SSH_KNOWN_HOSTS_NOT_FOUND:
      return error(Code::kPermissionDenied, host_prefix + "host key is not known (" +
                                                server_fingerprint(session) + "); add it to " +
                                                config_.known_hosts);
    case SSH_KNOWN_HOSTS_CHANGED:
    case SSH_KNOWN_HOSTS_OTHER:  // a key of another type than the one recorded
      return error(Code::kPermissionDenied, host_prefix + "HOST KEY CHANGED (now " +
                                                server_fingerprint(session) +
                                                "); refusing to connect");
    case SSH_KNOWN_HOSTS_ERROR:
    default:
      return error(Code::kUnavailable, prefix + "cannot check the host key against " +
                                           config_.known_hosts + ": " + ssh_get_error(session));
  }

  int auth = s->key != nullptr ? ssh_userauth_publickey(session, nullptr, s->key)
                               : ssh_userauth_publickey_auto(session, nullptr, nullptr);
  if (auth == SSH_AUTH_DENIED || auth == SSH_AUTH_PARTIAL) {
    std::string which =
        config_.identity_file.empty() ? "the default keys" : "key " + config_.identity_file;
    return error(Code::kPermissionDenied, prefix + "authentication refused for " + which);
  }
  if (auth != SSH_AUTH_SUCCESS)
    return error(Code::kUnavailable, prefix + "authentication failed: " + ssh_get_error(session));

  s->channel = ssh_channel_new(session);
  if (s->channel == nullptr || ssh_channel_open_session(s->channel) != SSH_OK)
    return error(Code::kUnavailable, prefix + "cannot open a channel: " + ssh_get_error(session));
  if (ssh_channel_request_exec(s->channel, config_.remote_command.c_str()) != SSH_OK) {
    return error(Code::kUnavailable,
                 prefix + "cannot run the remote command: " + ssh_get_error(session));
  }
  session_ = std::move(s);
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
