#include "common/semantic_checks.h"

#include <map>
#include <set>
#include <tuple>

#include "common/alarm_checks.h"
#include "common/domain_spec.h"
#include "common/image_source.h"
#include "common/ip_address.h"
#include "common/label_selector.h"
#include "common/offering_checks.h"
#include "common/printable.h"
#include "common/spelling.h"
#include "common/time.h"

namespace xc {
namespace {

std::string where(const YamlDocument& doc, const std::string& pointer) {
  SourcePos p = doc.position(pointer);
  return doc.file + ":" + std::to_string(p.line) + ":" + std::to_string(p.column);
}

std::string qualified(const Object& o) {
  return o.meta.tenant.empty() ? o.meta.name : o.meta.tenant + "/" + o.meta.name;
}

// The schema bounds label values and their count; JSON Schema cannot say
// where a key is too long, so keys are checked here.
constexpr size_t kMaxLabelKeyBytes = 63;

class Checker {
 public:
  Checker(const std::vector<Object>& objects, const std::vector<const YamlDocument*>& docs,
          const PriceCaps& caps)
      : objects_(objects), docs_(docs), caps_(caps) {}

  std::vector<Diagnostic> run() {
    index();
    // By kind, so networks' subnets are known before VMs' addresses are checked.
    for (Kind kind : all_kinds())
      for (size_t i = 0; i < objects_.size(); ++i)
        if (objects_[i].kind == kind) check(objects_[i], *docs_[i]);
    return std::move(errors_);
  }

 private:
  using Key = std::tuple<Kind, std::string, std::string>;  // kind, tenant, name

  void index() {
    for (size_t i = 0; i < objects_.size(); ++i) {
      const Object& o = objects_[i];
      Key key{o.kind, o.meta.tenant, o.meta.name};
      auto [it, inserted] = by_key_.emplace(key, i);
      if (!inserted) {
        std::string scope = o.meta.tenant.empty() ? "" : " in tenant " + o.meta.tenant;
        error(*docs_[i], "/metadata/name",
              "duplicate " + std::string(kind_name(o.kind)) + " '" + o.meta.name + "'" + scope +
                  " (first defined at " + where(*docs_[it->second], "/metadata/name") + ")");
      }
    }
  }

  const Object* find(Kind kind, const std::string& tenant, const std::string& name) const {
    auto it = by_key_.find({kind, tenant, name});
    return it == by_key_.end() ? nullptr : &objects_[it->second];
  }
  const YamlDocument* doc_of(const Object* o) const { return docs_[o - objects_.data()]; }

  std::vector<std::string> names_of(Kind kind, const std::optional<std::string>& tenant) const {
    std::vector<std::string> out;
    for (const auto& o : objects_)
      if (o.kind == kind && (!tenant || o.meta.tenant == *tenant)) out.push_back(o.meta.name);
    return out;
  }

  void error(const YamlDocument& doc, const std::string& pointer, std::string message) {
    errors_.push_back(doc.error_at(pointer, std::move(message)));
  }

  // A global reference (zone, pool, tenant).
  const Object* require(const YamlDocument& doc, const std::string& pointer, Kind kind,
                        const std::string& name, const char* what) {
    if (name.empty()) return nullptr;
    if (const Object* o = find(kind, "", name)) return o;
    error(doc, pointer,
          std::string("unknown ") + what + " '" + name + "'" +
              did_you_mean(name, names_of(kind, "")));
    return nullptr;
  }

  // A reference to an object of the same tenant.
  const Object* require_in_tenant(const YamlDocument& doc, const std::string& pointer, Kind kind,
                                  const std::string& tenant, const std::string& name,
                                  const char* what) {
    if (name.empty()) return nullptr;
    if (const Object* o = find(kind, tenant, name)) return o;
    error(doc, pointer,
          std::string("unknown ") + what + " '" + name + "' in tenant " + tenant +
              did_you_mean(name, names_of(kind, tenant)));
    return nullptr;
  }

