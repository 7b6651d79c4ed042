// The manifest model: one plain value type per kind. No I/O here; the
// builder (model_builder.h) fills these from validated YAML documents.
// Value types; safe to copy between threads.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/alarm_spec.h"
#include "common/backup_spec.h"
#include "common/image_source.h"
#include "common/money.h"
#include "common/webhook_spec.h"

namespace xc {

inline constexpr const char* kApiVersion = "xcloud/v1";

enum class Kind {
  kZone,
  kPool,
  kHost,
  kTenant,
  kPriceList,
  kImage,
  kNetwork,
  kSecurityGroup,
  kPlacementGroup,
  kVirtualMachine,
  kVolume,
  kAlarmRule,
  kAlarmRoute,
  kBackupTarget,
  kBackupPolicy,
  kServiceOffering,
  kWebhook,
};

const std::vector<Kind>& all_kinds();
const char* kind_name(Kind kind);
std::optional<Kind> kind_from_name(const std::string& name);
// Kinds whose objects belong to a tenant (metadata.tenant required).
bool kind_is_tenant_scoped(Kind kind);

struct ObjectMeta {
  std::string name;
  std::string tenant;  // VDC path such as "education/schools"; empty for global kinds
  std::map<std::string, std::string> labels;
};

// Names one object of a kind: its tenant (VDC path; empty for global kinds)
// and name. Ordered, so it keys maps.
struct ObjectKey {
  std::string tenant;
  std::string name;

