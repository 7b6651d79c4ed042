// domain.ensure params <-> DomainSpec, and validation of every field.
#include "common/domain_spec.h"

#include <algorithm>
#include <initializer_list>
#include <set>

#include "common/ip_address.h"
#include "common/secret_redaction.h"

namespace xc {
namespace {

using nlohmann::json;

constexpr int64_t kMaxCpus = 512;
constexpr int64_t kMaxMemoryMib = int64_t{16} << 20;  // 16 TiB
constexpr int64_t kMaxDiskGib = 65536;
constexpr int64_t kMaxGeneration = int64_t{1} << 53;  // exact in a JSON double
constexpr size_t kMaxDevices = 16;                    // of each kind
constexpr size_t kMaxDiskName = 20;                   // virtio-blk serials hold 20 bytes
constexpr size_t kMaxDomainName = 120;                // keeps disk file names within 200 bytes
constexpr size_t kMaxSpecHash = 128;
constexpr size_t kMaxDnsServers = 8;

Status invalid(const std::string& field, const std::string& what) {
  return error(Code::kInvalidArgument, field + ": " + what);
}

std::string describe(int64_t min, int64_t max) {
  if (min == 1) return "a positive integer";
  if (min == 0) return "a non-negative integer";
  return "an integer from " + std::to_string(min) + " to " + std::to_string(max);
}

Status check_int(const std::string& field, int64_t value, int64_t min, int64_t max) {
  if (value < min) return invalid(field, "expected " + describe(min, max));
  if (value > max)
    return invalid(field,
                   "expected at most " + std::to_string(max) + ", got " + std::to_string(value));
  return {};
}

// Echoes a field name only when it is plain text, so messages stay safe to log.
bool printable_key(const std::string& key) {
  return !key.empty() && key.size() <= 64 && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

Status check_fields(const json& obj, const std::string& path,
                    std::initializer_list<const char*> known) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (std::find(known.begin(), known.end(), it.key()) != known.end()) continue;
    if (printable_key(it.key())) return invalid(path + "." + it.key(), "unknown field");
    return invalid(path, "unknown field with a name that is not plain ASCII");
  }
  return {};
}

// Reads obj[key] when present and not null; `out` keeps its default otherwise.
Status read_string(const json& obj, const std::string& path, const char* key, bool required,
                   std::string& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null())
    return required ? invalid(path + "." + key, "required field is missing") : Status{};
  if (!it->is_string()) return invalid(path + "." + key, "expected a string");
  out = it->get<std::string>();
  return {};
}

Status read_int(const json& obj, const std::string& path, const char* key, bool required,
                int64_t min, int64_t max, std::optional<int64_t>& out) {
  std::string field = path + "." + key;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null())
    return required ? invalid(field, "required field is missing") : Status{};
  if (!it->is_number_integer()) return invalid(field, "expected " + describe(min, max));
  if (it->is_number_unsigned() && it->get<uint64_t>() > uint64_t(max))
    return invalid(field, "expected at most " + std::to_string(max));
  out = it->get<int64_t>();
  return check_int(field, *out, min, max);
}

Status read_int(const json& obj, const std::string& path, const char* key, int64_t min, int64_t max,
                int64_t& out) {
  std::optional<int64_t> value;
  Status s = read_int(obj, path, key, true, min, max, value);
  if (s.ok()) out = *value;
  return s;
}

Status read_array(const json& obj, const std::string& path, const char* key, const json*& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return {};
  if (!it->is_array()) return invalid(path + "." + key, "expected an array");
  if (it->size() > kMaxDevices)
    return invalid(path + "." + key, "at most " + std::to_string(kMaxDevices) + " entries");
  out = &*it;
  return {};
}

std::string item(const std::string& list, size_t i) {
  return list + "[" + std::to_string(i) + "]";
}

Status read_strings(const json& obj, const std::string& path, const char* key, size_t max,
                    std::vector<std::string>& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return {};
  std::string field = path + "." + key;
  if (!it->is_array()) return invalid(field, "expected an array");
  if (it->size() > max) return invalid(field, "at most " + std::to_string(max) + " entries");
  for (size_t i = 0; i < it->size(); ++i) {
    if (!(*it)[i].is_string()) return invalid(item(field, i), "expected a string");
    out.push_back((*it)[i].get<std::string>());
  }
  return {};
}

