#include "ctl/cli/known_names.h"

#include <algorithm>

#include "common/spelling.h"
#include "ctl/store/store.h"

namespace xc {

Status check_known(const std::string& what, const std::string& name,
                   const std::vector<std::string>& known) {
  if (std::find(known.begin(), known.end(), name) != known.end()) return {};
  return error(Code::kInvalidArgument, "unknown " + what + " '" + name + "'" +
                                           (name.size() <= 253 ? did_you_mean(name, known) : ""));
}

Result<std::vector<std::string>> stored_names(Store& store, const std::string& kind) {
  auto records = store.list_resources(kind);
  if (!records.ok()) return records.status();
  std::vector<std::string> names;
  for (const auto& r : *records) names.push_back(r.name);
  return names;
}

Status check_tenant(Store& store, const std::string& tenant) {
  if (tenant.empty()) return {};
  auto tenants = stored_names(store, "Tenant");
  if (!tenants.ok()) return tenants.status();
  return check_known("tenant", tenant, *tenants);
}

Status object_not_found(const std::string& kind, const std::string& name, const std::string& tenant,
                        const std::vector<std::string>& names) {
  return error(Code::kNotFound, kind + " \"" + (tenant.empty() ? "" : tenant + "/") + name +
                                    "\" not found" +
                                    (tenant.empty() ? "" : " in tenant " + tenant) +
                                    (name.size() <= 253 ? did_you_mean(name, names) : ""));
}

}  // namespace xc