  void check(const Object& o, const YamlDocument& doc) {
    for (const auto& [key, value] : o.meta.labels)
      if (key.size() > kMaxLabelKeyBytes)
        errors_.push_back(doc.error_at_key(pointer_child("/metadata/labels", key),
                                           "label key '" + excerpt(key) + "' is longer than " +
                                               std::to_string(kMaxLabelKeyBytes) + " characters"));
    if (!o.meta.tenant.empty())
      require(doc, "/metadata/tenant", Kind::kTenant, o.meta.tenant, "tenant");
    switch (o.kind) {
      case Kind::kPool:
        require(doc, "/spec/zone", Kind::kZone, o.as<PoolSpec>().zone, "zone");
        break;
      case Kind::kHost:
        check_host(o, doc);
        break;
      case Kind::kTenant:
        check_tenant(o, doc);
        break;
      case Kind::kPriceList:
        check_prices(o, doc);
        break;
      case Kind::kImage:
        for (size_t i = 0; i < o.as<ImageSpec>().shared_with.size(); ++i)
          require(doc, "/spec/sharedWith/" + std::to_string(i), Kind::kTenant,
                  o.as<ImageSpec>().shared_with[i], "tenant");
        check_image_source(o, doc);
        break;
      case Kind::kNetwork:
        check_network(o, doc);
        break;
      case Kind::kSecurityGroup:
        check_security_group(o, doc);
        break;
      case Kind::kVirtualMachine:
        check_vm(o, doc);
        break;
      case Kind::kVolume:
        check_volume(o, doc);
        break;
      case Kind::kAlarmRule: {
        check_alarm_rule(o, doc, errors_);
        const AlarmScope& scope = o.as<AlarmRuleSpec>().scope;
        if (!scope.tenant.empty())
          require(doc, "/spec/scope/tenant", Kind::kTenant, scope.tenant, "tenant");
        if (!scope.pool.empty()) require(doc, "/spec/scope/pool", Kind::kPool, scope.pool, "pool");
        if (!scope.host.empty()) require(doc, "/spec/scope/host", Kind::kHost, scope.host, "host");
        break;
      }
      case Kind::kAlarmRoute:
        check_alarm_route(o, doc, errors_);
        break;
      case Kind::kBackupTarget:
        require(doc, "/spec/pool", Kind::kPool, o.as<BackupTargetSpec>().pool, "pool");
        if (!is_safe_absolute_path(o.as<BackupTargetSpec>().path))
          error(doc, "/spec/path",
                "expected an absolute path without control characters or empty, '.' or '..' "
                "components");
        break;
      case Kind::kBackupPolicy:
        check_backup_policy(o, doc);
        break;
      case Kind::kWebhook: {
        const auto& spec = o.as<WebhookSpec>();
        if (!spec.tenant.empty())
          require(doc, "/spec/tenant", Kind::kTenant, spec.tenant, "tenant");
        if (!is_safe_absolute_path(spec.secret_file))
          error(doc, "/spec/secretFile",
                "expected an absolute path without control characters or empty, '.' or '..' "
                "components");
        break;
      }
      case Kind::kServiceOffering: {
        const auto& spec = o.as<ServiceOfferingSpec>();
        for (size_t i = 0; i < spec.tenants.size(); ++i)
          require(doc, "/spec/tenants/" + std::to_string(i), Kind::kTenant, spec.tenants[i],
                  "tenant");
        for (size_t i = 0; i < spec.images.size(); ++i)
          require(doc, "/spec/images/" + std::to_string(i), Kind::kImage, spec.images[i], "image");
        require(doc, "/spec/placement/zone", Kind::kZone, spec.placement.zone, "zone");
        require(doc, "/spec/placement/pool", Kind::kPool, spec.placement.pool, "pool");
        check_offering(o, doc, errors_);
        break;
      }
      default:
        break;
    }
  }

  void check_host(const Object& o, const YamlDocument& doc) {
    const auto& spec = o.as<HostSpec>();
    require(doc, "/spec/pool", Kind::kPool, spec.pool, "pool");
    size_t colon = spec.address.rfind(':');
    bool has_port = colon != std::string::npos && spec.address.find(']') < colon;
    has_port |= colon != std::string::npos && spec.address.find(':') == colon;
    if (has_port) {
      std::string port = spec.address.substr(colon + 1);
      long n = port.empty() || port.size() > 5 ? 0 : std::atol(port.c_str());
      if (n < 1 || n > 65535)
        error(doc, "/spec/address",
              "port '" + port + "' of address " + spec.address + " is not in 1-65535");
    }
    auto [it, inserted] = host_addresses_.emplace(spec.address, &o);
    if (!inserted)
      error(doc, "/spec/address",
            "address " + spec.address + " is already used by host " + it->second->meta.name);
  }

  // The source must be inside the image directory of every host declared
  // (the default directory when none is): any of them may run the image.
  void check_image_source(const Object& o, const YamlDocument& doc) {
    const std::string& source = o.as<ImageSpec>().source;
    bool any_host = false;
    std::set<std::string> reported;
    for (const auto& h : objects_) {
      if (h.kind != Kind::kHost) continue;
      any_host = true;
      const std::string& dir = h.as<HostSpec>().image_dir;
      std::string problem = image_source_problem(source, dir);
      if (!problem.empty() && reported.insert(dir).second)
        error(doc, "/spec/source",
              "source '" + source + "' " + problem + " (host " + h.meta.name + ")");
    }
    if (any_host) return;
    if (std::string problem = image_source_problem(source, kDefaultImageDir); !problem.empty())
      error(doc, "/spec/source", "source '" + source + "' " + problem);
  }

