#include "ctl/ha/ha_warnings.h"

#include <map>

#include "common/printable.h"
#include "ctl/ha/ha_inventory.h"

namespace xc {

using nlohmann::json;

std::string format_warning(const Diagnostic& d) {
  std::string out = printable(d.file);
  if (d.pos.line > 0) out += ":" + std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column);
  return out + ": warning: " + printable(d.message);
}

std::vector<Diagnostic> ha_warnings(const ManifestSet& set) {
  std::map<std::string, bool> pool_shared;  // pool -> has sharedStorage
  for (size_t i = 0; i < set.objects.size() && i < set.documents.size(); ++i) {
    if (set.objects[i].kind != Kind::kPool) continue;
    const json& spec = set.documents[i].tree.value("spec", json::object());
    pool_shared[set.objects[i].meta.name] =
        spec.is_object() && spec.contains("sharedStorage") && spec["sharedStorage"].is_string();
  }
  std::vector<Diagnostic> out;
  for (size_t i = 0; i < set.objects.size() && i < set.documents.size(); ++i) {
    const Object& o = set.objects[i];
    const YamlDocument& doc = set.documents[i];
    if (o.kind != Kind::kVirtualMachine || !manifest_wants_ha(doc.tree)) continue;
    const std::string pool = o.as<VirtualMachineSpec>().placement.pool;
    std::string lacking;
    if (!pool.empty()) {
      auto p = pool_shared.find(pool);
      if (p == pool_shared.end() || !p->second) lacking = "pool " + pool + " has no sharedStorage";
    } else {
      std::string names;
      for (const auto& [name, shared] : pool_shared)
        if (!shared) names += (names.empty() ? "" : ", ") + name;
      if (!names.empty())
        lacking = "it may be placed in pool(s) without sharedStorage (" + names +
                  "); set spec.placement.pool";
      else if (pool_shared.empty())
        lacking = "no Pool in the manifests has sharedStorage";
    }
    if (lacking.empty()) continue;
    Diagnostic d;
    d.file = doc.file;
    d.field = "/spec/ha";
    d.pos = doc.key_position("/spec/ha");
    d.message = "VirtualMachine " + object_key(o.meta.tenant, o.meta.name) +
                ": ha: restart is not protectable: " + lacking +
                ", so its disks are not reachable from another host; HA will not restart it";
    out.push_back(std::move(d));
  }
  sort_diagnostics(out);
  return out;
}

}  // namespace xc