#define XC_TRY(expr)                         \
  do {                                       \
    Status xc_status_ = (expr);              \
    if (!xc_status_.ok()) return xc_status_; \
  } while (0)

Status parse_disk(const json& j, const std::string& path, DomainDisk& disk) {
  if (!j.is_object()) return invalid(path, "expected an object");
  XC_TRY(check_fields(j, path,
                      {"name", "size_gib", "tier", "iops", "image", "image_format", "image_sha256",
                       "bus", "path"}));
  XC_TRY(read_string(j, path, "name", true, disk.name));
  XC_TRY(read_int(j, path, "size_gib", 1, kMaxDiskGib, disk.size_gib));
  std::string tier;
  XC_TRY(read_string(j, path, "tier", true, tier));
  if (tier != "normal" && tier != "high") return invalid(path + ".tier", "expected normal or high");
  disk.tier = tier == "high" ? DiskTier::kHigh : DiskTier::kNormal;
  std::optional<int64_t> iops;
  IopsRange range = tier_iops(disk.tier);
  XC_TRY(read_int(j, path, "iops", false, 1, 1000000, iops));  // the tier range: validate
  disk.iops = iops.value_or(range.max);
  XC_TRY(read_string(j, path, "image", false, disk.image));
  XC_TRY(read_string(j, path, "image_format", false, disk.image_format));
  XC_TRY(read_string(j, path, "image_sha256", false, disk.image_sha256));
  XC_TRY(read_string(j, path, "path", false, disk.path));
  return read_string(j, path, "bus", false, disk.bus);
}

Status parse_nic(const json& j, const std::string& path, DomainNic& nic) {
  if (!j.is_object()) return invalid(path, "expected an object");
  XC_TRY(check_fields(j, path,
                      {"network", "mac", "vlan", "ipv4", "ipv6", "security_groups", "ipv4_prefix",
                       "ipv4_gateway", "ipv6_prefix", "ipv6_gateway", "dns"}));
  XC_TRY(read_string(j, path, "network", true, nic.network));
  XC_TRY(read_string(j, path, "mac", true, nic.mac));
  XC_TRY(read_int(j, path, "vlan", false, 1, 4094, nic.vlan));
  XC_TRY(read_string(j, path, "ipv4", false, nic.ipv4));
  XC_TRY(read_string(j, path, "ipv6", false, nic.ipv6));
  const json* groups = nullptr;
  XC_TRY(read_array(j, path, "security_groups", groups));
  for (size_t i = 0; groups && i < groups->size(); ++i) {
    if (!(*groups)[i].is_string())
      return invalid(item(path + ".security_groups", i), "expected a string");
    nic.security_groups.push_back((*groups)[i].get<std::string>());
  }
  XC_TRY(read_int(j, path, "ipv4_prefix", false, 1, 32, nic.ipv4_prefix));
  XC_TRY(read_string(j, path, "ipv4_gateway", false, nic.ipv4_gateway));
  XC_TRY(read_int(j, path, "ipv6_prefix", false, 1, 128, nic.ipv6_prefix));
  XC_TRY(read_string(j, path, "ipv6_gateway", false, nic.ipv6_gateway));
  return read_strings(j, path, "dns", kMaxDnsServers, nic.dns);
}

Status parse_guest(const json& j, const std::string& path, DomainGuest& guest) {
  if (!j.is_object()) return invalid(path, "expected an object");
  XC_TRY(check_fields(j, path, {"hostname", "ssh_authorized_keys", "password_hash"}));
  XC_TRY(read_string(j, path, "hostname", true, guest.hostname));
  XC_TRY(read_strings(j, path, "ssh_authorized_keys", kMaxSshKeys, guest.ssh_authorized_keys));
  return read_string(j, path, "password_hash", false, guest.password_hash);
}

Status parse_accelerator(const json& j, const std::string& path, DomainAccelerator& acc) {
  if (!j.is_object()) return invalid(path, "expected an object");
  XC_TRY(check_fields(j, path, {"type", "pci_address"}));
  XC_TRY(read_string(j, path, "type", true, acc.type));
  return read_string(j, path, "pci_address", true, acc.pci_address);
}

