#include "ctl/reconcile/refused_changes.h"

#include "common/domain_diff.h"

namespace xc {

std::vector<std::string> refused_changes(const DesiredState& desired,
                                         const std::map<std::string, StoredVm>& stored) {
  std::vector<std::string> out;
  for (const auto& vm : desired.vms) {
    std::string key = object_key(vm.spec.tenant, vm.spec.name);
    auto s = stored.find(key);
    if (s == stored.end() || !s->second.record.is_object() || !s->second.record.contains("domain"))
      continue;
    auto before = domain_spec_from_json(s->second.record["domain"]);
    if (!before.ok()) continue;
    for (const auto& why : diff_live_vs_restart(*before, vm.spec).refused)
      out.push_back("VirtualMachine " + key + ": " + why);
  }
  return out;
}

}  // namespace xc
