#include "ctl/hosts/host_clients.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>

#include "ctl/hosts/agent_hello.h"
#include "ctl/hosts/ssh_transport.h"
#include "ctl/hosts/tls_transport.h"

namespace xc {

TlsTransportConfig tls_config_for(const PkiFiles& pki, const HostSpec& spec) {
  TlsTransportConfig c;
  const std::string& a = spec.address;
  size_t colon = a.rfind(':');
  bool bracketed = !a.empty() && a[0] == '[';
  if (colon != std::string::npos && (bracketed ? a.find(']') < colon : a.find(':') == colon)) {
    c.host = bracketed ? a.substr(1, a.find(']') - 1) : a.substr(0, colon);
    // Validation allows only digits here; anything else keeps the default
    // port rather than throwing.
    std::string_view port = std::string_view(a).substr(colon + 1);
    std::from_chars(port.data(), port.data() + port.size(), c.port);
  } else {
    c.host = bracketed ? a.substr(1, a.size() - 2) : a;
  }
  c.cert_path = pki.controller_cert();
  c.key_path = pki.controller_key();
  c.ca_path = pki.ca_cert();
  return c;
}

SshTransportConfig ssh_config_for(const PkiFiles& pki, const HostSpec& spec) {
  SshTransportConfig s;
  s.host = tls_config_for(pki, spec).host;  // the address without the agent's TLS port
  s.port = spec.ssh_port;
  s.user = spec.ssh_user;
  s.known_hosts = spec.known_hosts.empty() ? pki.dir + "/known_hosts" : spec.known_hosts;
  s.identity_file = spec.identity_file;
  if (s.identity_file.empty() && ::access((pki.dir + "/ssh_key").c_str(), R_OK) == 0)
    s.identity_file = pki.dir + "/ssh_key";
  s.remote_command = spec.ssh_command;
  return s;
}

namespace {

Result<std::unique_ptr<AgentTransport>> connect_agent(const PkiFiles& pki_, const HostSpec& spec,
                                                      long timeout_seconds) {
  if (spec.transport == Transport::kSsh) {
    SshTransportConfig s = ssh_config_for(pki_, spec);
    if (timeout_seconds > 0) {
      s.timeout_seconds = static_cast<int>(timeout_seconds);
      s.connect_timeout_seconds = std::min<int>(s.connect_timeout_seconds, s.timeout_seconds);
    }
    auto t = SshTransport::create(s);
    if (!t.ok()) return t.status();
    return std::unique_ptr<AgentTransport>(std::move(*t));
  }
  TlsTransportConfig c = tls_config_for(pki_, spec);
  if (timeout_seconds > 0) {
    c.timeout_seconds = timeout_seconds;
    c.connect_timeout_seconds = std::min(c.connect_timeout_seconds, timeout_seconds);
  }
  auto t = TlsTransport::create(c);
  if (!t.ok()) return t.status();
  return std::unique_ptr<AgentTransport>(std::move(*t));
}

}  // namespace

HostClients::Connector agent_connector(PkiFiles pki, long timeout_seconds) {
  return [pki = std::move(pki), timeout_seconds](const std::string&, const HostSpec& spec) {
    return connect_agent(pki, spec, timeout_seconds);
  };
}

HostClients::HostClients(PkiFiles pki, int per_host_limit)
    : HostClients(agent_connector(pki, 0), per_host_limit) {
  pki_ = std::move(pki);
}

std::optional<TlsTransportConfig> HostClients::tls_route(const std::string& host) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = pools_.find(host);
  if (!pki_ || it == pools_.end() || it->second.spec.transport != Transport::kTls)
    return std::nullopt;
  return tls_config_for(*pki_, it->second.spec);
}

HostClients::HostClients(Connector connector, int per_host_limit)
    : connector_(std::move(connector)), per_host_limit_(per_host_limit < 1 ? 1 : per_host_limit) {}

void HostClients::add_host(const Object& host) {
  std::lock_guard<std::mutex> lock(mutex_);
  pools_[host.meta.name].spec = host.as<HostSpec>();
}

Result<std::unique_ptr<AgentTransport>> HostClients::checkout(const std::string& host) {
  std::unique_lock<std::mutex> lock(mutex_);
  auto it = pools_.find(host);
  if (it == pools_.end())
    return error(Code::kNotFound, "host " + host + ": not declared in the manifests");
  Pool& pool = it->second;
  available_.wait(lock, [&] { return !pool.idle.empty() || pool.open < per_host_limit_; });
  if (!pool.idle.empty()) {
    auto t = std::move(pool.idle.back());
    pool.idle.pop_back();
    return t;
  }
  ++pool.open;
  HostSpec spec = pool.spec;
  lock.unlock();
  auto t = connector_(host, spec);
  // Nothing is sent to an agent this controller cannot talk to.
  if (t.ok()) {
    auto agent = greet_agent(**t, host);
    if (!agent.ok()) t = agent.status();
  }
  if (!t.ok()) {
    std::lock_guard<std::mutex> again(mutex_);
    --pools_[host].open;
    available_.notify_one();
  }
  return t;
}

void HostClients::checkin(const std::string& host, std::unique_ptr<AgentTransport> t) {
  std::lock_guard<std::mutex> lock(mutex_);
  pools_[host].idle.push_back(std::move(t));
  available_.notify_one();
}

Result<nlohmann::json> HostClients::call(const std::string& host, const std::string& method,
                                         const nlohmann::json& params) {
  auto t = checkout(host);
  if (!t.ok()) return t.status();
  auto reply = (*t)->call({{"id", 1}, {"method", method}, {"params", params}});
  checkin(host, std::move(*t));
  return result_of(host, std::move(reply));
}

Result<nlohmann::json> HostClients::call_bytes(const std::string& host, const std::string& method,
                                               const nlohmann::json& params,
                                               const std::string& input, std::string& output) {
  auto t = checkout(host);
  if (!t.ok()) return t.status();
  auto reply = (*t)->call_bytes(method, params, input, output);
  checkin(host, std::move(*t));
  return result_of(host, std::move(reply));
}

Result<nlohmann::json> HostClients::result_of(const std::string& host,
                                              Result<nlohmann::json> reply) {
  if (!reply.ok())
    return error(reply.status().code(), "host " + host + ": " + reply.status().message());
  if (reply->contains("error")) {
    const auto& e = (*reply)["error"];
    return error(code_from_name(e.value("code", "internal")),
                 "host " + host + ": " + e.value("message", "error"));
  }
  return std::move((*reply)["result"]);
}

}  // namespace xc