Status parse_spec(const json& params, DomainSpec& spec) {
  const std::string p = "params";
  if (!params.is_object()) return invalid(p, "expected an object");
  XC_TRY(
      check_fields(params, p,
                   {"tenant", "name", "kind", "spec_hash", "generation", "arch", "cpus",
                    "memory_mib", "disks", "nics", "accelerators", "power", "guest", "adopted"}));
  XC_TRY(read_string(params, p, "tenant", true, spec.tenant));
  XC_TRY(read_string(params, p, "name", true, spec.name));
  XC_TRY(read_string(params, p, "kind", false, spec.kind));
  XC_TRY(read_string(params, p, "spec_hash", true, spec.spec_hash));
  XC_TRY(read_int(params, p, "generation", 0, kMaxGeneration, spec.generation));
  std::string arch;
  XC_TRY(read_string(params, p, "arch", true, arch));
  auto parsed_arch = arch_from_name(arch);
  if (!parsed_arch) return invalid(p + ".arch", "expected x86_64 or aarch64");
  spec.arch = *parsed_arch;
  XC_TRY(read_int(params, p, "cpus", 1, kMaxCpus, spec.cpus));
  XC_TRY(read_int(params, p, "memory_mib", 1, kMaxMemoryMib, spec.memory_mib));
  std::string power = "running";
  XC_TRY(read_string(params, p, "power", false, power));
  if (power != "running" && power != "stopped")
    return invalid(p + ".power", "expected running or stopped");
  spec.power = power == "running" ? Power::kRunning : Power::kStopped;

  const json* list = nullptr;
  XC_TRY(read_array(params, p, "disks", list));
  for (size_t i = 0; list && i < list->size(); ++i)
    XC_TRY(parse_disk((*list)[i], item(p + ".disks", i), spec.disks.emplace_back()));
  list = nullptr;
  XC_TRY(read_array(params, p, "nics", list));
  for (size_t i = 0; list && i < list->size(); ++i)
    XC_TRY(parse_nic((*list)[i], item(p + ".nics", i), spec.nics.emplace_back()));
  list = nullptr;
  XC_TRY(read_array(params, p, "accelerators", list));
  for (size_t i = 0; list && i < list->size(); ++i)
    XC_TRY(parse_accelerator((*list)[i], item(p + ".accelerators", i),
                             spec.accelerators.emplace_back()));
  auto guest = params.find("guest");
  if (guest != params.end() && !guest->is_null())
    XC_TRY(parse_guest(*guest, p + ".guest", spec.guest.emplace()));
  auto adopted = params.find("adopted");
  if (adopted != params.end() && !adopted->is_boolean())
    return invalid(p + ".adopted", "expected true or false");
  spec.adopted = adopted != params.end() && adopted->get<bool>();
  return {};
}

Status validate_disks(const DomainSpec& spec) {
  std::set<std::string> names;
  for (size_t i = 0; i < spec.disks.size(); ++i) {
    const DomainDisk& d = spec.disks[i];
    std::string path = item("params.disks", i);
    if (!is_dns_label(d.name, kMaxDiskName))
      return invalid(path + ".name", "expected a lowercase DNS label of at most 20 characters");
    if (!names.insert(d.name).second) return invalid(path + ".name", "duplicate disk " + d.name);
    XC_TRY(check_int(path + ".size_gib", d.size_gib, 1, kMaxDiskGib));
    IopsRange range = tier_iops(d.tier);
    if (d.iops < range.min || d.iops > range.max)
      return invalid(path + ".iops", "expected " + std::to_string(range.min) + " to " +
                                         std::to_string(range.max) + " for tier " +
                                         tier_name(d.tier));
    if (!d.image.empty() && !is_safe_absolute_path(d.image))
      return invalid(path + ".image",
                     "expected an absolute path without control characters or empty, '.' or "
                     "'..' components");
    if (d.image_format != "qcow2" && d.image_format != "raw")
      return invalid(path + ".image_format", "expected qcow2 or raw");
    if (!d.image_sha256.empty() &&
        (d.image_sha256.size() != 64 ||
         d.image_sha256.find_first_not_of("0123456789abcdef") != std::string::npos))
      return invalid(path + ".image_sha256", "expected 64 lowercase hexadecimal digits");
    if (d.bus != "virtio" && d.bus != "scsi")
      return invalid(path + ".bus", "expected virtio or scsi");
    if (!d.path.empty() && !spec.adopted)
      return invalid(path + ".path", "only an adopted domain's disks keep their own path");
    if (spec.adopted && !is_safe_absolute_path(d.path))
      return invalid(path + ".path",
                     "expected the adopted disk's absolute path without control characters or "
                     "empty, '.' or '..' components");
    if (spec.adopted && !d.image.empty())
      return invalid(path + ".image", "an adopted domain's disk has no base image");
  }
  return {};
}

