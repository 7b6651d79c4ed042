#include "ctl/hosts/ssh_session.h"

#include "ctl/hosts/revoked_host_keys.h"

namespace xc {
namespace {

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

std::string ssh_host_address(const SshTransportConfig& config) {
  bool v6 = config.host.find(':') != std::string::npos;
  return (v6 ? "[" + config.host + "]" : config.host) + ":" + std::to_string(config.port);
}

}  // namespace

SshExec::~SshExec() {
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

std::string ssh_address(const SshTransportConfig& config) {
  return config.user + "@" + ssh_host_address(config);
}

Result<std::unique_ptr<SshExec>> open_ssh_exec(const SshTransportConfig& config) {
  const std::string where = "ssh " + ssh_address(config) + ": ";
  if (config.host.empty() || config.port <= 0 || config.port > 65535)
    return error(Code::kInvalidArgument, where + "invalid host or port");
  if (config.user.empty()) return error(Code::kInvalidArgument, where + "a user is required");
  if (config.known_hosts.empty())
    return error(Code::kInvalidArgument, where + "a known-hosts file is required");
  if (config.remote_command.empty())
    return error(Code::kInvalidArgument, where + "a remote command is required");
  if (config.timeout_seconds <= 0 || config.connect_timeout_seconds <= 0)
    return error(Code::kInvalidArgument, where + "timeouts must be positive");
  const std::string host_address = ssh_host_address(config);
  auto s = std::make_unique<SshExec>();
  if (!config.identity_file.empty() &&
      ssh_pki_import_privkey_file(config.identity_file.c_str(), nullptr, nullptr, nullptr,
                                  &s->key) != SSH_OK) {
    return error(Code::kIo, where + "cannot load private key " + config.identity_file);
  }
  s->session = ssh_new();
  if (s->session == nullptr) return error(Code::kInternal, where + "ssh_new failed");
  ssh_session session = s->session;

  unsigned int port = static_cast<unsigned int>(config.port);
  long connect_timeout = config.connect_timeout_seconds;
  int verbosity = SSH_LOG_NOLOG;
  bool process_config = false;  // never pick up ~/.ssh/config or /etc/ssh/ssh_config
  int rc = SSH_OK;
  auto set = [&](ssh_options_e option, const void* value) {
    if (rc == SSH_OK) rc = ssh_options_set(session, option, value);
  };
  set(SSH_OPTIONS_LOG_VERBOSITY, &verbosity);
  set(SSH_OPTIONS_PROCESS_CONFIG, &process_config);
  set(SSH_OPTIONS_HOST, config.host.c_str());
  set(SSH_OPTIONS_PORT, &port);
  set(SSH_OPTIONS_USER, config.user.c_str());
  set(SSH_OPTIONS_TIMEOUT, &connect_timeout);
  // Only the configured file is trusted; the system-wide one is not consulted.
  set(SSH_OPTIONS_KNOWNHOSTS, config.known_hosts.c_str());
  set(SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
  if (rc != SSH_OK) {
    return error(Code::kInvalidArgument, where + "invalid option: " + ssh_get_error(session));
  }

  if (ssh_connect(session) != SSH_OK)
    return error(Code::kUnavailable, where + ssh_get_error(session));

  // The host key is checked before any credential is offered.
  const std::string host_prefix = "ssh " + host_address + ": ";
  ssh_key server_key = nullptr;
  if (ssh_get_server_publickey(session, &server_key) == SSH_OK) {
    bool revoked = host_key_is_revoked(config.known_hosts, server_key);
    ssh_key_free(server_key);
    if (revoked) {
      return error(Code::kPermissionDenied,
                   host_prefix + "host key " + server_fingerprint(session) +
                       " is marked @revoked in " + config.known_hosts + "; refusing to connect");
    }
  }
  switch (ssh_session_is_known_server(session)) {
    case SSH_KNOWN_HOSTS_OK:
      break;
    case SSH_KNOWN_HOSTS_UNKNOWN:
    case SSH_KNOWN_HOSTS_NOT_FOUND:
      return error(Code::kPermissionDenied, host_prefix + "host key is not known (" +
                                                server_fingerprint(session) + "); add it to " +
                                                config.known_hosts);
    case SSH_KNOWN_HOSTS_CHANGED:
    case SSH_KNOWN_HOSTS_OTHER:  // a key of another type than the one recorded
      return error(Code::kPermissionDenied, host_prefix + "HOST KEY CHANGED (now " +
                                                server_fingerprint(session) +
                                                "); refusing to connect");
    case SSH_KNOWN_HOSTS_ERROR:
    default:
      return error(Code::kUnavailable, where + "cannot check the host key against " +
                                           config.known_hosts + ": " + ssh_get_error(session));
  }

  int auth = s->key != nullptr ? ssh_userauth_publickey(session, nullptr, s->key)
                               : ssh_userauth_publickey_auto(session, nullptr, nullptr);
  if (auth == SSH_AUTH_DENIED || auth == SSH_AUTH_PARTIAL) {
    std::string which =
        config.identity_file.empty() ? "the default keys" : "key " + config.identity_file;
    return error(Code::kPermissionDenied, where + "authentication refused for " + which);
  }
  if (auth != SSH_AUTH_SUCCESS)
    return error(Code::kUnavailable, where + "authentication failed: " + ssh_get_error(session));

  s->channel = ssh_channel_new(session);
  if (s->channel == nullptr || ssh_channel_open_session(s->channel) != SSH_OK)
    return error(Code::kUnavailable, where + "cannot open a channel: " + ssh_get_error(session));
  if (ssh_channel_request_exec(s->channel, config.remote_command.c_str()) != SSH_OK) {
    return error(Code::kUnavailable,
                 where + "cannot run the remote command: " + ssh_get_error(session));
  }
  return s;
}

}  // namespace xc
