#include "ctl/cli/vm_target.h"

#include "common/domain_spec.h"
#include "common/model_builder.h"
#include "common/spelling.h"

namespace xc {

using nlohmann::json;

std::string domain_of(const ResourceRecord& r) {
  json record = json::parse(r.spec_json, nullptr, false);
  if (record.is_object() && record.contains("domain")) {
    auto spec = domain_spec_from_json(record["domain"]);
    if (spec.ok()) return domain_name(*spec);
  }
  DomainSpec s;
  s.tenant = r.tenant;
  s.name = r.name;
  return domain_name(s);
}

Object host_object(Store& store, const HostRecord& h) {
  auto declared = store.get_resource({"Host", "", h.name});
  if (declared.ok()) {
    json record = json::parse(declared->spec_json, nullptr, false);
    if (record.is_object() && record.contains("manifest") && record["manifest"].is_object()) {
      YamlDocument doc;
      doc.tree = record["manifest"];
      Object o = build_object(doc);
      if (o.kind == Kind::kHost) return o;
    }
  }
  Object o;
  o.kind = Kind::kHost;
  o.meta.name = h.name;
  HostSpec spec;
  spec.pool = h.pool;
  spec.address = h.address;
  spec.transport = h.transport == "ssh" ? Transport::kSsh : Transport::kTls;
  o.spec = spec;
  return o;
}

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
