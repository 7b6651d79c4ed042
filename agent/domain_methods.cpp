// domains.list, domain.delete, domain.console, metrics.sample.
// (domain.ensure lives in domain_ensure.cpp, domain.power in domain_power.cpp.)
#include <unistd.h>

#include <cerrno>
#include <pugixml.hpp>

#include "agent/domain_inventory.h"
#include "agent/domain_power.h"
#include "agent/domain_snapshots.h"
#include "agent/guest_seed.h"
#include "agent/metrics_sample.h"
#include "agent/rpc_service.h"
#include "agent/snapshot_files.h"
#include "agent/storage_pool.h"
#include "agent/subprocess.h"

namespace xc {
namespace {

using nlohmann::json;

Result<std::string> domains_list_text(AgentContext& ctx, const json& params) {
  return list_domains_text(ctx, params.is_object() && params.value("deep", false));
}

Result<json> domains_list(AgentContext& ctx, const json& params) {
  auto text = domains_list_text(ctx, params);
  if (!text.ok()) return text.status();
  return json::parse(*text);
}

// Volumes of our pool that back a domain's disks, by volume name.
std::vector<std::string> owned_volumes(AgentContext& ctx, virDomainPtr d) {
  std::vector<std::string> out;
  pugi::xml_document doc;
  doc.load_string(take_string(virDomainGetXMLDesc(d, 0)).c_str());
  const std::string prefix = ctx.config.storage_dir + "/";
  for (auto src : doc.select_nodes("/domain/devices/disk/source[@file]")) {
    std::string file = src.node().attribute("file").as_string();
    if (file.rfind(prefix, 0) != 0 || file.size() < 6 || file.substr(file.size() - 6) != ".qcow2")
      continue;
    file = base_disk_of(file).value_or(file);  // a snapshot overlay: its disk's volume
    out.push_back(file.substr(prefix.size(), file.size() - prefix.size() - 6));
  }
  return out;
}

Result<json> domain_delete(AgentContext& ctx, const json& params) {
  auto name = param_string(params, "name");
  if (!name.ok()) return name.status();
  bool wipe = params.value("wipe", false);
  // HA's stale copy on a fenced host that came back: its disks are on shared
  // storage and in use by the copy that runs elsewhere; only the definition goes.
  bool keep_disks = params.value("keep_disks", false);
  if (keep_disks && wipe)
    return error(Code::kInvalidArgument, "domain " + *name + ": wipe and keep_disks conflict");
  auto lock = ctx.lock_object("domain/" + *name);
  virDomainPtr raw = virDomainLookupByName(ctx.conn, name->c_str());
  if (!raw) {
    virResetLastError();
    return json{{"domain", *name}, {"action", "absent"}};
  }
  Domain found(raw);
  if (xcloud_metadata_xml(found.get()).empty())
    return error(Code::kPermissionDenied,
                 "domain " + *name + ": not managed by xcloud; refusing to touch it");
  std::vector<std::string> volumes = owned_volumes(ctx, found.get());
  std::vector<std::string> overlays;  // snapshot overlays go with the disks
  if (!ctx.test_driver) {
    auto chain = list_snapshots(found.get());
    if (chain.ok())
      for (const auto& s : *chain)
        for (const auto& o : s.overlays) overlays.push_back(o.source);
  }
  if (domain_state(found.get()) != VIR_DOMAIN_SHUTOFF && virDomainDestroy(found.get()) < 0)
    return libvirt_error("domain " + *name + ": ");
  // The test driver knows no NVRAM, managed save or snapshot metadata.
  unsigned flags = ctx.test_driver ? 0
                                   : VIR_DOMAIN_UNDEFINE_NVRAM | VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
                                         VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
                                         VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA;
  if (virDomainUndefineFlags(found.get(), flags) < 0)
    return libvirt_error("domain " + *name + ": ");
  if (keep_disks) return json{{"domain", *name}, {"action", "undefined"}, {"wiped", false}};
  json removed = json::array();
  bool wiped = wipe;
  for (const auto& v : volumes) {
    auto r = delete_volume(ctx, v, wipe);
    if (!r.ok()) return r.status();
    wiped = wiped && (*r)["wiped"].get<bool>();
    removed.push_back(*r);
  }
  for (const auto& o : overlays) {
    if (wipe) (void)run_program({"shred", "-n", "1", "-z", o});
    if (unlink(o.c_str()) != 0 && errno != ENOENT)
      return error(Code::kIo, "domain " + *name + ": " + o + ": cannot remove");
  }
  // The seed holds the password hash: wiped with the disks when they are.
  auto seed = delete_seed_file(ctx.config.storage_dir, *name, wipe);
  if (!seed.ok()) return seed.status();
  json out = {{"domain", *name}, {"action", "deleted"}, {"wiped", wiped}, {"volumes", removed}};
  if (*seed) out["seed"] = "deleted";
  return out;
}

Result<json> domain_console(AgentContext& ctx, const json& params) {
  auto name = param_string(params, "name");
  if (!name.ok()) return name.status();
  auto domain = owned_domain(ctx, *name);
  if (!domain.ok()) return domain.status();
  pugi::xml_document doc;
  doc.load_string(take_string(virDomainGetXMLDesc(domain->get(), 0)).c_str());
  pugi::xml_node g = doc.select_node("/domain/devices/graphics[@type='vnc']").node();
  if (!g) return error(Code::kNotFound, "domain " + *name + ": has no VNC console");
  int port = g.attribute("port").as_int(-1);
  if (port < 0)
    return error(Code::kFailedPrecondition,
                 "domain " + *name + ": VNC console is not listening (is it running?)");
  return json{{"domain", *name},
              {"type", "vnc"},
              {"listen", g.attribute("listen").as_string("127.0.0.1")},
              {"port", port}};
}

Result<json> metrics_sample(AgentContext& ctx, const json&) {
  auto sample = read_metrics_sample(ctx);
  if (!sample.ok()) return sample.status();
  return metrics_sample_json(*sample);
}

}  // namespace

void add_domain_methods(MethodTable& table, TextMethodTable* text) {
  table["domains.list"] = domains_list;
  if (text) (*text)["domains.list"] = domains_list_text;
  table["domain.delete"] = domain_delete;
  table["domain.console"] = domain_console;
  table["metrics.sample"] = metrics_sample;
}

}  // namespace xc