// The prefix, gateway and DNS servers the seed tells the guest.
Status validate_nic_addressing(const DomainNic& n, const std::string& path) {
  bool v4_static = !n.ipv4.empty(), v6_static = !n.ipv6.empty() && n.ipv6 != "auto";
  if (n.ipv4_prefix) {
    XC_TRY(check_int(path + ".ipv4_prefix", *n.ipv4_prefix, 1, 32));
    if (!v4_static) return invalid(path + ".ipv4_prefix", "given without an ipv4 address");
  }
  if (n.ipv6_prefix) {
    XC_TRY(check_int(path + ".ipv6_prefix", *n.ipv6_prefix, 1, 128));
    if (!v6_static) return invalid(path + ".ipv6_prefix", "given without an ipv6 address");
  }
  auto v4 = parse_ip(n.ipv4_gateway);
  if (!n.ipv4_gateway.empty() && (!v4 || v4->v6))
    return invalid(path + ".ipv4_gateway", "expected an IPv4 address");
  auto v6 = parse_ip(n.ipv6_gateway);
  if (!n.ipv6_gateway.empty() && (!v6 || !v6->v6))
    return invalid(path + ".ipv6_gateway", "expected an IPv6 address");
  if (n.dns.size() > kMaxDnsServers)
    return invalid(path + ".dns", "at most " + std::to_string(kMaxDnsServers) + " entries");
  for (size_t i = 0; i < n.dns.size(); ++i)
    if (!parse_ip(n.dns[i])) return invalid(item(path + ".dns", i), "expected an IP address");
  return {};
}

Status validate_guest(const DomainGuest& g) {
  const std::string path = "params.guest";
  if (!is_host_name(g.hostname))
    return invalid(path + ".hostname",
                   "expected a host name (lowercase DNS labels joined by '.', at most 253 bytes)");
  if (g.ssh_authorized_keys.size() > kMaxSshKeys)
    return invalid(path + ".ssh_authorized_keys",
                   "at most " + std::to_string(kMaxSshKeys) + " entries");
  for (size_t i = 0; i < g.ssh_authorized_keys.size(); ++i)
    if (!is_ssh_public_key(g.ssh_authorized_keys[i]))
      return invalid(item(path + ".ssh_authorized_keys", i),
                     "expected one OpenSSH public key on one line (\"ssh-ed25519 AAAA... "
                     "comment\"), at most " +
                         std::to_string(kMaxSshKeyLength) + " bytes");
  // Never echoes the value: it may be a password typed in the wrong place.
  if (!g.password_hash.empty() && !is_crypt_hash(g.password_hash) &&
      !is_redacted_secret(g.password_hash))
    return invalid(path + ".password_hash",
                   "expected a crypt(3) hash such as $6$... or $y$...; a plaintext password is "
                   "refused");
  return {};
}