  std::string str() const { return tenant.empty() ? name : tenant + "/" + name; }
  auto operator<=>(const ObjectKey&) const = default;
};

// "education/web-1" style key.
inline std::string object_key(const std::string& tenant, const std::string& name) {
  return ObjectKey{tenant, name}.str();
}

struct ZoneSpec {
  std::string display_name;
  std::string description;
};

enum class PlacementPolicy { kSpread, kPack };

struct PoolSpec {
  std::string zone;
  std::string display_name;
  // vCPU overcommit as an exact ratio in thousandths (1.5 -> 1500); memory is
  // never overcommitted.
  int64_t cpu_overcommit_milli = 1000;
  PlacementPolicy policy = PlacementPolicy::kSpread;
};

enum class Transport { kTls, kSsh };

struct HostSpec {
  std::string pool;
  std::string address;  // "host" or "host:port"
  Transport transport = Transport::kTls;
  std::string ssh_user = "root";
  int ssh_port = 22;
  std::string known_hosts;    // path; empty means <state dir>/pki/known_hosts
  std::string identity_file;  // path; empty means <state dir>/pki/ssh_key, else the defaults
  std::string ssh_command = "xcloud-agent rpc --config /etc/xcloud/agent.yaml";
  bool maintenance = false;
  std::string image_dir = kDefaultImageDir;  // the agent's imageDir
};

inline const std::vector<std::string> kAcceleratorTypes = {"gpu-8g", "gpu-12g", "gpu-16g",
                                                           "npu-24g"};

struct Quota {
  std::optional<int64_t> vcpu;
  std::optional<int64_t> memory_gib;
  std::optional<int64_t> storage_normal_gib;
  std::optional<int64_t> storage_high_gib;
  std::map<std::string, int64_t> accelerators;  // by type
  std::optional<int64_t> vms;
  std::optional<int64_t> networks;
};

struct TenantSpec {
  std::string display_name;        // any language
  std::vector<std::string> zones;  // allowed; empty means all
  std::vector<std::string> pools;  // allowed; empty means all
  Quota quota;
};

struct PriceListSpec {
  std::string currency = "CNY";
  std::string effective_from;  // as written: "2026-01-01" or an RFC 3339 time
  std::string time_zone = "Asia/Shanghai";
  bool charge_when_stopped = true;
  std::map<std::string, Money> prices;  // per item per month
};

enum class Arch { kX86_64, kAarch64 };
const char* arch_name(Arch arch);
std::optional<Arch> arch_from_name(const std::string& name);

struct ImageSpec {
  Arch arch = Arch::kX86_64;
  std::string os;
  std::string format = "qcow2";
  std::string source;
  std::optional<int64_t> size_gib;
  std::string sha256;
  std::string visibility;  // global, private, shared
  std::vector<std::string> shared_with;
};

struct SubnetSpec {
  std::string subnet;  // CIDR
  std::string gateway;
};

struct NetworkSpec {
  std::string zone;
  std::optional<int64_t> vlan;
  std::optional<int64_t> vxlan;
  std::optional<SubnetSpec> ipv4;
  std::optional<SubnetSpec> ipv6;
  std::vector<std::string> dns;
  // Addresses the allocator never hands out: "a", "a-b" or a CIDR, inside
  // one of the subnets. NICs may still declare them.
  std::vector<std::string> reserved;
};

struct SecurityRule {
  std::string protocol = "tcp";  // tcp, udp, icmp, any
  int port_from = 0;             // 0..0 means all ports
  int port_to = 0;
  // The peer: where ingress comes from ("from"), where egress goes ("to").
  std::string cidr;
  std::string group;  // a security group of the same tenant: its members' addresses
};

struct SecurityGroupSpec {
  std::vector<SecurityRule> ingress;
  std::vector<SecurityRule> egress;  // empty means all outbound allowed
};

enum class GroupPolicy { kAffinity, kAntiAffinity };

struct PlacementGroupSpec {
  GroupPolicy policy = GroupPolicy::kAntiAffinity;
  bool strict = true;
};

enum class DiskTier { kNormal, kHigh };
const char* tier_name(DiskTier tier);
// Inclusive IOPS range a tier promises (tender 3.1.2).
struct IopsRange {
  int64_t min;
  int64_t max;
};
IopsRange tier_iops(DiskTier tier);

struct DiskSpec {
  std::string name;
  int64_t size_gib = 0;
  DiskTier tier = DiskTier::kNormal;
  int64_t iops = 0;       // defaults to the tier's upper bound
  std::string path = "";  // an adopted VM's own disk file (adoptedFrom only)
};

struct NicSpec {
  std::string network;  // "name" in the VM's tenant, or "tenant/path/name"
  std::string ipv4;
  std::string ipv6;  // an address, "auto" or empty
  std::string mac;
  std::vector<std::string> security_groups;
};

struct AcceleratorRequest {
  std::string type;
  int64_t count = 1;
};

struct PlacementSpec {
  std::string zone;
  std::string pool;
  std::string group;
};

enum class Power { kRunning, kStopped };

// What the guest configures at boot (the NoCloud seed). The password only as
// a crypt(3) hash; a plaintext `password` is refused at validate.
struct GuestSpec {
  std::string hostname;  // empty: the VM's name
  std::vector<std::string> ssh_authorized_keys;
  std::string password_hash;
};

// The libvirt domain a VM was adopted from (xcloudctl adopt): its host and
// UUID; the domain's name is the VM's name.
struct AdoptedFrom {
  std::string host;
  std::string uuid;
};

struct VirtualMachineSpec {
  std::optional<Arch> arch;
  int64_t cpus = 0;
  int64_t memory_gib = 0;
  std::string image;
  std::vector<DiskSpec> disks;
  std::vector<NicSpec> nics;
  std::vector<AcceleratorRequest> accelerators;
  PlacementSpec placement;
  Power power = Power::kRunning;
  GuestSpec guest;
  std::optional<AdoptedFrom> adopted_from = std::nullopt;
};

struct VolumeSpec {
  int64_t size_gib = 0;
  DiskTier tier = DiskTier::kNormal;
  int64_t iops = 0;
  std::string attach_to;  // a VirtualMachine of the same tenant
  PlacementSpec placement;
};

// One named VM size of a ServiceOffering.
struct OfferedSize {
  std::string name;
  int64_t cpus = 0;
  int64_t memory_gib = 0;
  int64_t disk_gib = 0;
};

// What tenant users may request (xcloudctl request create): sizes and images
// offered to tenant subtrees, applied at once or after an approver's yes.
struct ServiceOfferingSpec {
  std::vector<std::string> tenants;  // subtrees the offering is open to
  std::vector<OfferedSize> sizes;
  std::vector<std::string> images;
  DiskTier disk_tier = DiskTier::kNormal;
  std::string network;  // the one NIC's network, or empty: no NIC
  PlacementSpec placement;
  bool approval_required = false;
  std::string approver;  // "sysadmin" or "tenant-admin"; empty without approval
};

using Spec = std::variant<ZoneSpec, PoolSpec, HostSpec, TenantSpec, PriceListSpec, ImageSpec,
                          NetworkSpec, SecurityGroupSpec, PlacementGroupSpec, VirtualMachineSpec,
                          VolumeSpec, AlarmRuleSpec, AlarmRouteSpec, BackupTargetSpec,
                          BackupPolicySpec, ServiceOfferingSpec, WebhookSpec>;

// Where an object was declared, for messages.
struct Origin {
  std::string file;
  int document = 0;
};

struct Object {
  Kind kind = Kind::kZone;
  ObjectMeta meta;
  Spec spec;
  Origin origin;

  template <typename T>
  const T& as() const {
    return std::get<T>(spec);
  }
};

}  // namespace xc
