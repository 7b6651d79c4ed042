#include "common/model_builder.h"

#include <nlohmann/json.hpp>

#include "common/json_fields.h"

namespace xc {
namespace {

using nlohmann::json;

std::optional<int64_t> opt_int(const json& j, const char* key) {
  if (j.contains(key) && j[key].is_number_integer()) return j[key].get<int64_t>();
  return std::nullopt;
}

int64_t int_or(const json& j, const char* key, int64_t fallback) {
  return opt_int(j, key).value_or(fallback);
}

bool bool_or(const json& j, const char* key, bool fallback) {
  return j.contains(key) && j[key].is_boolean() ? j[key].get<bool>() : fallback;
}

std::vector<std::string> strings(const json& j, const char* key) {
  std::vector<std::string> out;
  if (j.contains(key) && j[key].is_array())
    for (const auto& v : j[key])
      if (v.is_string()) out.push_back(v);
  return out;
}

const json& child(const json& j, const char* key) {
  static const json kEmpty = json::object();
  return j.contains(key) && j[key].is_object() ? j[key] : kEmpty;
}

DiskTier tier_of(const json& j) {
  return string_field(j, "tier") == "high" ? DiskTier::kHigh : DiskTier::kNormal;
}

PlacementSpec placement_of(const json& j) {
  const json& p = child(j, "placement");
  return {string_field(p, "zone"), string_field(p, "pool"), string_field(p, "group")};
}

// Parses "80" or "8000-8080"; 0-0 for absent (all ports).
void parse_ports(const json& rule, SecurityRule& out) {
  if (!rule.contains("ports")) return;
  const json& p = rule["ports"];
  if (p.is_number_integer()) {
    out.port_from = out.port_to = p.get<int>();
    return;
  }
  if (!p.is_string()) return;
  std::string s = p;
  size_t dash = s.find('-');
  try {
    out.port_from = std::stoi(s.substr(0, dash));
    out.port_to = dash == std::string::npos ? out.port_from : std::stoi(s.substr(dash + 1));
  } catch (const std::exception&) {
    out.port_from = out.port_to = -1;  // the semantic checks report it
  }
}

std::vector<SecurityRule> rules(const json& spec, const char* key) {
  std::vector<SecurityRule> out;
  if (!spec.contains(key)) return out;
  for (const auto& r : spec[key]) {
    SecurityRule rule;
    rule.protocol = string_field(r, "protocol", "tcp");
    parse_ports(r, rule);
    rule.cidr = string_field(r, std::string(key) == "egress" ? "to" : "from");
    rule.group = string_field(r, "group");
    out.push_back(rule);
  }
  return out;
}

std::optional<SubnetSpec> subnet_of(const json& spec, const char* key) {
  if (!spec.contains(key) || !spec[key].is_object()) return std::nullopt;
  return SubnetSpec{string_field(spec[key], "subnet"), string_field(spec[key], "gateway")};
}

Spec build_spec(Kind kind, const json& s, const YamlDocument& doc) {
  switch (kind) {
    case Kind::kZone:
      return ZoneSpec{string_field(s, "displayName"), string_field(s, "description")};
    case Kind::kPool: {
      PoolSpec p;
      p.zone = string_field(s, "zone");
      p.display_name = string_field(s, "displayName");
      auto text = doc.scalar_text.find("/spec/cpuOvercommit");
      if (text != doc.scalar_text.end()) {
        // Exact: parse the decimal text, never a double.
        if (auto m = Money::parse(text->second)) p.cpu_overcommit_milli = m->micros() / 1000;
      }
      p.policy =
          string_field(s, "policy") == "pack" ? PlacementPolicy::kPack : PlacementPolicy::kSpread;
      return p;
    }
    case Kind::kHost: {
      HostSpec h;
      h.pool = string_field(s, "pool");
      h.address = string_field(s, "address");
      h.transport = string_field(s, "transport") == "ssh" ? Transport::kSsh : Transport::kTls;
      const json& ssh = child(s, "ssh");
      h.ssh_user = string_field(ssh, "user", "root");
      h.ssh_port = static_cast<int>(int_or(ssh, "port", 22));
      h.known_hosts = string_field(ssh, "knownHosts");
      h.identity_file = string_field(ssh, "identityFile");
      h.ssh_command = string_field(ssh, "command", h.ssh_command);
      h.maintenance = bool_or(s, "maintenance", false);
      h.image_dir = string_field(s, "imageDir", kDefaultImageDir);
      return h;
    }
    case Kind::kTenant: {
      TenantSpec t;
      t.display_name = string_field(s, "displayName");
      t.zones = strings(s, "zones");
      t.pools = strings(s, "pools");
      const json& q = child(s, "quota");
      t.quota.vcpu = opt_int(q, "vcpu");
      t.quota.memory_gib = opt_int(q, "memoryGiB");
      t.quota.vms = opt_int(q, "vms");
      t.quota.networks = opt_int(q, "networks");
      const json& st = child(q, "storageGiB");
      t.quota.storage_normal_gib = opt_int(st, "normal");
      t.quota.storage_high_gib = opt_int(st, "high");
      for (const auto& [type, n] : child(q, "accelerators").items())
        if (n.is_number_integer()) t.quota.accelerators[type] = n.get<int64_t>();
      return t;
    }
    case Kind::kPriceList: {
      PriceListSpec p;
      p.currency = string_field(s, "currency", "CNY");
      p.effective_from = string_field(s, "effectiveFrom");
      p.time_zone = string_field(s, "timeZone", "Asia/Shanghai");
      p.charge_when_stopped = bool_or(s, "chargeWhenStopped", true);
      for (const auto& [item, _] : child(s, "prices").items()) {
        auto text = doc.scalar_text.find(pointer_child("/spec/prices", item));
        if (text == doc.scalar_text.end()) continue;
        if (auto m = Money::parse(text->second)) p.prices[item] = *m;
      }
      return p;
    }
    case Kind::kImage: {
      ImageSpec i;
      i.arch = arch_from_name(string_field(s, "arch")).value_or(Arch::kX86_64);
      i.os = string_field(s, "os");
      i.format = string_field(s, "format", "qcow2");
      i.source = string_field(s, "source");
      i.size_gib = opt_int(s, "sizeGiB");
      i.sha256 = string_field(s, "sha256");
      i.visibility = string_field(s, "visibility");
      i.shared_with = strings(s, "sharedWith");
      return i;
    }
    case Kind::kNetwork: {
      NetworkSpec n;
      n.zone = string_field(s, "zone");
      n.vlan = opt_int(s, "vlan");
      n.vxlan = opt_int(s, "vxlan");
      n.ipv4 = subnet_of(s, "ipv4");
      n.ipv6 = subnet_of(s, "ipv6");
      n.dns = strings(s, "dns");
      n.reserved = strings(s, "reserved");
      return n;
    }
    case Kind::kSecurityGroup:
      return SecurityGroupSpec{rules(s, "ingress"), rules(s, "egress")};
    case Kind::kPlacementGroup:
      return PlacementGroupSpec{string_field(s, "policy") == "affinity"
                                    ? GroupPolicy::kAffinity
                                    : GroupPolicy::kAntiAffinity,
                                bool_or(s, "strict", true)};
    case Kind::kVirtualMachine: {
      VirtualMachineSpec v;
      if (s.contains("arch")) v.arch = arch_from_name(string_field(s, "arch"));
      v.cpus = int_or(s, "cpus", 0);
      v.memory_gib = int_or(s, "memoryGiB", 0);
      v.image = string_field(s, "image");
      if (s.contains("disks")) {
        for (const auto& d : s["disks"]) {
          DiskTier tier = tier_of(d);
          v.disks.push_back({string_field(d, "name"), int_or(d, "sizeGiB", 0), tier,
                             int_or(d, "iops", tier_iops(tier).max), string_field(d, "path")});
        }
      }
      if (s.contains("nics")) {
        for (const auto& n : s["nics"])
          v.nics.push_back({string_field(n, "network"), string_field(n, "ipv4"),
                            string_field(n, "ipv6"), string_field(n, "mac"),
                            strings(n, "securityGroups")});
      }
      if (s.contains("accelerators")) {
        for (const auto& a : s["accelerators"])
          v.accelerators.push_back({string_field(a, "type"), int_or(a, "count", 1)});
      }
      v.placement = placement_of(s);
      v.power = string_field(s, "power") == "stopped" ? Power::kStopped : Power::kRunning;
      const json& guest = child(s, "guest");
      v.guest = {string_field(guest, "hostname"), strings(guest, "sshAuthorizedKeys"),
                 string_field(guest, "passwordHash")};
      if (s.contains("adoptedFrom")) {
        const json& a = child(s, "adoptedFrom");
        v.adopted_from = AdoptedFrom{string_field(a, "host"), string_field(a, "uuid")};
      }
      return v;
    }
    case Kind::kVolume: {
      VolumeSpec v;
      v.size_gib = int_or(s, "sizeGiB", 0);
      v.tier = tier_of(s);
      v.iops = int_or(s, "iops", tier_iops(v.tier).max);
      v.attach_to = string_field(s, "attachTo");
      v.placement = placement_of(s);
      return v;
    }
    case Kind::kAlarmRule:
      return alarm_rule_from_json(s);
    case Kind::kAlarmRoute:
      return alarm_route_from_json(s);
    case Kind::kBackupTarget:
      return backup_target_from_json(s);
    case Kind::kBackupPolicy:
      return backup_policy_from_json(s);
    case Kind::kWebhook:
      return webhook_from_json(s);
    case Kind::kServiceOffering: {
      ServiceOfferingSpec o;
      o.tenants = strings(s, "tenants");
      if (s.contains("sizes"))
        for (const auto& z : s["sizes"])
          o.sizes.push_back({string_field(z, "name"), int_or(z, "cpus", 0),
                             int_or(z, "memoryGiB", 0), int_or(z, "diskGiB", 0)});
      o.images = strings(s, "images");
      o.disk_tier = string_field(s, "diskTier") == "high" ? DiskTier::kHigh : DiskTier::kNormal;
      o.network = string_field(s, "network");
      o.placement = placement_of(s);
      o.approval_required = string_field(s, "approval") == "required";
      o.approver = string_field(s, "approver");
      return o;
    }
  }
  return ZoneSpec{};
}

}  // namespace

Object build_object(const YamlDocument& doc) {
  const json& tree = doc.tree;
  Object obj;
  obj.kind = kind_from_name(string_field(tree, "kind")).value_or(Kind::kZone);
  const json& meta = child(tree, "metadata");
  obj.meta.name = string_field(meta, "name");
  obj.meta.tenant = string_field(meta, "tenant");
  for (const auto& [k, v] : child(meta, "labels").items())
    if (v.is_string()) obj.meta.labels[k] = v;
  obj.spec = build_spec(obj.kind, child(tree, "spec"), doc);
  obj.origin = {doc.file, doc.index};
  return obj;
}

}  // namespace xc
