#include "agent/domain_inventory.h"

#include "agent/applied_spec.h"

#include <map>

#include <pugixml.hpp>

namespace xc {

using nlohmann::json;

const char* domain_state_name(int state) {
  switch (state) {
    case VIR_DOMAIN_RUNNING: return "running";
    case VIR_DOMAIN_BLOCKED: return "running";
    case VIR_DOMAIN_PAUSED: return "paused";
    case VIR_DOMAIN_SHUTDOWN: return "shutting-down";
    case VIR_DOMAIN_SHUTOFF: return "stopped";
    case VIR_DOMAIN_CRASHED: return "crashed";
    case VIR_DOMAIN_PMSUSPENDED: return "suspended";
    default: return "unknown";
  }
}

namespace {

std::string read_metadata(virDomainPtr domain, unsigned flags) {
  char* xml = virDomainGetMetadata(domain, VIR_DOMAIN_METADATA_ELEMENT, kXcloudMetadataNs, flags);
  if (!xml) virResetLastError();
  return take_string(xml);
}

}  // namespace

std::string xcloud_metadata_xml(virDomainPtr domain, bool live) {
  unsigned flags = live || virDomainIsPersistent(domain) != 1 ? VIR_DOMAIN_AFFECT_CURRENT : VIR_DOMAIN_AFFECT_CONFIG;
  return read_metadata(domain, flags);
}

bool restart_pending(virDomainPtr domain) {
  if (virDomainIsActive(domain) != 1 || virDomainIsPersistent(domain) != 1) return false;
  return xcloud_metadata_xml(domain, true) != xcloud_metadata_xml(domain, false);
}

namespace {

json instance_fields(const std::string& metadata) {
  pugi::xml_document doc;
  if (!doc.load_string(metadata.c_str())) return json::object();
  pugi::xml_node n = doc.first_child();
  return {{"kind", n.attribute("kind").as_string()},
          {"tenant", n.attribute("tenant").as_string()},
          {"vmName", n.attribute("name").as_string()},
          {"specHash", n.attribute("spec-hash").as_string()},
          {"generation", n.attribute("generation").as_llong()}};
}

}  // namespace

Result<json> list_domains(AgentContext& ctx, bool deep) {
  virDomainPtr* domains = nullptr;
  int n = virConnectListAllDomains(ctx.conn, &domains, 0);
  if (n < 0) return libvirt_error("domains: ");
  std::vector<Domain> owned;
  for (int i = 0; i < n; ++i) owned.emplace_back(domains[i]);
  std::free(domains);

  // One bulk call for state, vCPUs and memory of every domain.
  std::map<std::string, json> stats;
  std::vector<virDomainPtr> list;
  for (auto& d : owned) list.push_back(d.get());
  list.push_back(nullptr);
  virDomainStatsRecordPtr* records = nullptr;
  int count = virDomainListGetStats(list.data(),
                                    VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_VCPU | VIR_DOMAIN_STATS_BALLOON,
                                    &records, 0);
  for (int i = 0; i < count; ++i) {
    json s = json::object();
    for (int k = 0; k < records[i]->nparams; ++k) {
      const virTypedParameter& p = records[i]->params[k];
      if (p.type == VIR_TYPED_PARAM_INT) s[p.field] = p.value.i;
      else if (p.type == VIR_TYPED_PARAM_UINT) s[p.field] = p.value.ui;
      else if (p.type == VIR_TYPED_PARAM_ULLONG) s[p.field] = p.value.ul;
    }
    stats[virDomainGetName(records[i]->dom)] = s;
  }
  if (records) virDomainStatsRecordListFree(records);
  else virResetLastError();

  json managed = json::array(), unmanaged = json::array();
  for (auto& d : owned) {
    std::string name = virDomainGetName(d.get());
    char uuid[VIR_UUID_STRING_BUFLEN] = {0};
    virDomainGetUUIDString(d.get(), uuid);
    const json& s = stats[name];
    int state = s.value("state.state", -1);
    int64_t cpus = s.value("vcpu.maximum", int64_t{-1});
    int64_t mem_kib = s.value("balloon.maximum", int64_t{-1});
    if (state < 0 || cpus < 0 || mem_kib < 0) {
      // Drivers without bulk stats for some fields: one cheap call fills the gap.
      virDomainInfo info;
      if (virDomainGetInfo(d.get(), &info) == 0) {
        if (state < 0) state = info.state;
        if (cpus < 0) cpus = info.nrVirtCpu;
        if (mem_kib < 0) mem_kib = static_cast<int64_t>(info.maxMem);
      }
    }
    json entry = {{"domain", name}, {"uuid", uuid}, {"state", domain_state_name(state)},
                  {"cpus", cpus}, {"memoryMiB", mem_kib / 1024}};
    // Two metadata reads at most: the definition's, and the running copy's
    // when they can differ (a restart is pending when they do).
    // xcloud defines every domain it owns, so try the definition first; only
    // a transient domain (not xcloud's) needs the second read.
    std::string metadata = read_metadata(d.get(), VIR_DOMAIN_AFFECT_CONFIG);
    bool persistent = !metadata.empty() || virDomainIsPersistent(d.get()) == 1;
    if (metadata.empty() && !persistent) metadata = read_metadata(d.get(), VIR_DOMAIN_AFFECT_CURRENT);
    if (metadata.empty()) {
      unmanaged.push_back(entry);
    } else {
      bool running = state == VIR_DOMAIN_RUNNING || state == VIR_DOMAIN_BLOCKED;
      entry.update(instance_fields(metadata));
      entry["restartPending"] = running && persistent && read_metadata(d.get(), VIR_DOMAIN_AFFECT_LIVE) != metadata;
      if (deep && persistent) {
        auto spec = applied_spec(d.get());
        entry["definitionDrift"] = spec && definition_drifted(d.get(), *spec, ctx.config.storage_dir);
      }
      managed.push_back(std::move(entry));
    }
  }
  return json{{"managed", managed}, {"unmanaged", unmanaged}};
}

Result<Domain> owned_domain(AgentContext& ctx, const std::string& name) {
  virDomainPtr d = virDomainLookupByName(ctx.conn, name.c_str());
  if (!d) return libvirt_error("domain " + name + ": ");
  Domain domain(d);
  if (xcloud_metadata_xml(domain.get()).empty())
    return error(Code::kPermissionDenied, "domain " + name + ": not managed by xcloud; refusing to touch it");
  return domain;
}

}  // namespace xc
