#include "ctl/cli/clone_make.h"

#include <algorithm>
#include <chrono>

#include "common/digest.h"
#include "common/printable.h"
#include "ctl/billing/metering.h"
#include "ctl/cli/clone_manifest.h"

namespace xc {
namespace {

using nlohmann::json;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string volume_of(const DomainSpec& spec, const DomainDisk& disk) {
  std::string file = disk_file_name(spec, disk);
  return file.substr(0, file.size() - 6);
}

void discard(HostClients& clients, const std::string& host, const std::string& domain,
             const std::vector<std::string>& volumes) {
  (void)clients.call(host, "domain.delete", {{"name", domain}});
  for (const auto& v : volumes) (void)clients.call(host, "volume.delete", {{"name", v}});
}

Status store_clone(Store& store, const ClonePlan& plan, const std::string& host, const json& link) {
  const std::string& tenant = plan.spec.tenant;
  const std::string& name = plan.spec.name;
  ResourceRecord r;
  r.kind = "VirtualMachine";
  r.tenant = tenant;
  r.name = name;
  r.spec_json = plan.record.dump();
  r.spec_hash = plan.hash;
  r.manifest_set = kCloneSet;
  r.updated_at_ms = now_ms();
  if (auto put = store.put_resource(r); !put.ok()) return put.status();
  if (Status s = store.set_placement(r.key(), host); !s.ok()) return s;
  for (const AddressAllocation& a : plan.addresses.added)
    if (Status s = store.put_address_allocation(a); !s.ok()) return s;
  if (link.value("linked", false)) {
    ResourceRecord l = r;
    l.kind = kCloneLinkKind;
    l.spec_json = link.dump();
    l.spec_hash = sha256_hex(l.spec_json);
    if (auto put = store.put_resource(l); !put.ok()) return put.status();
  }
  // Billing starts now; meter instants never go back (reconcile.h).
  auto last = store.last_meter_instant_ms();
  if (!last.ok()) return last.status();
  return meter_allocation(store, tenant, name, plan.record, std::max(now_ms(), *last));
}

std::string addresses_text(const DomainSpec& spec) {
  std::string out;
  for (const auto& nic : spec.nics) {
    std::string one = nic.mac;
    for (const std::string* a : {&nic.ipv4, &nic.ipv6})
      if (!a->empty() && *a != "auto") one += " " + *a;
    out += (out.empty() ? "" : ", ") + one;
  }
  return out.empty() ? "no NICs" : out;
}

std::optional<NewVmFrom> plan_new_vm(CliContext& ctx, Store& store, const VmTarget& src,
                                     const std::string& name, bool start, const std::string& what) {
  const std::string tenant = src.record.tenant;
  const std::string src_key = object_key(tenant, src.record.name);
  const std::string new_key = object_key(tenant, name);
  auto refuse = [&](const std::string& message, int code) {
    print_error(ctx, message);
    ctx.exit_code = code;
    return std::nullopt;
  };
  if (!is_dns_label(name))
    return refuse(what + ": NEW '" + printable(name) +
                      "': a VM name is a DNS label (lowercase letters, digits and '-', at most 63)",
                  kExitUsage);
  auto taken = store.get_resource({"VirtualMachine", tenant, name});
  if (taken.ok())
    return refuse(what + ": vm " + new_key + " already exists; nothing was changed", kExitUsage);
  if (taken.status().code() != Code::kNotFound)
    return refuse(taken.status().message(), kExitFailure);
  if (src.host.empty())
    return refuse(what + ": " + src_key + " is not placed on any host; nothing was changed",
                  kExitFailure);
  json record = json::parse(src.record.spec_json, nullptr, false);
  if (!record.is_object() || !record.contains("manifest") || !record.contains("domain"))
    return refuse(what + ": " + src_key + ": its stored record has no manifest", kExitFailure);
  auto src_spec = domain_spec_from_json(record["domain"]);
  if (!src_spec.ok())
    return refuse(what + ": " + src_key + ": " + src_spec.status().message(), kExitFailure);
  if (std::string why = clone_refusal(record["manifest"]); !why.empty())
    return refuse(what + ": " + src_key + ": " + why + "; nothing was changed", kExitUsage);
  auto plan = plan_clone(store, clone_manifest(record["manifest"], name, start));
  if (!plan.ok())
    return refuse(what + ": " + new_key + ": " + plan.status().message(),
                  plan.status().code() == Code::kInvalidArgument ? kExitUsage : kExitFailure);
  if (!plan->quota_violations.empty()) {
    for (const auto& message : plan->quota_violations)
      ctx.err << "error: " << printable(message) << "\n";
    ctx.err << what << ": " << printable(new_key) << ": " << plan->quota_violations.size()
            << " quota violation(s); nothing was changed\n";
    ctx.exit_code = kExitFailure;
    return std::nullopt;
  }
  return NewVmFrom{record["manifest"], *src_spec, std::move(*plan)};
}

}  // namespace xc