  void check_tenant(const Object& o, const YamlDocument& doc) {
    const auto& spec = o.as<TenantSpec>();
    size_t slash = o.meta.name.rfind('/');
    const Object* parent = nullptr;
    if (slash != std::string::npos) {
      std::string parent_name = o.meta.name.substr(0, slash);
      parent = find(Kind::kTenant, "", parent_name);
      if (!parent)
        error(doc, "/metadata/name",
              "parent tenant '" + parent_name + "' of '" + o.meta.name + "' is not declared");
    }
    for (size_t i = 0; i < spec.zones.size(); ++i)
      require(doc, "/spec/zones/" + std::to_string(i), Kind::kZone, spec.zones[i], "zone");
    for (size_t i = 0; i < spec.pools.size(); ++i)
      require(doc, "/spec/pools/" + std::to_string(i), Kind::kPool, spec.pools[i], "pool");
    if (!parent) return;
    std::string refused_by;
    for (size_t i = 0; i < spec.zones.size(); ++i)
      if (!tenant_allows(parent->meta.name, spec.zones[i], true, refused_by))
        error(doc, "/spec/zones/" + std::to_string(i),
              "zone '" + spec.zones[i] + "' is not allowed for parent tenant " + refused_by);
    for (size_t i = 0; i < spec.pools.size(); ++i)
      if (!tenant_allows(parent->meta.name, spec.pools[i], false, refused_by))
        error(doc, "/spec/pools/" + std::to_string(i),
              "pool '" + spec.pools[i] + "' is not allowed for parent tenant " + refused_by);
    const Quota& q = spec.quota;
    // Each limit is compared with the nearest ancestor that sets the same one.
    auto within = [&](const std::optional<int64_t>& mine, auto get, const std::string& pointer,
                      const std::string& resource) {
      if (!mine) return;
      for (const Object* a = parent; a; a = parent_of(*a)) {
        std::optional<int64_t> theirs = get(a->as<TenantSpec>().quota);
        if (!theirs) continue;
        if (*mine > *theirs)
          error(doc, pointer,
                "quota " + resource + " " + std::to_string(*mine) + " exceeds " +
                    (a == parent ? "parent" : "ancestor") + " tenant " + a->meta.name + "'s " +
                    std::to_string(*theirs));
        return;
      }
    };
    within(
        q.vcpu, [](const Quota& x) { return x.vcpu; }, "/spec/quota/vcpu", "vcpu");
    within(
        q.memory_gib, [](const Quota& x) { return x.memory_gib; }, "/spec/quota/memoryGiB",
        "memoryGiB");
    within(
        q.storage_normal_gib, [](const Quota& x) { return x.storage_normal_gib; },
        "/spec/quota/storageGiB/normal", "storageGiB.normal");
    within(
        q.storage_high_gib, [](const Quota& x) { return x.storage_high_gib; },
        "/spec/quota/storageGiB/high", "storageGiB.high");
    within(
        q.vms, [](const Quota& x) { return x.vms; }, "/spec/quota/vms", "vms");
    within(
        q.networks, [](const Quota& x) { return x.networks; }, "/spec/quota/networks", "networks");
    for (const auto& [type, n] : q.accelerators) {
      within(
          std::optional<int64_t>(n),
          [type = type](const Quota& x) {
            auto it = x.accelerators.find(type);
            return it == x.accelerators.end() ? std::optional<int64_t>()
                                              : std::optional<int64_t>(it->second);
          },
          "/spec/quota/accelerators/" + type, "accelerators." + type);
    }
  }

  const Object* parent_of(const Object& tenant) const {
    size_t slash = tenant.meta.name.rfind('/');
    return slash == std::string::npos ? nullptr
                                      : find(Kind::kTenant, "", tenant.meta.name.substr(0, slash));
  }

