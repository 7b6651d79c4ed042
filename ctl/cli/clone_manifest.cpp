#include "ctl/cli/clone_manifest.h"

#include <set>

#include "common/model.h"

namespace xc {

using nlohmann::json;

json clone_manifest(json source, const std::string& name, bool start) {
  if (!source.is_object()) return source;
  source["metadata"]["name"] = name;
  json& spec = source["spec"];
  if (!spec.is_object()) return source;
  spec["power"] = start ? "running" : "stopped";
  if (spec.contains("nics") && spec["nics"].is_array())
    for (json& nic : spec["nics"]) {
      if (!nic.is_object()) continue;
      nic.erase("mac");
      nic.erase("ipv4");
      if (nic.value("ipv6", "") != "auto") nic.erase("ipv6");
    }
  if (spec.contains("guest") && spec["guest"].is_object()) {
    for (const char* field : {"hostname", "passwordHash", "password"}) spec["guest"].erase(field);
    if (spec["guest"].empty()) spec.erase("guest");
  }
  if (spec.contains("placement") && spec["placement"].is_object()) {
    spec["placement"].erase("group");
    if (spec["placement"].empty()) spec.erase("placement");
  }
  return source;
}

std::string clone_refusal(const json& source_manifest) {
  const json spec =
      source_manifest.is_object() ? source_manifest.value("spec", json::object()) : json::object();
  if (spec.is_object() && spec.contains("accelerators") && !spec["accelerators"].empty())
    return "it has accelerators, and a device belongs to one VM; clone it without them";
  return "";
}

json cloned_from(const std::string& tenant, const std::string& source, bool linked,
                 const std::vector<std::string>& backing_files) {
  json out = {{"vm", object_key(tenant, source)}, {"linked", linked}};
  if (linked) out["backingFiles"] = backing_files;
  return out;
}

std::vector<std::string> linked_clones_of(const std::vector<ResourceRecord>& links,
                                          const std::vector<ResourceRecord>& vms,
                                          const std::string& tenant, const std::string& name) {
  std::set<std::string> existing;
  for (const auto& v : vms) existing.insert(object_key(v.tenant, v.name));
  std::set<std::string> out;
  const std::string source = object_key(tenant, name);
  for (const auto& r : links) {
    json from = json::parse(r.spec_json, nullptr, false);
    const std::string clone = object_key(r.tenant, r.name);
    if (from.is_object() && from.value("linked", false) && from.value("vm", "") == source &&
        existing.count(clone))
      out.insert(clone);
  }
  return {out.begin(), out.end()};
}

}  // namespace xc
