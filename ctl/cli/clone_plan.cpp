#include "ctl/cli/clone_plan.h"

#include "common/manifest_validator.h"
#include "common/price_caps.h"
#include "common/secret_redaction.h"
#include "ctl/cli/clone_manifest.h"
#include "ctl/reconcile/desired_state.h"
#include "ctl/reconcile/quota.h"
#include "ctl/reconcile/reconcile.h"

namespace xc {
namespace {

using nlohmann::json;

// The kinds a VM's DomainSpec and its validation draw on. Other VMs and
// Volumes stay out: their stored manifests carry redaction markers, and the
// clone takes none of the source's attached Volumes.
constexpr const char* kContextKinds[] = {"Zone",  "Pool",    "Host",          "Tenant",
                                         "Image", "Network", "SecurityGroup", "PlacementGroup"};

Result<std::vector<YamlDocument>> stored_documents(Store& store) {
  std::vector<YamlDocument> docs;
  for (const char* kind : kContextKinds) {
    auto records = store.list_resources(std::string(kind));
    if (!records.ok()) return records.status();
    for (const auto& r : *records) {
      json rec = json::parse(r.spec_json, nullptr, false);
      if (!rec.is_object() || !rec.contains("manifest")) continue;
      YamlDocument d;
      d.file = "state:" + std::string(kind) + "/" + object_key(r.tenant, r.name);
      d.tree = rec["manifest"];
      docs.push_back(std::move(d));
    }
  }
  return docs;
}

}  // namespace

Result<ClonePlan> plan_clone(Store& store, const json& manifest) {
  auto docs = stored_documents(store);
  if (!docs.ok()) return docs.status();
  YamlDocument mine;
  mine.file = "clone";
  mine.tree = manifest;
  docs->push_back(mine);
  ManifestSet set = validate_documents(std::move(*docs), {}, builtin_price_caps());
  if (!set.ok()) {
    std::string message;
    for (const auto& e : set.errors)
      message += (message.empty() ? "" : "; ") + format_diagnostic(e);
    return error(Code::kInvalidArgument, message);
  }
  auto stored = stored_vms(store);
  if (!stored.ok()) return stored.status();
  auto allocations = store.list_address_allocations();
  if (!allocations.ok()) return allocations.status();
  auto addresses = plan_addresses(set.objects, *allocations, stored_vm_addresses(*stored));
  if (!addresses.ok()) return addresses.status();
  auto desired = build_desired_state(set, addresses->nics);
  if (!desired.ok()) return error(Code::kInvalidArgument, desired.status().message());
  const std::string tenant = manifest["metadata"].value("tenant", "");
  const std::string name = manifest["metadata"].value("name", "");
  const DesiredVm* vm = nullptr;
  for (const auto& v : desired->vms)
    if (v.spec.tenant == tenant && v.spec.name == name) vm = &v;
  if (!vm) return error(Code::kInternal, "vm " + object_key(tenant, name) + ": not in the plan");

  ClonePlan out;
  out.spec = vm->spec;
  out.spec.generation = 1;
  out.hash = vm->hash;
  out.manifest = vm->manifest;
  json params = to_json(out.spec);
  out.record = {{"manifest", vm->manifest}, {"domain", redact_domain_json(params)}};
  out.addresses.nics = addresses->nics;
  out.addresses.added = addresses->added;  // released: none (no other VM is in the set)

  // Quotas: what the state holds, plus the clone.
  auto current = stored_allocations(store);
  if (!current.ok()) return current.status();
  Allocations after = *current;
  after[allocation_key("VirtualMachine", tenant, name)] =
      vm_allocation(vm->spec, vm->demand.accelerators);
  auto tenants = stored_tenants(store);
  if (!tenants.ok()) return tenants.status();
  out.quota_violations =
      quota_violations(*tenants, roll_up(own_usage(after)), roll_up(own_usage(*current)));
  return out;
}

Result<std::vector<std::string>> stored_linked_clones(Store& store, const std::string& tenant,
                                                      const std::string& name) {
  auto links = store.list_resources(std::string(kCloneLinkKind));
  if (!links.ok()) return links.status();
  if (links->empty()) return std::vector<std::string>();
  auto vms = store.list_resources(std::string("VirtualMachine"));
  if (!vms.ok()) return vms.status();
  return linked_clones_of(*links, *vms, tenant, name);
}

}  // namespace xc
