#include "agent/domain_inventory.h"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <optional>
#include <pugixml.hpp>
#include <string_view>
#include <unordered_map>

#include "agent/applied_spec.h"
#include "agent/json_text.h"

namespace xc {

using nlohmann::json;

const char* domain_state_name(int state) {
  switch (state) {
    case VIR_DOMAIN_RUNNING:
      return "running";
    case VIR_DOMAIN_BLOCKED:
      return "running";
    case VIR_DOMAIN_PAUSED:
      return "paused";
    case VIR_DOMAIN_SHUTDOWN:
      return "shutting-down";
    case VIR_DOMAIN_SHUTOFF:
      return "stopped";
    case VIR_DOMAIN_CRASHED:
      return "crashed";
    case VIR_DOMAIN_PMSUSPENDED:
      return "suspended";
    default:
      return "unknown";
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
  unsigned flags = live || virDomainIsPersistent(domain) != 1 ? VIR_DOMAIN_AFFECT_CURRENT
                                                              : VIR_DOMAIN_AFFECT_CONFIG;
  return read_metadata(domain, flags);
}

bool restart_pending(virDomainPtr domain) {
  if (virDomainIsActive(domain) != 1 || virDomainIsPersistent(domain) != 1) return false;
  return xcloud_metadata_xml(domain, true) != xcloud_metadata_xml(domain, false);
}

namespace {

// What the list reports from the xcloud element.
struct InstanceFields {
  std::string kind, tenant, name, spec_hash;
  int64_t generation = 0;
};

// The fields of virDomainGetMetadata's answer, `<instance a="v" .../>`.
std::optional<InstanceFields> instance_fields(std::string_view metadata) {
  pugi::xml_document doc;
  if (!doc.load_buffer(metadata.data(), metadata.size())) return std::nullopt;
  pugi::xml_node n = doc.first_child();
  return InstanceFields{n.attribute("kind").as_string(), n.attribute("tenant").as_string(),
                        n.attribute("name").as_string(), n.attribute("spec-hash").as_string(),
                        n.attribute("generation").as_llong()};
}

// A string libvirt allocated, freed with free().
using LibvirtText = std::unique_ptr<char, decltype(&std::free)>;

LibvirtText metadata_text(virDomainPtr domain, unsigned flags) {
  char* xml = virDomainGetMetadata(domain, VIR_DOMAIN_METADATA_ELEMENT, kXcloudMetadataNs, flags);
  if (!xml) virResetLastError();
  return LibvirtText(xml, &std::free);
}

std::string_view view(const LibvirtText& text) {
  return text ? std::string_view(text.get()) : std::string_view();
}

// State, vCPUs and memory from the bulk stats; -1 where unknown.
struct Size {
  int state = -1;
  int64_t cpus = -1;
  int64_t memory_kib = -1;
};

struct StatsFree {
  void operator()(virDomainStatsRecordPtr* records) const { virDomainStatsRecordListFree(records); }
};

}  // namespace

// Written as JSON text directly, keys in nlohmann's (sorted) order: on a host
// of 1,000 domains a JSON tree cost as much as the libvirt calls.
Result<std::string> list_domains_text(AgentContext& ctx, bool deep) {
  virDomainPtr* domains = nullptr;
  int n = virConnectListAllDomains(ctx.conn, &domains, 0);
  if (n < 0) return libvirt_error("domains: ");
  std::vector<Domain> owned;
  owned.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) owned.emplace_back(domains[i]);
  std::free(domains);

  // One bulk call for state, vCPUs and memory of every domain; the names in
  // the map belong to the records, which live as long as it.
  std::vector<virDomainPtr> list;
  list.reserve(owned.size() + 1);
  for (auto& d : owned) list.push_back(d.get());
  list.push_back(nullptr);
  virDomainStatsRecordPtr* raw_records = nullptr;
  int count = n == 0 ? 0
                     : virDomainListGetStats(list.data(),
                                             VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_VCPU |
                                                 VIR_DOMAIN_STATS_BALLOON,
                                             &raw_records, 0);
  std::unique_ptr<virDomainStatsRecordPtr, StatsFree> records(raw_records);
  if (!raw_records) virResetLastError();
  std::unordered_map<std::string_view, Size> sizes;
  sizes.reserve(static_cast<size_t>(std::max(count, 0)));
  for (int i = 0; i < count; ++i) {
    Size& size = sizes[virDomainGetName(raw_records[i]->dom)];
    for (int k = 0; k < raw_records[i]->nparams; ++k) {
      const virTypedParameter& p = raw_records[i]->params[k];
      std::string_view field = p.field;
      int64_t value = p.type == VIR_TYPED_PARAM_INT      ? p.value.i
                      : p.type == VIR_TYPED_PARAM_UINT   ? p.value.ui
                      : p.type == VIR_TYPED_PARAM_ULLONG ? static_cast<int64_t>(p.value.ul)
                                                         : -1;
      if (field == "state.state")
        size.state = static_cast<int>(value);
      else if (field == "vcpu.maximum")
        size.cpus = value;
      else if (field == "balloon.maximum")
        size.memory_kib = value;
    }
  }

  std::string managed, unmanaged;
  managed.reserve(owned.size() * 256);
  managed += "{\"managed\":[";
  unmanaged += "\"unmanaged\":[";
  for (auto& d : owned) {
    std::string_view name = virDomainGetName(d.get());
    char uuid[VIR_UUID_STRING_BUFLEN] = {0};
    virDomainGetUUIDString(d.get(), uuid);
    Size size;
    if (auto it = sizes.find(name); it != sizes.end()) size = it->second;
    if (size.state < 0 || size.cpus < 0 || size.memory_kib < 0) {
      // Drivers without bulk stats for some fields: one cheap call fills the gap.
      virDomainInfo info;
      if (virDomainGetInfo(d.get(), &info) == 0) {
        if (size.state < 0) size.state = info.state;
        if (size.cpus < 0) size.cpus = info.nrVirtCpu;
        if (size.memory_kib < 0) size.memory_kib = static_cast<int64_t>(info.maxMem);
      }
    }
    // Two metadata reads at most: the definition's, and the running copy's
    // when they can differ (a restart is pending when they do).
    // xcloud defines every domain it owns, so try the definition first; only
    // a transient domain (not xcloud's) needs the second read.
    LibvirtText metadata = metadata_text(d.get(), VIR_DOMAIN_AFFECT_CONFIG);
    bool persistent = !view(metadata).empty() || virDomainIsPersistent(d.get()) == 1;
    if (view(metadata).empty() && !persistent)
      metadata = metadata_text(d.get(), VIR_DOMAIN_AFFECT_CURRENT);
    std::optional<InstanceFields> fields;
    if (!view(metadata).empty())
      fields = instance_fields(view(metadata)).value_or(InstanceFields{});
    std::string& out = fields ? managed : unmanaged;
    if (out.back() == '}') out += ',';
    out += "{\"cpus\":";
    append_json_int(out, size.cpus);
    std::optional<DomainSpec> spec;
    if (fields && deep && persistent) {
      spec = applied_spec(d.get());
      out += ",\"definitionDrift\":";
      out += spec && definition_drifted(d.get(), *spec, ctx.config.storage_dir) ? "true" : "false";
    }
    out += ",\"domain\":";
    append_json_string(out, name);
    if (fields) {
      bool running = size.state == VIR_DOMAIN_RUNNING || size.state == VIR_DOMAIN_BLOCKED;
      bool restart_pending = running && persistent &&
                             view(metadata_text(d.get(), VIR_DOMAIN_AFFECT_LIVE)) != view(metadata);
      out += ",\"generation\":";
      append_json_int(out, fields->generation);
      out += ",\"kind\":";
      append_json_string(out, fields->kind);
      out += ",\"memoryMiB\":";
      append_json_int(out, size.memory_kib / 1024);
      if (spec) {  // deep: the NICs' addresses as applied (declared or allocated)
        out += ",\"nics\":[";
        for (size_t k = 0; k < spec->nics.size(); ++k) {
          const DomainNic& n = spec->nics[k];
          out += k ? ",{\"ipv4\":" : "{\"ipv4\":";
          append_json_string(out, n.ipv4);
          out += ",\"ipv6\":";
          append_json_string(out, n.ipv6);
          out += ",\"mac\":";
          append_json_string(out, n.mac);
          out += '}';
        }
        out += ']';
      }
      out += ",\"restartPending\":";
      out += restart_pending ? "true" : "false";
      out += ",\"specHash\":";
      append_json_string(out, fields->spec_hash);
      out += ",\"state\":";
      append_json_string(out, domain_state_name(size.state));
      out += ",\"tenant\":";
      append_json_string(out, fields->tenant);
      out += ",\"uuid\":";
      append_json_string(out, uuid);
      out += ",\"vmName\":";
      append_json_string(out, fields->name);
    } else {
      out += ",\"memoryMiB\":";
      append_json_int(out, size.memory_kib / 1024);
      out += ",\"state\":";
      append_json_string(out, domain_state_name(size.state));
      out += ",\"uuid\":";
      append_json_string(out, uuid);
    }
    out += '}';
  }
  managed += "],";
  managed += unmanaged;
  managed += "]}";
  return managed;
}

Result<Domain> owned_domain(AgentContext& ctx, const std::string& name) {
  virDomainPtr d = virDomainLookupByName(ctx.conn, name.c_str());
  if (!d) return libvirt_error("domain " + name + ": ");
  Domain domain(d);
  if (xcloud_metadata_xml(domain.get()).empty())
    return error(Code::kPermissionDenied,
                 "domain " + name + ": not managed by xcloud; refusing to touch it");
  return domain;
}

}  // namespace xc
