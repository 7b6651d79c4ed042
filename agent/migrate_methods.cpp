// Moving a domain between hosts. host.migration_tls: whether this host's
// libvirt migrates over TLS with the cloud CA's certificates (migration_tls.h). Live:
// domain.migrate_prepare on the target (pool, filters, the disks' volumes at the same size), then
// domain.migrate on the source (libvirt peer-to-peer straight to the target's libvirtd), domain.job
// for progress and, on the target, the completed job's figures. Cold: domain.export and
// domain.import around the disks' copy (agent/transfer_methods.cpp). Thread-safe like every
// method.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <pugixml.hpp>
#include <sstream>

#include "agent/domain_inventory.h"
#include "agent/domain_power.h"
#include "agent/migration_tls.h"
#include "agent/nic_filters.h"
#include "agent/rpc_service.h"
#include "agent/storage_pool.h"
#include "agent/volume_transfer.h"
#include "common/domain_spec.h"

namespace xc {
namespace {

using nlohmann::json;

// Where other hosts' libvirtd reach this one for a migration.
std::string migration_uri(const AgentContext& ctx) {
  if (!ctx.config.migration_uri.empty()) return ctx.config.migration_uri;
  char name[256] = {0};
  if (gethostname(name, sizeof name - 1) != 0) return "";
  return std::string("qemu+tls://") + name + "/system";
}

// Whether libvirt here can migrate over TLS with the cloud CA's certificates.
MigrationTls migration_tls(const AgentContext& ctx) {
  if (!ctx.config.migration_tls)
    return {false, "", "migrationTls: false in the agent's configuration"};
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  return check_migration_tls(ctx.config.qemu_conf, ctx.config.tls_ca, now);
}

json migration_tls_json(const MigrationTls& tls) {
  return {{"tls", tls.ready}, {"cert_dir", tls.cert_dir}, {"problem", tls.problem}};
}

Result<json> host_migration_tls(AgentContext& ctx, const json&) {
  return migration_tls_json(migration_tls(ctx));
}

Result<json> migrate_prepare(AgentContext& ctx, const json& params) {
  auto parsed = domain_spec_from_json(params.value("spec", json::object()));
  if (!parsed.ok()) return parsed.status();
  const DomainSpec& spec = *parsed;
  const std::string name = domain_name(spec);
  if (spec.adopted)  // its disks are files xcloud does not keep: they do not move
    return error(Code::kFailedPrecondition,
                 "domain " + name + ": an adopted domain keeps its disks on its host; not moved");
  if (virDomainPtr raw = virDomainLookupByName(ctx.conn, name.c_str())) {
    Domain here(raw);
    if (domain_state(here.get()) == VIR_DOMAIN_RUNNING)
      return error(Code::kAlreadyExists,
                   "domain " + name + ": already running on this host; refusing a second copy");
  } else {
    virResetLastError();
  }
  MigrationTls tls = migration_tls(ctx);
  json result = {{"domain", name},
                 {"uri", migration_uri(ctx)},
                 {"tls", tls.ready},
                 {"tls_problem", tls.problem},
                 {"volumes", json::array()}};
  Status filters = ensure_nic_filters(ctx, spec, result);
  if (!filters.ok()) return filters;
  // On storage shared with the source the disks are already here, in use by
  // the source's domain: nothing is created over them.
  if (params.value("shared_storage", false)) return result;
  for (const auto& disk : spec.disks) {
    std::string file = disk_file_name(spec, disk);
    VolumeRequest req{file.substr(0, file.size() - 6), disk.size_gib, disk.image};
    req.backing_format = disk.image_format;
    req.backing_sha256 = disk.image_sha256;
    auto made = ensure_volume(ctx, req);
    if (!made.ok()) return made.status();
    result["volumes"].push_back(*made);
  }
  return result;
}

// A typed parameter list freed on scope exit.
struct TypedParams {
  virTypedParameterPtr params = nullptr;
  int n = 0, max = 0;
  ~TypedParams() { virTypedParamsFree(params, n); }
};

Result<json> domain_migrate(AgentContext& ctx, const json& params) {
  auto name = param_string(params, "name");
  if (!name.ok()) return name.status();
  auto uri = param_string(params, "uri");
  if (!uri.ok()) return uri.status();
  if (uri->size() > 1024 || uri->rfind("qemu+", 0) != 0)
    return error(Code::kInvalidArgument, "params.uri: expected a qemu+TRANSPORT:// libvirt URI");
  int64_t bandwidth = params.value("bandwidth_mib", int64_t{0});
  if (bandwidth < 0 || bandwidth > 1'000'000)
    return error(Code::kInvalidArgument, "params.bandwidth_mib: out of range");
  auto lock = ctx.lock_object("domain/" + *name);
  auto domain = owned_domain(ctx, *name);
  if (!domain.ok()) return domain.status();
  if (domain_state(domain->get()) != VIR_DOMAIN_RUNNING)
    return error(Code::kFailedPrecondition,
                 "domain " + *name + ": not running; a stopped VM moves cold");
  unsigned flags = VIR_MIGRATE_PEER2PEER | VIR_MIGRATE_LIVE | VIR_MIGRATE_PERSIST_DEST |
                   VIR_MIGRATE_UNDEFINE_SOURCE;
  if (params.value("copy_storage", true)) flags |= VIR_MIGRATE_NON_SHARED_DISK;
  const bool tls = params.value("tls", false);
  if (tls) {
    // QEMU would fail half-way with a TLS error; say which file is wrong first.
    MigrationTls here = migration_tls(ctx);
    if (!here.ready)
      return error(Code::kFailedPrecondition,
                   "domain " + *name + ": this host cannot migrate over TLS: " + here.problem);
    flags |= VIR_MIGRATE_TLS;
  }
  if (params.value("auto_converge", true)) flags |= VIR_MIGRATE_AUTO_CONVERGE;
  TypedParams tp;
  if (bandwidth > 0)
    virTypedParamsAddULLong(&tp.params, &tp.n, &tp.max, VIR_MIGRATE_PARAM_BANDWIDTH,
                            static_cast<unsigned long long>(bandwidth));
  if (virDomainMigrateToURI3(domain->get(), uri->c_str(), tp.params, tp.n, flags) < 0)
    return libvirt_error("domain " + *name + ": migration to " + *uri + " failed: ");
  return json{{"domain", *name}, {"action", "migrated"}, {"uri", *uri}, {"tls", tls}};
}

const char* job_type_name(int type) {
  switch (type) {
    case VIR_DOMAIN_JOB_NONE:
      return "none";
    case VIR_DOMAIN_JOB_BOUNDED:
      return "bounded";
    case VIR_DOMAIN_JOB_UNBOUNDED:
      return "unbounded";
    case VIR_DOMAIN_JOB_COMPLETED:
      return "completed";
    case VIR_DOMAIN_JOB_FAILED:
      return "failed";
    case VIR_DOMAIN_JOB_CANCELLED:
      return "cancelled";
  }
  return "unknown";
}

Result<json> domain_job(AgentContext& ctx, const json& params) {
  auto name = param_string(params, "name");
  if (!name.ok()) return name.status();
  auto domain = owned_domain(ctx, *name);
  if (!domain.ok()) return domain.status();
  bool completed = params.value("completed", false);
  int type = 0;
  TypedParams tp;
  if (virDomainGetJobStats(domain->get(), &type, &tp.params, &tp.n,
                           completed ? VIR_DOMAIN_JOB_STATS_COMPLETED : 0) < 0)
    return libvirt_error("domain " + *name + ": ");
  json stats = json::object();
  for (int i = 0; i < tp.n; ++i) {
    const virTypedParameter& p = tp.params[i];
    switch (p.type) {
      case VIR_TYPED_PARAM_INT:
        stats[p.field] = p.value.i;
        break;
      case VIR_TYPED_PARAM_UINT:
        stats[p.field] = p.value.ui;
        break;
      case VIR_TYPED_PARAM_LLONG:
        stats[p.field] = p.value.l;
        break;
      case VIR_TYPED_PARAM_ULLONG:
        stats[p.field] = p.value.ul;
        break;
      case VIR_TYPED_PARAM_DOUBLE:
        stats[p.field] = p.value.d;
        break;
      case VIR_TYPED_PARAM_BOOLEAN:
        stats[p.field] = p.value.b != 0;
        break;
      default:
        break;  // strings: none of the figures a move reports
    }
  }
  return json{{"domain", *name}, {"type", job_type_name(type)}, {"stats", stats}};
}

// The definition a cold move carries to the target (secure: with the
// domain's secrets, which travel over the controller's mTLS connections).
Result<json> domain_export(AgentContext& ctx, const json& params) {
  auto name = param_string(params, "name");
  if (!name.ok()) return name.status();
  auto domain = owned_domain(ctx, *name);
  if (!domain.ok()) return domain.status();
  char* xml = virDomainGetXMLDesc(
      domain->get(), VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE | VIR_DOMAIN_XML_MIGRATABLE);
  if (!xml) return libvirt_error("domain " + *name + ": ");
  return json{{"domain", *name},
              {"xml", take_string(xml)},
              {"state", domain_state_name(domain_state(domain->get()))},
              {"storage_dir", ctx.config.storage_dir}};
}

// Defines a domain exported by another host's agent: it must be xcloud's and
// carry the name asked for; its files move from that host's storage directory
// to this one's. A domain of that name already defined here is left alone.
Result<json> domain_import(AgentContext& ctx, const json& params) {
  auto name = param_string(params, "name");
  if (!name.ok()) return name.status();
  auto xml = param_string(params, "xml");
  if (!xml.ok()) return xml.status();
  std::string from_dir = params.value("storage_dir", std::string());
  auto lock = ctx.lock_object("domain/" + *name);
  if (virDomainPtr raw = virDomainLookupByName(ctx.conn, name->c_str())) {
    Domain here(raw);
    if (xcloud_metadata_xml(here.get()).empty())
      return error(
          Code::kPermissionDenied,
          "domain " + *name + ": exists but is not managed by xcloud; refusing to touch it");
    return json{{"domain", *name}, {"action", "unchanged"}};
  }
  virResetLastError();
  pugi::xml_document doc;
  if (!doc.load_string(xml->c_str()))
    return error(Code::kInvalidArgument, "domain " + *name + ": params.xml: not XML");
  pugi::xml_node domain = doc.child("domain");
  if (std::string(domain.child_value("name")) != *name)
    return error(Code::kInvalidArgument, "domain " + *name + ": params.xml names another domain");
  bool ours = false;
  for (auto m : domain.child("metadata").children())
    for (auto a : m.attributes()) ours |= std::string(a.value()) == kXcloudMetadataNs;
  if (!ours)
    return error(Code::kPermissionDenied,
                 "domain " + *name + ": params.xml is not an xcloud domain; refusing to define it");
  std::string prefix = from_dir.empty() ? "" : from_dir + "/";
  for (auto src : doc.select_nodes("/domain/devices/disk/source[@file]")) {
    pugi::xml_attribute file = src.node().attribute("file");
    std::string path = file.value();
    if (!prefix.empty() && path.rfind(prefix, 0) == 0)
      path = ctx.config.storage_dir + "/" + path.substr(prefix.size());
    if (path.rfind(ctx.config.storage_dir + "/", 0) != 0 || path.find("/../") != std::string::npos)
      return error(Code::kInvalidArgument,
                   "domain " + *name + ": disk " + path + " is outside the storage directory");
    file.set_value(path.c_str());
  }
  std::ostringstream text;
  doc.save(text, "  ", pugi::format_default | pugi::format_no_declaration);
  virDomainPtr defined = virDomainDefineXML(ctx.conn, text.str().c_str());
  if (!defined) return libvirt_error("domain " + *name + ": ");
  Domain d(defined);
  return json{{"domain", *name}, {"action", "defined"}};
}

}  // namespace

void add_migrate_methods(MethodTable& table) {
  table["domain.migrate_prepare"] = migrate_prepare;
  table["domain.migrate"] = domain_migrate;
  table["domain.job"] = domain_job;
  table["host.migration_tls"] = host_migration_tls;
  table["domain.export"] = domain_export;
  table["domain.import"] = domain_import;
}

}  // namespace xc