  void check_prices(const Object& o, const YamlDocument& doc) {
    const auto& spec = o.as<PriceListSpec>();
    if (spec.currency != caps_.currency)
      error(doc, "/spec/currency",
            "currency " + spec.currency + " differs from the caps' " + caps_.currency);
    std::vector<std::string> items;
    for (const auto& [item, _] : caps_.items) items.push_back(item);
    if (doc.tree.contains("spec") && doc.tree["spec"].contains("prices")) {
      for (const auto& [item, _] : doc.tree["spec"]["prices"].items()) {
        std::string pointer = pointer_child("/spec/prices", item);
        auto text = doc.scalar_text.find(pointer);
        if (text != doc.scalar_text.end() && !Money::parse(text->second))
          error(doc, pointer,
                "price '" + text->second + "' for " + item +
                    " is not a decimal number with at most 6 decimals");
      }
    }
    for (const auto& [item, price] : spec.prices) {
      std::string pointer = pointer_child("/spec/prices", item);
      auto cap = caps_.items.find(item);
      if (cap == caps_.items.end()) {
        errors_.push_back(doc.error_at_key(
            pointer, "unknown price item '" + item + "'" + did_you_mean(item, items)));
      } else if (price > cap->second.cap) {
        error(doc, pointer,
              "price " + price.to_exact_string() + " for " + item + " exceeds the tender cap " +
                  cap->second.cap.to_exact_string() + " CNY per " + cap->second.unit + " per " +
                  cap->second.period);
      }
    }
    const std::string& d = spec.effective_from;
    if (d.size() >= 10) {
      int year = std::atoi(d.substr(0, 4).c_str());
      int month = std::atoi(d.substr(5, 2).c_str());
      int day = std::atoi(d.substr(8, 2).c_str());
      static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
      bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
      int days = month >= 1 && month <= 12 ? kDays[month - 1] + (month == 2 && leap ? 1 : 0) : 0;
      if (month < 1 || month > 12 || day < 1 || day > days)
        error(doc, "/spec/effectiveFrom", "effectiveFrom '" + d + "' is not a valid date");
    }
    auto [it, inserted] = price_dates_.emplace(d, &o);
    if (!inserted)
      error(doc, "/spec/effectiveFrom",
            "PriceList '" + it->second->meta.name + "' already takes effect at " + d);
  }

  void check_subnet(const YamlDocument& doc, const std::optional<SubnetSpec>& s, const char* key,
                    bool v6) {
    if (!s) return;
    std::string base = std::string("/spec/") + key;
    auto subnet = parse_subnet(s->subnet);
    if (!subnet || subnet->base.v6 != v6) {
      error(doc, base + "/subnet",
            std::string("invalid ") + (v6 ? "IPv6" : "IPv4") + " subnet '" + s->subnet +
                "' (expected CIDR such as " + (v6 ? "fd00:1::/64" : "10.0.1.0/24") + ")");
      return;
    }
    subnets_[{&doc, v6}] = *subnet;
    if (s->gateway.empty()) return;
    auto gw = parse_ip(s->gateway);
    if (!gw || gw->v6 != v6)
      error(doc, base + "/gateway", "invalid gateway address '" + s->gateway + "'");
    else if (!subnet_contains(*subnet, *gw))
      error(doc, base + "/gateway", "gateway " + s->gateway + " is outside subnet " + s->subnet);
  }

  void check_network(const Object& o, const YamlDocument& doc) {
    const auto& spec = o.as<NetworkSpec>();
    const Object* zone = require(doc, "/spec/zone", Kind::kZone, spec.zone, "zone");
    std::string refused_by;
    if (zone && !tenant_allows(o.meta.tenant, spec.zone, true, refused_by))
      error(doc, "/spec/zone", "zone '" + spec.zone + "' is not allowed for tenant " + refused_by);
    if (spec.vlan.has_value() == spec.vxlan.has_value()) {
      error(doc, spec.vlan ? "/spec/vlan" : "/spec",
            "network '" + o.meta.name + "' needs exactly one of 'vlan' or 'vxlan'");
    } else if (zone || spec.vxlan) {
      // Two networks on one segment would join their tenants at layer 2.
      std::string segment = spec.vlan
                                ? "vlan " + std::to_string(*spec.vlan) + " in zone " + spec.zone
                                : "vxlan " + std::to_string(*spec.vxlan);
      auto [it, inserted] = segments_.emplace(segment, &o);
      if (!inserted)
        error(doc, spec.vlan ? "/spec/vlan" : "/spec/vxlan",
              segment + " is already used by network " + qualified(*it->second));
    }
    check_subnet(doc, spec.ipv4, "ipv4", false);
    check_subnet(doc, spec.ipv6, "ipv6", true);
    for (size_t i = 0; i < spec.reserved.size(); ++i)
      check_reserved(o, doc, "/spec/reserved/" + std::to_string(i), spec.reserved[i]);
    for (size_t i = 0; i < spec.dns.size(); ++i)
      if (!parse_ip(spec.dns[i]))
        error(doc, "/spec/dns/" + std::to_string(i),
              "invalid DNS server address '" + spec.dns[i] + "'");
  }

