#include "ctl/reconcile/adoption_checks.h"

#include <set>

#include "common/printable.h"

namespace xc {

std::vector<Diagnostic> adoption_refusals(const ManifestSet& set, const DesiredState& desired,
                                          const std::vector<ObservedHost>& observed, bool adopt) {
  std::set<std::string> owned;  // "tenant/name" of every domain xcloud owns
  for (const auto& h : observed)
    for (const auto& d : h.domains) owned.insert(object_key(d.tenant, d.vm));
  std::vector<Diagnostic> out;
  for (const DesiredVm& vm : desired.vms) {
    if (!vm.adopted_from || owned.count(object_key(vm.spec.tenant, vm.spec.name))) continue;
    const ObservedHost* host = nullptr;
    for (const auto& h : observed)
      if (h.name == vm.adopted_from->host) host = &h;
    if (!host || !host->reachable) continue;  // the plan says the host was not checked
    const YamlDocument* doc = nullptr;
    for (size_t i = 0; i < set.objects.size() && !doc; ++i)
      if (&set.objects[i] == vm.object) doc = &set.documents[i];
    if (!doc) continue;
    const std::string what = "VirtualMachine " + object_key(vm.spec.tenant, vm.spec.name) +
                             ": domain '" + vm.spec.name + "' on host " + host->name;
    std::string uuid;
    for (const auto& d : host->unmanaged)
      if (d.is_object() && d.value("domain", "") == vm.spec.name) uuid = d.value("uuid", "");
    if (uuid.empty())
      out.push_back(doc->error_at(
          "/spec/adoptedFrom",
          what + " is not there (or xcloud owns it as another VM): nothing to adopt"));
    else if (uuid != vm.adopted_from->uuid)
      out.push_back(doc->error_at("/spec/adoptedFrom/uuid", what + " has UUID " + printable(uuid) +
                                                                ", not " + vm.adopted_from->uuid +
                                                                " (another domain of that name)"));
    else if (!adopt)
      out.push_back(doc->error_at(
          "/spec/adoptedFrom", what + " exists and is not managed by xcloud; 'apply --adopt' takes "
                                      "it over (no restart) instead of creating a second VM"));
  }
  sort_diagnostics(out);
  return out;
}

}  // namespace xc
