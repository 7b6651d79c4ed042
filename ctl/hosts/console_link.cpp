#include "ctl/hosts/console_link.h"

#include "ctl/hosts/console_tunnel.h"
#include "ctl/hosts/host_clients.h"
#include "ctl/hosts/ssh_console.h"

namespace xc {

Result<std::unique_ptr<ConsoleLink>> open_console_link(const PkiFiles& pki, const HostSpec& host,
                                                       const std::string& domain,
                                                       const std::string& type) {
  if (host.transport == Transport::kSsh) {
    auto link = SshConsole::open(ssh_config_for(pki, host), domain, type);
    if (!link.ok()) return link.status();
    return std::unique_ptr<ConsoleLink>(std::move(*link));
  }
  auto link = ConsoleTunnel::open(tls_config_for(pki, host), domain, type);
  if (!link.ok()) return link.status();
  return std::unique_ptr<ConsoleLink>(std::move(*link));
}

}  // namespace xc