  // A reserved entry: an address, a range or a CIDR inside the subnet of its family.
  void check_reserved(const Object& o, const YamlDocument& doc, const std::string& pointer,
                      const std::string& text) {
    auto range = parse_ip_range(text);
    if (!range) {
      error(doc, pointer,
            "invalid reserved address range '" + text +
                "' (expected an address, a range such as 10.20.1.2-10.20.1.9, or a CIDR)");
      return;
    }
    bool v6 = range->first.v6;
    const char* family = v6 ? "IPv6" : "IPv4";
    auto subnet = subnets_.find({&doc, v6});
    if (subnet == subnets_.end()) {
      error(doc, pointer,
            "reserved " + text + ": network '" + qualified(o) + "' has no " + family + " subnet");
      return;
    }
    const auto& spec = o.as<NetworkSpec>();
    if (!subnet_contains(subnet->second, range->first) ||
        !subnet_contains(subnet->second, range->last))
      error(doc, pointer,
            "reserved " + text + " is outside subnet " + (v6 ? spec.ipv6 : spec.ipv4)->subnet);
  }

  void check_security_group(const Object& o, const YamlDocument& doc) {
    const auto& spec = o.as<SecurityGroupSpec>();
    auto rules = [&](const std::vector<SecurityRule>& list, const std::string& key,
                     const std::string& peer) {
      for (size_t i = 0; i < list.size(); ++i) {
        const SecurityRule& r = list[i];
        std::string p = "/spec/" + key + "/" + std::to_string(i);
        if (r.cidr.empty() == r.group.empty())
          error(doc, p,
                "rule needs exactly one of '" + peer + "' (a CIDR) or 'group' (a security group)");
        if (!r.cidr.empty() && !parse_subnet(r.cidr))
          error(doc, p + "/" + peer, "invalid CIDR '" + r.cidr + "' (expected e.g. 10.0.0.0/8)");
        if (!r.group.empty())
          require_in_tenant(doc, p + "/group", Kind::kSecurityGroup, o.meta.tenant, r.group,
                            "security group");
        if (r.port_from < 0 || r.port_to > 65535 || r.port_from > r.port_to ||
            (r.port_from == 0 && r.port_to != 0))
          error(doc, p + "/ports", "invalid port range (expected 1-65535, FROM <= TO)");
      }
    };
    rules(spec.ingress, "ingress", "from");
    rules(spec.egress, "egress", "to");
  }

  void check_iops(const YamlDocument& doc, const std::string& pointer, DiskTier tier, int64_t iops,
                  bool explicit_iops) {
    IopsRange r = tier_iops(tier);
    if (explicit_iops && (iops < r.min || iops > r.max))
      error(doc, pointer + "/iops",
            "iops " + std::to_string(iops) + " is outside tier " + tier_name(tier) + "'s range " +
                std::to_string(r.min) + "-" + std::to_string(r.max));
  }

  // Zones and pools a tenant may use: every ancestor with a list must allow it.
  bool tenant_allows(const std::string& tenant, const std::string& value, bool zone,
                     std::string& refused_by) const {
    std::string path = tenant;
    while (!path.empty()) {
      if (const Object* t = find(Kind::kTenant, "", path)) {
        const auto& list = zone ? t->as<TenantSpec>().zones : t->as<TenantSpec>().pools;
        if (!list.empty() && std::find(list.begin(), list.end(), value) == list.end()) {
          refused_by = path;
          return false;
        }
      }
      size_t slash = path.rfind('/');
      path = slash == std::string::npos ? "" : path.substr(0, slash);
    }
    return true;
  }

  // R7.4: a tenant's backups stay in the rooms (pools) it may use.
  void check_backup_policy(const Object& o, const YamlDocument& doc) {
    const auto& spec = o.as<BackupPolicySpec>();
    auto offset = civil::parse_time_zone(spec.time_zone);
    if (!offset.ok()) error(doc, "/spec/timeZone", offset.status().message());
    std::string why;
    if (!parse_backup_schedule(spec.schedule, offset.ok() ? *offset : 0, why))
      error(doc, "/spec/schedule", "schedule '" + spec.schedule + "': " + why);
    if (auto sel = LabelSelector::parse(spec.selector); !sel.ok())
      error(doc, "/spec/selector", "selector: " + sel.status().message());
    if (spec.vms.empty() && spec.selector.empty())
      error(doc, "/spec", "a BackupPolicy selects VMs: give vms, selector or both");
    const Object* target =
        require(doc, "/spec/target", Kind::kBackupTarget, spec.target, "backup target");
    if (!target) return;
    const std::string& pool = target->as<BackupTargetSpec>().pool;
    const Object* p = find(Kind::kPool, "", pool);
    const std::string zone = p ? p->as<PoolSpec>().zone : "";
    // A selector reaches the sub-tenants' VMs: their rooms bind the target too.
    std::vector<std::string> tenants = {o.meta.tenant};
    if (!spec.selector.empty())
      for (const Object& t : objects_)
        if (t.kind == Kind::kTenant && t.meta.name.rfind(o.meta.tenant + "/", 0) == 0)
          tenants.push_back(t.meta.name);
    for (const std::string& tenant : tenants)
      if (!check_backup_rooms(doc, spec.target, tenant, pool, zone)) return;
  }

