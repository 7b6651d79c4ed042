#include "common/model.h"

namespace xc {

const std::vector<Kind>& all_kinds() {
  static const std::vector<Kind> kinds = {
      Kind::kZone,           Kind::kPool,           Kind::kHost,         Kind::kTenant,
      Kind::kPriceList,      Kind::kImage,          Kind::kNetwork,      Kind::kSecurityGroup,
      Kind::kPlacementGroup, Kind::kVirtualMachine, Kind::kVolume,       Kind::kAlarmRule,
      Kind::kAlarmRoute,     Kind::kBackupTarget,   Kind::kBackupPolicy, Kind::kServiceOffering,
      Kind::kWebhook};
  return kinds;
}

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::kZone:
      return "Zone";
    case Kind::kPool:
      return "Pool";
    case Kind::kHost:
      return "Host";
    case Kind::kTenant:
      return "Tenant";
    case Kind::kPriceList:
      return "PriceList";
    case Kind::kImage:
      return "Image";
    case Kind::kNetwork:
      return "Network";
    case Kind::kSecurityGroup:
      return "SecurityGroup";
    case Kind::kPlacementGroup:
      return "PlacementGroup";
    case Kind::kVirtualMachine:
      return "VirtualMachine";
    case Kind::kVolume:
      return "Volume";
    case Kind::kAlarmRule:
      return "AlarmRule";
    case Kind::kAlarmRoute:
      return "AlarmRoute";
    case Kind::kBackupTarget:
      return "BackupTarget";
    case Kind::kBackupPolicy:
      return "BackupPolicy";
    case Kind::kServiceOffering:
      return "ServiceOffering";
    case Kind::kWebhook:
      return "Webhook";
  }
  return "?";
}

std::optional<Kind> kind_from_name(const std::string& name) {
  for (Kind k : all_kinds())
    if (name == kind_name(k)) return k;
  return std::nullopt;
}

bool kind_is_tenant_scoped(Kind kind) {
  switch (kind) {
    case Kind::kNetwork:
    case Kind::kSecurityGroup:
    case Kind::kPlacementGroup:
    case Kind::kVirtualMachine:
    case Kind::kVolume:
    case Kind::kBackupPolicy:
      return true;
    default:
      return false;
  }
}

const char* arch_name(Arch arch) {
  return arch == Arch::kAarch64 ? "aarch64" : "x86_64";
}

std::optional<Arch> arch_from_name(const std::string& name) {
  if (name == "x86_64") return Arch::kX86_64;
  if (name == "aarch64") return Arch::kAarch64;
  return std::nullopt;
}

const char* tier_name(DiskTier tier) {
  return tier == DiskTier::kHigh ? "high" : "normal";
}

IopsRange tier_iops(DiskTier tier) {
  return tier == DiskTier::kHigh ? IopsRange{3000, 20000} : IopsRange{1000, 3000};
}

}  // namespace xc
