// The portable VM spec that domain.ensure carries (independent of any host),
// its JSON form, and the checks that keep unsafe text away from libvirt and
// the file system. Value types and pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/model.h"
#include "common/status.h"

namespace xc {

struct DomainDisk {
  std::string name;  // DNS label of at most 20 characters: the guest sees it as the serial
  int64_t size_gib = 0;
  DiskTier tier = DiskTier::kNormal;
  int64_t iops = 0;            // within tier_iops(tier); absent in JSON means the tier's maximum
  std::string image;           // absolute path of a base image, or empty for a blank disk
  std::string bus = "virtio";  // virtio or scsi
  std::string image_format = "qcow2";  // of the image file: qcow2 or raw
  std::string image_sha256 = "";       // the digest the image must have, or empty
  // An adopted domain's own disk file (absolute path), left where it is;
  // empty for xcloud's volume in the agent's storage directory.
  std::string path = "";
  bool operator==(const DomainDisk&) const = default;
};

struct DomainNic {
  std::string network;          // a host network or bridge name the controller chose
  std::string mac;              // "52:54:00:0a:0b:0c": lowercase, unicast
  std::optional<int64_t> vlan;  // 1..4094
  std::string ipv4;             // an address or empty
  std::string ipv6;             // an address, "auto" or empty
  // Security groups of the spec's tenant (DNS labels, no duplicates). None
  // means no filtering at all, as before security groups reached the NIC.
  std::vector<std::string> security_groups;
  // What the guest is told about its network (the NoCloud seed): the
  // prefix lengths of ipv4/ipv6 (only with a static address of that family),
  // the network's gateways and DNS servers. All optional.
  std::optional<int64_t> ipv4_prefix;  // 1..32
  std::string ipv4_gateway;            // an IPv4 address or empty
  std::optional<int64_t> ipv6_prefix;  // 1..128
  std::string ipv6_gateway;            // an IPv6 address or empty
  std::vector<std::string> dns;        // at most 8 IPv4/IPv6 addresses
  bool operator==(const DomainNic&) const = default;
};

// What the guest configures at boot from its NoCloud seed. Only a crypt(3)
// hash of a password ever travels (is_crypt_hash); stored copies carry a
// redaction marker instead (redacted_secret, common/secret_redaction.h).
struct DomainGuest {
  std::string hostname;                          // DNS labels joined by '.', at most 253 bytes
  std::vector<std::string> ssh_authorized_keys;  // single-line OpenSSH public keys
  std::string password_hash;                     // crypt(3), a redaction marker, or empty
  bool operator==(const DomainGuest&) const = default;
};

struct DomainAccelerator {
  std::string type;         // gpu-16g, npu-24g, ...
  std::string pci_address;  // "0000:3b:00.0", chosen by the controller/agent
  bool operator==(const DomainAccelerator&) const = default;
};

struct DomainSpec {
  std::string tenant;  // "education/schools"
  std::string name;    // "web-1"
  std::string kind = "VirtualMachine";
  std::string spec_hash;  // lowercase hex
  int64_t generation = 0;
  Arch arch = Arch::kX86_64;
  int64_t cpus = 0;
  int64_t memory_mib = 0;
  std::vector<DomainDisk> disks;
  std::vector<DomainNic> nics;
  std::vector<DomainAccelerator> accelerators;
  Power power = Power::kRunning;
  // Absent: no seed CD-ROM (specs from controllers before guest configuration).
  std::optional<DomainGuest> guest;
  // A domain xcloud adopted (xcloudctl adopt): its libvirt name is the VM's
  // name and its disks keep their paths; it has no seed.
  bool adopted = false;
  bool operator==(const DomainSpec&) const = default;
};

// Parses and validates domain.ensure params; errors name the field, e.g.
// "params.disks[1].size_gib: expected a positive integer" (kInvalidArgument).
// Unknown fields are refused so that typos do not pass silently.
Result<DomainSpec> domain_spec_from_json(const nlohmann::json& params);
nlohmann::json to_json(const DomainSpec& spec);

// The value checks of domain_spec_from_json, for specs built in code.
Status validate_domain_spec(const DomainSpec& spec);

// "xc-<tenant with '/' as '.'>.<name>", e.g. "xc-education.schools.web-1".
// '.' occurs in neither labels nor names, so distinct specs never share a name.
// An adopted domain keeps its own name (the VM's name).
std::string domain_name(const DomainSpec& spec);
// The disk's file (and storage volume) name: "<domain name>.<disk name>.qcow2".
std::string disk_file_name(const DomainSpec& spec, const DomainDisk& disk);
// The NoCloud seed's file (and volume) name: "<domain name>.cidata.iso".
std::string seed_file_name(const DomainSpec& spec);
// "<storage_dir>/<disk_file_name>", or an adopted disk's own path.
std::string disk_path(const std::string& storage_dir, const DomainSpec& spec,
                      const DomainDisk& disk);

// Building blocks, also used by the XML renderer for host settings.
bool is_dns_label(std::string_view text, size_t max_length = 63);
bool is_tenant_path(std::string_view text);
bool is_lower_hex(std::string_view text);
bool is_unicast_mac(std::string_view text);
// Valid UTF-8 without control characters (C0, DEL, C1) or noncharacters.
bool is_printable_utf8(std::string_view text);
// Host network names: '/'-joined parts of [A-Za-z0-9._-] starting with a
// letter or digit, at most 255 bytes ("education/app", "br0").
bool is_network_name(std::string_view text);
// A Linux interface name: 1-15 of [A-Za-z0-9._-], starting with a letter or digit.
bool is_bridge_name(std::string_view text);
// "ssh-ed25519 AAAA... comment": a known key type, base64 key data and an
// optional printable comment on one line, at most kMaxSshKeyLength bytes.
inline constexpr size_t kMaxSshKeyLength = 8192;
inline constexpr size_t kMaxSshKeys = 32;
bool is_ssh_public_key(std::string_view text);
// A crypt(3) hash of a modern scheme: "$y$", "$gy$", "$7$", "$2b$"/"$2a$"/
// "$2y$", "$6$" or "$5$" followed by the scheme's salt and hash characters.
// Anything else (notably a plaintext password) is not.
bool is_crypt_hash(std::string_view text);
// A host name: DNS labels joined by '.', at most 253 bytes.
bool is_host_name(std::string_view text);
// Absolute, printable, no empty, "." or ".." components, at most 1024 bytes.
bool is_safe_absolute_path(std::string_view text);

struct PciAddress {
  unsigned domain = 0;    // 0..0xffff
  unsigned bus = 0;       // 0..0xff
  unsigned slot = 0;      // 0..0x1f
  unsigned function = 0;  // 0..7
};
// "0000:3b:00.0" (lowercase hex, all four parts); nullopt for anything else.
std::optional<PciAddress> parse_pci_address(std::string_view text);

}  // namespace xc