  // False (with the error) when `tenant` or a parent may not use the pool or zone.
  bool check_backup_rooms(const YamlDocument& doc, const std::string& target,
                          const std::string& tenant, const std::string& pool,
                          const std::string& zone) {
    std::string refused_by;
    if (!tenant_allows(tenant, pool, false, refused_by))
      error(doc, "/spec/target",
            "backup target '" + target + "' is in pool '" + pool +
                "', which is not allowed for tenant " + refused_by +
                " (R7.4: backups stay in the tenant's own rooms)");
    else if (!zone.empty() && !tenant_allows(tenant, zone, true, refused_by))
      error(doc, "/spec/target",
            "backup target '" + target + "' is in zone '" + zone +
                "', which is not allowed for tenant " + refused_by +
                " (R7.4: backups stay in the tenant's own rooms)");
    else
      return true;
    return false;
  }

  void check_placement(const Object& o, const YamlDocument& doc, const PlacementSpec& p,
                       std::string& zone_out) {
    const Object* zone = require(doc, "/spec/placement/zone", Kind::kZone, p.zone, "zone");
    const Object* pool = require(doc, "/spec/placement/pool", Kind::kPool, p.pool, "pool");
    if (zone && pool && pool->as<PoolSpec>().zone != p.zone)
      error(doc, "/spec/placement/pool",
            "pool '" + p.pool + "' is in zone " + pool->as<PoolSpec>().zone + ", not " + p.zone);
    std::string refused_by;
    if (zone && !tenant_allows(o.meta.tenant, p.zone, true, refused_by))
      error(doc, "/spec/placement/zone",
            "zone '" + p.zone + "' is not allowed for tenant " + refused_by);
    if (pool && !tenant_allows(o.meta.tenant, p.pool, false, refused_by))
      error(doc, "/spec/placement/pool",
            "pool '" + p.pool + "' is not allowed for tenant " + refused_by);
    zone_out = zone ? p.zone : pool ? pool->as<PoolSpec>().zone : "";
    if (!zone && pool && !tenant_allows(o.meta.tenant, zone_out, true, refused_by))
      error(doc, "/spec/placement/pool",
            "pool '" + p.pool + "' is in zone " + zone_out + ", which is not allowed for tenant " +
                refused_by);
  }

  void check_vm(const Object& o, const YamlDocument& doc) {
    const auto& spec = o.as<VirtualMachineSpec>();
    const std::string& tenant = o.meta.tenant;
    if (spec.adopted_from)
      check_adopted(o, doc, spec);
    else if (spec.image.empty())
      error(doc, "/spec", "missing required field 'spec.image' in VirtualMachine");
    else
      check_image(o, doc, spec);
    std::set<std::string> disk_names;
    for (size_t i = 0; i < spec.disks.size(); ++i) {
      std::string p = "/spec/disks/" + std::to_string(i);
      if (!disk_names.insert(spec.disks[i].name).second)
        error(doc, p + "/name", "disk name '" + spec.disks[i].name + "' is used twice in this VM");
      check_iops(doc, p, spec.disks[i].tier, spec.disks[i].iops,
                 doc.value_pos.count(p + "/iops") > 0);
      if (!spec.adopted_from && !spec.disks[i].path.empty())
        error(doc, p + "/path", "only an adopted VM (adoptedFrom) keeps a disk's own path");
    }
    std::string zone;
    check_placement(o, doc, spec.placement, zone);
    require_in_tenant(doc, "/spec/placement/group", Kind::kPlacementGroup, tenant,
                      spec.placement.group, "placement group");
    for (size_t i = 0; i < spec.nics.size(); ++i) check_nic(o, doc, spec.nics[i], i, zone);
  }

