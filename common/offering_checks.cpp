#include "common/offering_checks.h"

#include <set>

namespace xc {

void check_offering(const Object& o, const YamlDocument& doc, std::vector<Diagnostic>& out) {
  const auto& spec = o.as<ServiceOfferingSpec>();
  std::set<std::string> names;
  for (size_t i = 0; i < spec.sizes.size(); ++i)
    if (!names.insert(spec.sizes[i].name).second)
      out.push_back(doc.error_at(
          "/spec/sizes/" + std::to_string(i) + "/name",
          "duplicate size '" + spec.sizes[i].name + "' in ServiceOffering " + o.meta.name));
  if (spec.approval_required && spec.approver.empty())
    out.push_back(doc.error_at("/spec/approval",
                               "field spec.approver is required with approval: required "
                               "(expected sysadmin or tenant-admin)"));
  if (!spec.approval_required && !spec.approver.empty())
    out.push_back(doc.error_at("/spec/approver",
                               "field spec.approver needs approval: required (approval is none)"));
}

}  // namespace xc