Status validate_nics(const DomainSpec& spec) {
  std::set<std::string> macs;
  for (size_t i = 0; i < spec.nics.size(); ++i) {
    const DomainNic& n = spec.nics[i];
    std::string path = item("params.nics", i);
    if (!is_network_name(n.network))
      return invalid(path + ".network",
                     "expected a network or bridge name ('/'-joined parts of letters, digits, "
                     "'.', '_' and '-')");
    if (!is_unicast_mac(n.mac))
      return invalid(path + ".mac",
                     "expected a lowercase unicast MAC address such as 52:54:00:12:34:56");
    if (!macs.insert(n.mac).second) return invalid(path + ".mac", "duplicate MAC " + n.mac);
    if (n.vlan) XC_TRY(check_int(path + ".vlan", *n.vlan, 1, 4094));
    auto v4 = parse_ip(n.ipv4);
    if (!n.ipv4.empty() && (!v4 || v4->v6))
      return invalid(path + ".ipv4", "expected an IPv4 address");
    auto v6 = parse_ip(n.ipv6);
    if (!n.ipv6.empty() && n.ipv6 != "auto" && (!v6 || !v6->v6))
      return invalid(path + ".ipv6", "expected an IPv6 address or auto");
    if (n.security_groups.size() > kMaxDevices)
      return invalid(path + ".security_groups",
                     "at most " + std::to_string(kMaxDevices) + " entries");
    XC_TRY(validate_nic_addressing(n, path));
    std::set<std::string> groups;
    for (size_t g = 0; g < n.security_groups.size(); ++g) {
      std::string field = item(path + ".security_groups", g);
      if (!is_dns_label(n.security_groups[g]))
        return invalid(field, "expected a security group name (a lowercase DNS label)");
      if (!groups.insert(n.security_groups[g]).second)
        return invalid(field, "duplicate security group " + n.security_groups[g]);
    }
  }
  return {};
}

Status validate_accelerators(const DomainSpec& spec) {
  std::set<std::string> addresses;
  for (size_t i = 0; i < spec.accelerators.size(); ++i) {
    const DomainAccelerator& a = spec.accelerators[i];
    std::string path = item("params.accelerators", i);
    if (!is_dns_label(a.type)) return invalid(path + ".type", "expected a type such as gpu-16g");
    if (!parse_pci_address(a.pci_address))
      return invalid(path + ".pci_address", "expected a PCI address such as 0000:3b:00.0");
    if (!addresses.insert(a.pci_address).second)
      return invalid(path + ".pci_address", "duplicate device " + a.pci_address);
  }
  return {};
}

}  // namespace

Status validate_domain_spec(const DomainSpec& spec) {
  if (!is_tenant_path(spec.tenant))
    return invalid("params.tenant",
                   "expected lowercase DNS labels joined by '/', such as education/schools");
  if (!is_dns_label(spec.name))
    return invalid("params.name",
                   "expected a lowercase DNS label (a-z, 0-9 and '-', at most 63 characters)");
  if (domain_name(spec).size() > kMaxDomainName)
    return invalid("params.tenant", "tenant and name make a domain name longer than " +
                                        std::to_string(kMaxDomainName) + " characters");
  if (spec.kind != "VirtualMachine") return invalid("params.kind", "expected VirtualMachine");
  if (spec.spec_hash.size() > kMaxSpecHash || !is_lower_hex(spec.spec_hash))
    return invalid("params.spec_hash", "expected 1 to 128 lowercase hex digits");
  XC_TRY(check_int("params.generation", spec.generation, 0, kMaxGeneration));
  XC_TRY(check_int("params.cpus", spec.cpus, 1, kMaxCpus));
  XC_TRY(check_int("params.memory_mib", spec.memory_mib, 1, kMaxMemoryMib));
  for (auto [count, list] :
       {std::pair{spec.disks.size(), "disks"}, std::pair{spec.nics.size(), "nics"},
        std::pair{spec.accelerators.size(), "accelerators"}})
    if (count > kMaxDevices)
      return invalid(std::string("params.") + list,
                     "at most " + std::to_string(kMaxDevices) + " entries");
  XC_TRY(validate_disks(spec));
  XC_TRY(validate_nics(spec));
  if (spec.guest) XC_TRY(validate_guest(*spec.guest));
  if (spec.adopted && spec.guest)
    return invalid("params.guest", "an adopted domain has no NoCloud seed");
  return validate_accelerators(spec);
}

Result<DomainSpec> domain_spec_from_json(const json& params) {
  DomainSpec spec;
  XC_TRY(parse_spec(params, spec));
  XC_TRY(validate_domain_spec(spec));
  return spec;
}

}  // namespace xc