  // A VM taken over from an existing domain (xcloudctl adopt): it keeps its
  // disks' files and boots no image; a seed or accelerators it never had
  // would change the domain.
  void check_adopted(const Object& o, const YamlDocument& doc, const VirtualMachineSpec& spec) {
    require(doc, "/spec/adoptedFrom/host", Kind::kHost, spec.adopted_from->host, "host");
    // One domain becomes one VM: a second manifest for it would make two
    // owners of the same disks.
    auto [it, inserted] =
        adopted_domains_.emplace(spec.adopted_from->host + "/" + spec.adopted_from->uuid, &o);
    if (!inserted)
      error(doc, "/spec/adoptedFrom/uuid",
            "domain " + spec.adopted_from->uuid + " on host " + spec.adopted_from->host +
                " is already adopted by VirtualMachine " + qualified(*it->second));
    if (!spec.image.empty())
      error(doc, "/spec/image", "an adopted VM (adoptedFrom) keeps its own disks; it has no image");
    if (!spec.guest.hostname.empty() || !spec.guest.ssh_authorized_keys.empty() ||
        !spec.guest.password_hash.empty())
      error(doc, "/spec/guest", "an adopted VM (adoptedFrom) has no NoCloud seed (guest)");
    if (!spec.accelerators.empty())
      error(doc, "/spec/accelerators", "an adopted VM (adoptedFrom) cannot be given accelerators");
    for (size_t i = 0; i < spec.disks.size(); ++i) {
      std::string p = "/spec/disks/" + std::to_string(i);
      if (spec.disks[i].path.empty())
        error(doc, p,
              "missing required field 'spec.disks[" + std::to_string(i) +
                  "].path' (an adopted VM's disks keep their files)");
      else if (!is_safe_absolute_path(spec.disks[i].path))
        error(doc, p + "/path",
              "expected an absolute path without control characters or empty, '.' or '..' "
              "components");
    }
  }

  void check_image(const Object& o, const YamlDocument& doc, const VirtualMachineSpec& spec) {
    // Visible: global images, the tenant's own, ones marked global, and ones shared with it.
    const Object* image = find(Kind::kImage, "", spec.image);
    if (!image) image = find(Kind::kImage, o.meta.tenant, spec.image);
    const Object* hidden = nullptr;
    for (const auto& other : objects_) {
      if (image || other.kind != Kind::kImage || other.meta.name != spec.image) continue;
      const auto& is = other.as<ImageSpec>();
      bool shared = std::find(is.shared_with.begin(), is.shared_with.end(), o.meta.tenant) !=
                    is.shared_with.end();
      if (is.visibility == "global" || shared)
        image = &other;
      else
        hidden = &other;
    }
    if (!image) {
      error(doc, "/spec/image",
            hidden ? "image '" + spec.image + "' of tenant " + hidden->meta.tenant +
                         " is not shared with tenant " + o.meta.tenant
                   : "unknown image '" + spec.image + "'" +
                         did_you_mean(spec.image, names_of(Kind::kImage, std::nullopt)));
      return;
    }
    Arch image_arch = image->as<ImageSpec>().arch;
    if (spec.arch && *spec.arch != image_arch)
      error(doc, "/spec/arch",
            std::string("arch ") + arch_name(*spec.arch) + " does not match image '" + spec.image +
                "' (" + arch_name(image_arch) + ")");
    // The root disk (the first) holds the image: it may not be smaller.
    const std::optional<int64_t>& image_gib = image->as<ImageSpec>().size_gib;
    if (image_gib && !spec.disks.empty() && spec.disks.front().size_gib < *image_gib)
      error(doc, "/spec/disks/0/sizeGiB",
            "root disk '" + spec.disks.front().name + "' of " +
                std::to_string(spec.disks.front().size_gib) + " GiB is smaller than image '" +
                spec.image + "' (" + std::to_string(*image_gib) + " GiB, at " +
                where(*doc_of(image), "/spec/sizeGiB") + ")");
  }

