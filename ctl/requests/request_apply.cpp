#include "ctl/requests/request_apply.h"

#include <algorithm>

namespace xc {
namespace {

using nlohmann::json;

// Every scalar's text, as the YAML reader keeps it: PriceList prices and a
// Pool's cpuOvercommit are read from the text, never through a double.
void scalar_texts(const json& node, const std::string& pointer, YamlDocument& doc) {
  if (node.is_object()) {
    for (const auto& [k, v] : node.items()) scalar_texts(v, pointer_child(pointer, k), doc);
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) scalar_texts(node[i], pointer_child(pointer, i), doc);
  } else {
    doc.scalar_text[pointer] = node.is_string() ? node.get<std::string>() : node.dump();
  }
}

YamlDocument document(json tree, int index) {
  YamlDocument doc;
  doc.file = "<state>";
  doc.index = index;
  scalar_texts(tree, "", doc);
  doc.tree = std::move(tree);
  return doc;
}

bool is_redacted_password(const json& manifest) {
  const json* guest = manifest.contains("spec") ? &manifest["spec"] : nullptr;
  if (guest == nullptr || !guest->is_object() || !guest->contains("guest")) return false;
  const json& g = (*guest)["guest"];
  return g.is_object() && g.contains("passwordHash") && g["passwordHash"].is_string() &&
         g["passwordHash"].get<std::string>().rfind("<redacted", 0) == 0;
}

bool is_target(const RequestChange& c, const std::string& tenant, const std::string& name) {
  return tenant == c.tenant && name == c.vm;
}

// The steps of the request's VM, and the networks and groups the VM needs
// on its host (they come first in the executor).
Plan steps_of(const Plan& whole, const RequestChange& c) {
  Plan plan;
  std::string host;
  for (const auto& s : whole.steps)
    if (s.kind == Kind::kVirtualMachine && is_target(c, s.tenant, s.name) &&
        s.action != StepAction::kMove) {
      plan.steps.push_back(s);
      host = s.host;
    }
  if (plan.steps.empty() || !c.manifest) return plan;
  for (const auto& s : whole.steps)
    if (s.host == host &&
        (s.action == StepAction::kCreateNetwork || s.action == StepAction::kEnsureSecurityGroup))
      plan.steps.push_back(s);
  return plan;
}

AddressPlan addresses_of(const AddressPlan& all, const RequestChange& c) {
  AddressPlan out;
  for (const auto& a : all.added)
    if (is_target(c, a.tenant, a.vm)) out.added.push_back(a);
  for (const auto& a : all.released)
    if (is_target(c, a.tenant, a.vm)) out.released.push_back(a);
  return out;
}

}  // namespace

ManifestSet state_manifests(const std::vector<ResourceRecord>& records, const RequestChange& change,
                            const PriceCaps& caps) {
  std::vector<YamlDocument> docs;
  for (const auto& rec : records) {
    bool vm = rec.kind == "VirtualMachine";
    if (vm && is_target(change, rec.tenant, rec.name)) continue;  // laid over below
    json stored = json::parse(rec.spec_json, nullptr, false);
    if (!stored.is_object() || !stored.contains("manifest") || !stored["manifest"].is_object())
      continue;
    json manifest = stored["manifest"];
    if (vm && is_redacted_password(manifest)) manifest["spec"]["guest"].erase("passwordHash");
    docs.push_back(document(std::move(manifest), static_cast<int>(docs.size())));
  }
  if (change.manifest) docs.push_back(document(*change.manifest, static_cast<int>(docs.size())));
  return validate_documents(std::move(docs), {}, caps);
}

Result<RequestApplied> apply_request_change(Reconcile& r, const RequestChange& change,
                                            AuditLog& log, const AuditIdentity& who,
                                            ApplyStatus& status, const PriceCaps& caps) {
  auto records = r.store->list_resources(std::nullopt);
  if (!records.ok()) return records.status();
  std::optional<std::string> stored_set;
  for (const auto& rec : *records)
    if (rec.kind == "VirtualMachine" && is_target(change, rec.tenant, rec.name))
      stored_set = rec.manifest_set;
  if (change.manifest && stored_set && *stored_set != change.owner_set)
    return error(Code::kAlreadyExists, "VirtualMachine " + change.tenant + "/" + change.vm +
                                           " already exists (set " + *stored_set + ")");
  if (!change.manifest && !stored_set)
    return error(Code::kNotFound,
                 "VirtualMachine " + change.tenant + "/" + change.vm + " is not in the state");
  r.manifests = state_manifests(*records, change, caps);
  if (!r.manifests.ok()) {
    std::string message;
    for (const auto& d : r.manifests.errors) message += (message.empty() ? "" : "; ") + d.message;
    return error(Code::kInvalidArgument, "the VM's manifest is refused: " + message);
  }
  ReconcileOptions options;
  options.plan.manifest_set = change.owner_set;
  // A delete is a prune of the VM's own set (and only its steps are run).
  options.plan.prune = !change.manifest.has_value();
  if (!change.manifest && stored_set) options.plan.manifest_set = *stored_set;
  if (Status planned = plan_reconcile(r, options); !planned.ok()) return planned;
  if (!r.quota_violations.empty()) {
    std::string message;
    for (const auto& v : r.quota_violations) message += (message.empty() ? "" : "; ") + v;
    return error(Code::kFailedPrecondition, message);
  }
  for (const auto& u : r.plan.unplaceable)
    if (is_target(change, u.tenant, u.name))
      return error(Code::kFailedPrecondition, "no host for VirtualMachine " + change.tenant + "/" +
                                                  change.vm + ": " + u.reason);
  Plan plan = steps_of(r.plan, change);
  RequestApplied out;
  for (const auto& s : plan.steps)
    if (s.kind == Kind::kVirtualMachine) out.host = s.host;
  out.steps = static_cast<int>(plan.steps.size());
  if (plan.steps.empty() && change.manifest && !r.plan.errors.empty()) {
    std::string message;
    for (const auto& e : r.plan.errors) message += (message.empty() ? "" : "; ") + e;
    return error(Code::kUnavailable, "nothing could be planned: " + message);
  }
  if (Status writable = log.check_writable(); !writable.ok()) return writable;
  if (Status a = record_addresses(*r.store, addresses_of(r.addresses, change)); !a.ok()) return a;
  StoreRecorder recorder(log, who, options.plan.manifest_set, r.stored);
  ExecutionResult result = execute_plan(plan, *r.clients, recorder, ExecutorOptions{}, status);
  if (!out.host.empty())
    (void)save_observed(*r.store, r.desired, observe_hosts(*r.clients, {out.host}, 1));
  if (result.failed > 0) {
    std::string message;
    for (const auto& f : result.failures) message += (message.empty() ? "" : "; ") + f;
    return error(Code::kUnavailable, message);
  }
  return out;
}

}  // namespace xc
