// Connections to every host's agent, made lazily from Host manifests: mutual
// TLS with the certificates in <state dir>/pki, or SSH (libssh) running the
// agent's rpc mode, with host keys checked against <state dir>/pki/known_hosts.
// Each new connection starts with agent.hello (ctl/hosts/agent_hello.h). Several
// transports per host let a bounded number of requests run at once.
// Thread-safe: call() may be used from many threads.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/model.h"
#include "ctl/hosts/agent_transport.h"
#include "ctl/hosts/pki_files.h"
#include "ctl/hosts/ssh_session.h"
#include "ctl/hosts/tls_transport.h"

namespace xc {

class HostClients {
 public:
  // Opens one transport to a host's agent (tests pass an in-process one).
  using Connector = std::function<Result<std::unique_ptr<AgentTransport>>(const std::string& host,
                                                                          const HostSpec& spec)>;

  // Over the network: TLS or SSH as each Host says, with the state's PKI.
  HostClients(PkiFiles pki, int per_host_limit);
  HostClients(Connector connector, int per_host_limit);

  void add_host(const Object& host);
  // Sends one request to the host's agent; `method` and `params` form the request.
  // Agent errors come back as a non-ok Status with the agent's code and message.
  Result<nlohmann::json> call(const std::string& host, const std::string& method,
                              const nlohmann::json& params);
  // A bulk-bytes method (volume.read/write, image.write, backup.read): `input`
  // sent raw where the transport can, the bytes read back in `output`.
  Result<nlohmann::json> call_bytes(const std::string& host, const std::string& method,
                                    const nlohmann::json& params, const std::string& input,
                                    std::string& output);
  // Where a host's agent listens for mutual TLS, for another agent to reach it
  // (a host-to-host copy); nothing when it is reached over SSH or this object
  // was made with a Connector.
  std::optional<TlsTransportConfig> tls_route(const std::string& host);
  // The state's PKI when this object was made with it.
  const std::optional<PkiFiles>& pki() const { return pki_; }

 private:
  struct Pool {
    HostSpec spec;
    std::vector<std::unique_ptr<AgentTransport>> idle;
    int open = 0;
  };
  Result<std::unique_ptr<AgentTransport>> checkout(const std::string& host);
  void checkin(const std::string& host, std::unique_ptr<AgentTransport> t);
  // An agent's answer as its result, or its error as a Status naming the host.
  static Result<nlohmann::json> result_of(const std::string& host, Result<nlohmann::json> reply);
  Connector connector_;
  std::optional<PkiFiles> pki_;
  int per_host_limit_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::map<std::string, Pool> pools_;
};

// Where and how to reach a host's agent over mutual TLS: its address split
// into host and port, with the state's controller certificate and CA.
TlsTransportConfig tls_config_for(const PkiFiles& pki, const HostSpec& spec);
// The SSH session to a Host reached over SSH: its address without the
// agent's TLS port, user, key (the state's pki/ssh_key unless the Host names
// one) and known-hosts file (pki/known_hosts unless the Host names one).
SshTransportConfig ssh_config_for(const PkiFiles& pki, const HostSpec& spec);

// Connects over TLS or SSH as each Host says, with the state's PKI; each call
// may take `timeout_seconds` (0: the transports' defaults, 300 s), and
// connecting at most 5 s (TLS) or 10 s (SSH) or that, whichever is shorter.
HostClients::Connector agent_connector(PkiFiles pki, long timeout_seconds);

}  // namespace xc