  void check_nic(const Object& o, const YamlDocument& doc, const NicSpec& nic, size_t i,
                 const std::string& vm_zone) {
    std::string p = "/spec/nics/" + std::to_string(i);
    auto [net_tenant, net_name] = split_qualified(nic.network, o.meta.tenant);
    if (net_tenant != o.meta.tenant) {
      if (find(Kind::kNetwork, net_tenant, net_name)) {
        error(doc, p + "/network",
              "network '" + nic.network + "' belongs to tenant " + net_tenant +
                  "; a VM of tenant " + o.meta.tenant + " cannot attach to it (tenant isolation)");
        return;
      }
    }
    const Object* net =
        require_in_tenant(doc, p + "/network", Kind::kNetwork, net_tenant, net_name, "network");
    for (size_t k = 0; k < nic.security_groups.size(); ++k)
      require_in_tenant(doc, p + "/securityGroups/" + std::to_string(k), Kind::kSecurityGroup,
                        o.meta.tenant, nic.security_groups[k], "security group");
    if (!net) return;
    const auto& ns = net->as<NetworkSpec>();
    if (!vm_zone.empty() && ns.zone != vm_zone)
      error(doc, p + "/network",
            "network '" + nic.network + "' is in zone " + ns.zone +
                " but the VM is placed in zone " + vm_zone + " (placement never crosses zones)");
    check_address(o, doc, i, "ipv4", nic.ipv4, *net, false);
    if (nic.ipv6 != "auto") check_address(o, doc, i, "ipv6", nic.ipv6, *net, true);
  }

  void check_address(const Object& o, const YamlDocument& doc, size_t nic, const char* key,
                     const std::string& text, const Object& net, bool v6) {
    std::string pointer = "/spec/nics/" + std::to_string(nic) + "/" + key;
    if (text.empty()) return;
    const char* family = v6 ? "IPv6" : "IPv4";
    auto ip = parse_ip(text);
    if (!ip || ip->v6 != v6) {
      error(doc, pointer, "invalid " + std::string(family) + " address '" + text + "'");
      return;
    }
    auto subnet = subnets_.find({doc_of(&net), v6});
    if (subnet == subnets_.end()) {
      error(doc, pointer,
            "network '" + qualified(net) + "' has no " + family + " subnet for address " + text);
      return;
    }
    const auto& spec = net.as<NetworkSpec>();
    const std::string& cidr = v6 ? spec.ipv6->subnet : spec.ipv4->subnet;
    const std::string& gateway = v6 ? spec.ipv6->gateway : spec.ipv4->gateway;
    if (!subnet_contains(subnet->second, *ip)) {
      error(doc, pointer,
            "address " + text + " is outside network " + qualified(net) + "'s subnet " + cidr);
    } else if (is_network_or_broadcast(subnet->second, *ip)) {
      error(doc, pointer, "address " + text + " is the network or broadcast address of " + cidr);
    } else if (!gateway.empty() && parse_ip(gateway) == ip) {
      error(doc, pointer, "address " + text + " is the gateway of network " + qualified(net));
    } else {
      std::string bytes(ip->bytes.begin(), ip->bytes.end());
      std::string holder = "vm \"" + qualified(o) + "\" nic " + std::to_string(nic);
      auto [it, inserted] = addresses_.emplace(std::make_pair(qualified(net), bytes),
                                               std::make_pair(holder, where(doc, pointer)));
      if (!inserted)
        error(doc, pointer,
              holder + ": address " + text + " is already held by " + it->second.first + " (" +
                  it->second.second + ")");
    }
  }

  void check_volume(const Object& o, const YamlDocument& doc) {
    const auto& spec = o.as<VolumeSpec>();
    check_iops(doc, "/spec", spec.tier, spec.iops, doc.value_pos.count("/spec/iops") > 0);
    std::string zone;
    check_placement(o, doc, spec.placement, zone);
    require_in_tenant(doc, "/spec/attachTo", Kind::kVirtualMachine, o.meta.tenant, spec.attach_to,
                      "virtual machine");
  }

  const std::vector<Object>& objects_;
  const std::vector<const YamlDocument*>& docs_;
  const PriceCaps& caps_;
  std::vector<Diagnostic> errors_;
  std::map<Key, size_t> by_key_;
  std::map<std::string, const Object*> segments_;
  std::map<std::string, const Object*> price_dates_;
  std::map<std::string, const Object*> host_addresses_;
  std::map<std::string, const Object*> adopted_domains_;  // "host/uuid"
  std::map<std::pair<const YamlDocument*, bool>, Subnet> subnets_;
  // (network, address bytes) -> the first NIC declaring it and where.
  std::map<std::pair<std::string, std::string>, std::pair<std::string, std::string>> addresses_;
};

}  // namespace

std::pair<std::string, std::string> split_qualified(const std::string& ref,
                                                    const std::string& default_tenant) {
  size_t slash = ref.rfind('/');
  if (slash == std::string::npos) return {default_tenant, ref};
  return {ref.substr(0, slash), ref.substr(slash + 1)};
}

}  // namespace xc

namespace xc {

std::vector<Diagnostic> check_semantics(const std::vector<Object>& objects,
                                        const std::vector<const YamlDocument*>& docs,
                                        const PriceCaps& caps) {
  return Checker(objects, docs, caps).run();
}

}  // namespace xc
