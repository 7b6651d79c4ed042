#include "ctl/cli/vm_target.h"

#include "common/spelling.h"

namespace xc {

using nlohmann::json;

Result<VmTarget> find_vm(Store& store, const std::string& name, const std::string& tenant) {
  auto all = store.list_resources(std::string("VirtualMachine"));
  if (!all.ok()) return all.status();
  std::vector<ResourceRecord> found;
  std::vector<std::string> names;
  for (const auto& r : *all) {
    if (tenant.empty() || r.tenant == tenant) names.push_back(r.name);
    if (r.name == name && (tenant.empty() || r.tenant == tenant)) found.push_back(r);
  }
  if (found.empty())
    return error(Code::kNotFound, "VM \"" + name + "\" not found" +
                                      (tenant.empty() ? "" : " in tenant " + tenant) +
                                      did_you_mean(name, names));
  if (found.size() > 1) {
    std::string list;
    for (const auto& r : found) list += "\n  " + object_key(r.tenant, r.name);
    return error(Code::kInvalidArgument, "VM \"" + name + "\" exists in " +
                                             std::to_string(found.size()) +
                                             " tenants; choose one with --tenant:" + list);
  }
  VmTarget t{found.front(), "", domain_of(found.front())};
  auto placement = store.get_placement(t.record.key());
  if (placement.ok())
    t.host = placement->host;
  else if (placement.status().code() != Code::kNotFound)
    return placement.status();
  return t;
}

}  // namespace xc
