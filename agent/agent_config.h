// The agent's configuration file (YAML; packaging/agent.yaml is the
// documented example). Value type.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/image_source.h"
#include "common/status.h"

namespace xc {

// Maps a PCI vendor/product pair to an xcloud accelerator type (gpu-16g, ...).
struct AcceleratorMapping {
  std::string vendor;   // "0x10de"
  std::string product;  // "0x1eb8"; empty matches any product of the vendor
  std::string type;
};

struct AgentConfig {
  std::string listen = "0.0.0.0";
  int port = 7701;
  std::string libvirt_uri = "qemu:///system";
  std::string tls_cert;
  std::string tls_key;
  std::string tls_ca;
  // kvm, qemu (software emulation) or auto: kvm when libvirt offers it for
  // the guest's arch on this host, else qemu.
  std::string domain_type = "auto";
  std::string storage_dir = "/var/lib/xcloud/disks";
  std::string storage_pool = "xcloud";  // the libvirt dir pool over storage_dir
  // Base images (Image sources) must be files in this directory; checked
  // after resolving symbolic links.
  std::string image_dir = kDefaultImageDir;
  std::string uplink;                 // NIC carrying tenant VLANs/VXLANs
  std::string network_mode = "vlan";  // vlan or vxlan
  // VXLAN devices flood to this multicast group (inet_ntop's text); "" keeps
  // VXLAN traffic on the host.
  std::string vxlan_group;
  // The libvirt URI other hosts' libvirtd use to migrate a domain here
  // ("" = qemu+tls://<hostname>/system). Migration data itself travels over
  // TLS (libvirt's migrate_tls) when qemu_conf's certificate directory holds
  // certificates from the cloud's CA (agent/migration_tls.h);
  // migration_tls = false says never, whatever the files.
  std::string migration_uri;
  bool migration_tls = true;
  std::string qemu_conf = "/etc/libvirt/qemu.conf";
  std::map<std::string, std::string> labels;
  std::vector<AcceleratorMapping> accelerators;
  // Test only; left out of packaging/agent.yaml on purpose. `testOnly:
  // {protocol: "1.0", version: "0.2.1"}` makes agent.hello and host.facts
  // claim another protocol or xcloud version than this build's, so that tests
  // can play an older or newer agent (tests/e2e/agent_protocol.sh) or an
  // upgraded one (tests/e2e/host_upgrade.sh). Never set it on a real host.
  std::string test_protocol;
  std::string test_version;
};

Result<AgentConfig> load_agent_config(const std::string& path);
Result<AgentConfig> parse_agent_config(const std::string& yaml_text, const std::string& file);

}  // namespace xc
