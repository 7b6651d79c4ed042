// xcloudctl describe KIND NAME: one object as xcloudctl last saw it: identity,
// placement, the host's last report of it, its manifest, and its recent audit
// records. Read-only: it never contacts a host.
#include <CLI/CLI.hpp>
#include <deque>
#include <optional>
#include <sstream>

#include "common/domain_spec.h"
#include "common/model.h"
#include "common/money.h"
#include "common/printable.h"
#include "common/time.h"
#include "ctl/cli/cli.h"
#include "ctl/cli/json_yaml.h"
#include "ctl/cli/kind_names.h"
#include "ctl/cli/known_names.h"
#include "ctl/cli/table.h"
#include "ctl/reconcile/desired_state.h"
#include "ctl/store/inventory.h"

namespace xc {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr size_t kRecentChanges = 10;

struct DescribeOptions {
  std::string kind, name, tenant, format;
};

std::string time_or_dash(int64_t ms) {
  return ms > 0 ? format_time_ms(ms) : "-";
}

std::string labels_text(const json& labels) {
  std::string out;
  if (labels.is_object())
    for (const auto& [k, v] : labels.items())
      out +=
          (out.empty() ? "" : ", ") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  return out.empty() ? "-" : out;
}

// "  Key:   value" lines with the values aligned.
class Section {
 public:
  explicit Section(std::string title) : title_(std::move(title)) {}
  void add(const std::string& key, const std::string& value) {
    rows_.emplace_back(printable(key), printable(value));
  }
  void print(std::ostream& out) const {
    size_t width = 0;
    for (const auto& [k, _] : rows_) width = std::max(width, display_width(k));
    out << title_ << ":\n";
    for (const auto& [k, v] : rows_)
      out << "  " << k << ":" << std::string(width - display_width(k) + 2, ' ') << v << "\n";
    out << "\n";
  }

 private:
  std::string title_;
  std::vector<std::pair<std::string, std::string>> rows_;
};

void print_indented(std::ostream& out, const std::string& text, const std::string& indent = "  ") {
  std::stringstream in(text);
  std::string line;
  while (std::getline(in, line)) out << indent << line << "\n";
}

// The last kRecentChanges audit records of one object, oldest first.
Result<std::vector<AuditRecord>> recent_changes(Store& store, const std::string& kind,
                                                const std::string& tenant,
                                                const std::string& name) {
  AuditFilter filter;
  filter.kind = kind;
  filter.object = object_key(tenant, name);
  std::deque<AuditRecord> last;
  Status st = store.scan_audit_records(filter, [&](const AuditRecord& r) {
    // The filter's object also matches NAME alone; keep this object's records only.
    if (r.tenant != tenant || r.name != name) return true;
    last.push_back(r);
    if (last.size() > kRecentChanges) last.pop_front();
    return true;
  });
  if (!st.ok()) return st;
  return std::vector<AuditRecord>(last.begin(), last.end());
}

ordered_json changes_json(const std::vector<AuditRecord>& records) {
  ordered_json out = ordered_json::array();
  for (const auto& r : records) {
    out.push_back({{"seq", r.seq},
                   {"time", format_time_ms(r.time_ms)},
                   {"actor", r.actor},
                   {"as", r.as_user},
                   {"action", r.action},
                   {"result", r.result},
                   {"hashBefore", r.hash_before},
                   {"hashAfter", r.hash_after},
                   {"message", r.message}});
  }
  return out;
}

void print_changes(std::ostream& out, const std::vector<AuditRecord>& records) {
  out << "Recent changes:\n";
  if (records.empty()) {
    out << "  (none recorded)\n";
    return;
  }
  Table table({"TIME (UTC)", "ACTOR", "ACTION", "RESULT", "MESSAGE"});
  for (const auto& r : records)
    table.add({format_time_ms(r.time_ms), r.actor + (r.as_user.empty() ? "" : " as " + r.as_user),
               r.action, r.result, r.message.empty() ? "-" : r.message});
  std::stringstream s;
  table.print(s);
  print_indented(out, s.str());
}

// The candidates for NAME among stored resources of `kind` (and --tenant).
std::vector<ResourceRecord> matching(const std::vector<ResourceRecord>& all,
                                     const std::string& name, const std::string& tenant) {
  std::vector<ResourceRecord> out;
  for (const auto& r : all) {
    if (r.name != name) continue;
    if (!tenant.empty() && r.tenant != tenant) continue;
    out.push_back(r);
  }
  return out;
}

struct Identity {
  json manifest = json::object();
  json domain;  // VMs: the stored DomainSpec JSON
};

Identity identity_of(const ResourceRecord& r) {
  Identity id;
  json record = json::parse(r.spec_json, nullptr, false);
  if (record.is_object()) {
    id.manifest = record.value("manifest", json::object());
    id.domain = record.value("domain", json());
  }
  return id;
}

ordered_json identity_json(const ResourceRecord& r, const json& manifest) {
  json meta = manifest.value("metadata", json::object());
  return {{"kind", r.kind},
          {"tenant", r.tenant},
          {"name", r.name},
          {"labels", meta.value("labels", json::object())},
          {"generation", r.generation},
          {"specHash", r.spec_hash},
          {"manifestSet", r.manifest_set},
          {"updatedAt", time_or_dash(r.updated_at_ms)}};
}

void add_identity(Section& s, const ResourceRecord& r, const json& manifest) {
  json meta = manifest.value("metadata", json::object());
  std::string display = manifest.contains("spec") && manifest["spec"].is_object()
                            ? manifest["spec"].value("displayName", "")
                            : "";
  s.add("Kind", r.kind);
  s.add("Name", r.name);
  if (!display.empty()) s.add("Display name", display);
  s.add("Tenant", r.tenant.empty() ? "-" : r.tenant);
  s.add("Labels", labels_text(meta.value("labels", json::object())));
  s.add("Generation", std::to_string(r.generation));
  s.add("Spec hash", r.spec_hash.empty() ? "-" : r.spec_hash);
  s.add("Manifest set", r.manifest_set.empty() ? "-" : r.manifest_set);
  s.add("Updated", time_or_dash(r.updated_at_ms));
}

void print_spec(std::ostream& out, const json& manifest) {
  out << "Spec:\n";
  if (manifest.is_object() && !manifest.empty())
    print_indented(out, json_to_yaml(manifest));
  else
    out << "  (not stored)\n";
  out << "\n";
}

void emit_structured(CliContext& ctx, const std::string& format, const ordered_json& doc) {
  if (format == "json")
    ctx.out << doc.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  else
    ctx.out << json_to_yaml(json::parse(doc.dump(-1, ' ', false, json::error_handler_t::replace)));
}

const HostView* find_host(const Inventory& inv, const std::string& name) {
  for (const auto& h : inv.hosts)
    if (h.record.name == name) return &h;
  return nullptr;
}

void describe_vm(CliContext& ctx, const DescribeOptions& o, Store& store, const ResourceRecord& r) {
  auto inv = load_inventory(store);
  if (!inv.ok()) return fail(ctx, inv.status().message(), kExitFailure);
  auto changes = recent_changes(store, r.kind, r.tenant, r.name);
  if (!changes.ok()) return fail(ctx, changes.status().message(), kExitFailure);
  Identity id = identity_of(r);

  auto placement = store.get_placement(r.key());
  std::string host = placement.ok() ? placement->host : "";
  const HostView* hv = host.empty() ? nullptr : find_host(*inv, host);

  // The host's last report of this VM.
  json observed;  // null: none
  bool contacted = hv && hv->contacted_at_ms > 0;
  if (hv) {
    json snapshot = json::parse(hv->record.facts_json, nullptr, false);
    if (snapshot.is_object())
      for (const auto& d : snapshot.value("domains", json::array()))
        if (d.value("tenant", "") == r.tenant && d.value("vmName", "") == r.name) observed = d;
  }
  std::string domain;
  if (id.domain.is_object()) {
    auto spec = domain_spec_from_json(id.domain);
    if (spec.ok()) domain = domain_name(*spec);
  }
  if (domain.empty()) {
    DomainSpec s;
    s.tenant = r.tenant;
    s.name = r.name;
    domain = domain_name(s);
  }
  bool host_lost = hv && hv->unreachable_since_ms > 0;
  std::string state = host_lost              ? "unknown"
                      : observed.is_object() ? observed.value("state", "unknown")
                      : contacted            ? "missing"
                                             : "unknown";

  if (o.format != "text") {
    ordered_json doc = identity_json(r, id.manifest);
    doc["domain"] = domain;
    doc["placement"] = host.empty() ? ordered_json(nullptr)
                                    : ordered_json{{"host", host},
                                                   {"pool", hv ? hv->record.pool : ""},
                                                   {"zone", hv ? hv->record.zone : ""}};
    ordered_json obs = {{"state", state},
                        {"reportedAt", hv && contacted ? format_time_ms(hv->contacted_at_ms) : ""}};
    if (observed.is_object()) {
      obs["cpus"] = observed.value("cpus", int64_t{0});
      obs["memoryMiB"] = observed.value("memoryMiB", int64_t{0});
      obs["restartPending"] = observed.value("restartPending", false);
      obs["id"] = observed.value("uuid", "");
      obs["specHash"] = observed.value("specHash", "");
      obs["generation"] = observed.value("generation", int64_t{0});
    }
    doc["observed"] = obs;
    ordered_json nics = ordered_json::array();
    for (const NicView& n : nics_of(id.domain, id.manifest))
      nics.push_back(ordered_json::parse(n.to_json().dump()));
    doc["nics"] = nics;
    doc["spec"] = ordered_json::parse(id.manifest.dump());
    doc["recentChanges"] = changes_json(*changes);
    return emit_structured(ctx, o.format, doc);
  }

  Section ident("Identity");
  add_identity(ident, r, id.manifest);
  ident.add("Domain", domain);
  ident.print(ctx.out);

  Section place("Placement");
  if (host.empty()) {
    place.add("Host", "(not placed)");
  } else {
    place.add("Host", host);
    place.add("Pool", hv && !hv->record.pool.empty() ? hv->record.pool : "-");
    place.add("Zone", hv && !hv->record.zone.empty() ? hv->record.zone : "-");
    if (hv && !hv->record.arch.empty()) place.add("Arch", hv->record.arch);
  }
  place.print(ctx.out);

  // What the VM was last applied with: declared and allocated addresses, MACs.
  std::vector<NicView> nics = nics_of(id.domain, id.manifest);
  if (!nics.empty()) {
    Section nic_section("NICs");
    for (size_t k = 0; k < nics.size(); ++k) {
      const NicView& n = nics[k];
      std::string line = n.network + "  mac " + n.mac;
      if (!n.ipv4.empty()) line += "  ipv4 " + n.ipv4 + (n.ipv4_allocated ? " (allocated)" : "");
      if (!n.ipv6.empty()) line += "  ipv6 " + n.ipv6 + (n.ipv6_allocated ? " (allocated)" : "");
      nic_section.add("NIC " + std::to_string(k), line);
    }
    nic_section.print(ctx.out);
  }

  Section obs(std::string("Observed state") +
              (contacted ? " (host report of " + format_time_ms(hv->contacted_at_ms) + ")" : ""));
  obs.add("State", state);
  if (host_lost)
    obs.add("Host", host + " unreachable since " + format_time_ms(hv->unreachable_since_ms) +
                        ": what follows is its last report");
  if (observed.is_object()) {
    obs.add("vCPU", std::to_string(observed.value("cpus", int64_t{0})));
    obs.add("Memory", mib_text(observed.value("memoryMiB", int64_t{0})));
    obs.add("Restart pending", observed.value("restartPending", false) ? "yes" : "no");
    obs.add("ID", observed.value("uuid", "").empty() ? "-" : observed.value("uuid", ""));
    std::string applied = observed.value("specHash", "");
    obs.add("Spec hash",
            applied.empty()
                ? "-"
                : applied + (applied == r.spec_hash ? " (current)" : " (differs from stored)"));
  } else if (!contacted) {
    obs.add("Note", host.empty() ? "the VM has no host" : "host " + host + " has not reported yet");
  } else {
    obs.add("Note",
            "host " + host +
                " did not report this VM (deleted outside xcloud?); the next apply re-creates it");
  }
  obs.print(ctx.out);

  print_spec(ctx.out, id.manifest);
  print_changes(ctx.out, *changes);
}

void describe_host(CliContext& ctx, const DescribeOptions& o, Store& store,
                   const std::string& name) {
  auto inv = load_inventory(store);
  if (!inv.ok()) return fail(ctx, inv.status().message(), kExitFailure);
  const HostView* hv = find_host(*inv, name);
  auto resource = store.get_resource({"Host", "", name});
  if (!resource.ok() && resource.status().code() != Code::kNotFound)
    return fail(ctx, resource.status().message(), kExitFailure);
  if (!hv && !resource.ok()) {
    auto declared = store.list_resources(std::string("Host"));
    std::vector<std::string> names;
    for (const auto& h : inv->hosts) names.push_back(h.record.name);
    if (declared.ok())
      for (const auto& r : *declared) names.push_back(r.name);
    return fail(ctx, object_not_found("host", name, "", names).message(), kExitUsage);
  }
  auto changes = recent_changes(store, "Host", "", name);
  if (!changes.ok()) return fail(ctx, changes.status().message(), kExitFailure);
  json manifest = resource.ok() ? identity_of(*resource).manifest : json::object();
  std::vector<const VmView*> vms;
  for (const auto& vm : inv->vms)
    if (vm.host == name) vms.push_back(&vm);

  if (o.format != "text") {
    ordered_json doc;
    if (resource.ok())
      doc = identity_json(*resource, manifest);
    else
      doc = {{"kind", "Host"}, {"tenant", ""}, {"name", name}};
    if (hv) doc["observed"] = ordered_json::parse(hv->to_json().dump());
    if (hv && hv->facts.is_object()) doc["facts"] = ordered_json::parse(hv->facts.dump());
    ordered_json list = ordered_json::array();
    for (const VmView* vm : vms)
      list.push_back({{"tenant", vm->tenant}, {"name", vm->name}, {"state", vm->state}});
    doc["vms"] = list;
    doc["spec"] = ordered_json::parse(manifest.dump());
    doc["recentChanges"] = changes_json(*changes);
    return emit_structured(ctx, o.format, doc);
  }

  Section ident("Identity");
  if (resource.ok()) {
    add_identity(ident, *resource, manifest);
  } else {
    ident.add("Kind", "Host");
    ident.add("Name", name);
    ident.add("Note", "no Host manifest is stored (only facts)");
  }
  ident.print(ctx.out);
  if (hv) {
    Section place("Placement");
    place.add("Address", hv->record.address.empty() ? "-" : hv->record.address);
    place.add("Transport", hv->record.transport.empty() ? "-" : hv->record.transport);
    place.add("Pool", hv->record.pool.empty() ? "-" : hv->record.pool);
    place.add("Zone", hv->record.zone.empty() ? "-" : hv->record.zone);
    place.print(ctx.out);
    Section obs(std::string("Observed state") +
                (hv->contacted_at_ms > 0
                     ? " (last contact " + format_time_ms(hv->contacted_at_ms) + ")"
                     : ""));
    obs.add("State", hv->state == "unreachable"
                         ? "unreachable since " + format_time_ms(hv->unreachable_since_ms)
                         : hv->state);
    if (!hv->last_error.empty())
      obs.add("Last error", format_time_ms(hv->last_error_at_ms) + ": " + hv->last_error);
    obs.add("Arch", hv->record.arch.empty() ? "?" : hv->record.arch);
    if (hv->facts.is_object() && hv->facts.contains("cpu"))
      obs.add("CPU model", hv->facts["cpu"].value("model", "-"));
    obs.add("vCPU", std::to_string(hv->cpus_allocated) + "/" + std::to_string(hv->vcpu_capacity) +
                        " allocated (" + std::to_string(hv->cpus_total) + " CPUs, overcommit " +
                        Money::from_micros(hv->cpu_overcommit_milli * 1000).to_exact_string() +
                        ")");
    obs.add("Memory", mib_text(hv->memory_mib_allocated) + "/" + mib_text(hv->memory_mib_total) +
                          " allocated");
    std::string acc;
    for (const auto& [type, ut] : hv->accelerators)
      acc += (acc.empty() ? "" : ", ") + type + " " + std::to_string(ut.first) + "/" +
             std::to_string(ut.second);
    obs.add("Accelerators", acc.empty() ? "-" : acc);
    obs.add("Unmanaged domains", std::to_string(hv->unmanaged.size()));
    obs.print(ctx.out);
  }
  ctx.out << "VMs (" << vms.size() << "):\n";
  if (vms.empty())
    ctx.out << "  (none)\n";
  else {
    Table t({"TENANT", "NAME", "STATE", "VCPU", "MEMORY"});
    for (const VmView* vm : vms)
      t.add({vm->tenant, vm->name, vm->state, std::to_string(vm->cpus), mib_text(vm->memory_mib)});
    std::stringstream s;
    t.print(s);
    print_indented(ctx.out, s.str());
  }
  ctx.out << "\n";
  print_spec(ctx.out, manifest);
  print_changes(ctx.out, *changes);
}

// A PlacementGroup's members: the VMs of its tenant whose placement names it.
std::vector<const VmView*> group_members(const Inventory& inv, const ResourceRecord& group) {
  std::vector<const VmView*> out;
  for (const auto& vm : inv.vms) {
    if (vm.tenant != group.tenant || !vm.manifest.is_object()) continue;
    const json& spec = vm.manifest.value("spec", json::object());
    const json& placement = spec.is_object() ? spec.value("placement", json::object()) : json();
    if (placement.is_object() && placement.value("group", "") == group.name) out.push_back(&vm);
  }
  return out;
}

void describe_other(CliContext& ctx, const DescribeOptions& o, Store& store,
                    const ResourceRecord& r) {
  auto changes = recent_changes(store, r.kind, r.tenant, r.name);
  if (!changes.ok()) return fail(ctx, changes.status().message(), kExitFailure);
  Identity id = identity_of(r);
  // Tenants: how many VMs live in it and below it.
  int64_t vm_count = -1;
  if (r.kind == "Tenant") {
    auto vms = store.list_resources(std::string("VirtualMachine"));
    if (vms.ok()) {
      vm_count = 0;
      for (const auto& vm : *vms)
        if (vm.tenant == r.name || vm.tenant.rfind(r.name + "/", 0) == 0) ++vm_count;
    }
  }
  std::optional<Inventory> inv;
  std::vector<const VmView*> members;
  if (r.kind == "PlacementGroup") {
    auto loaded = load_inventory(store);
    if (!loaded.ok()) return fail(ctx, loaded.status().message(), kExitFailure);
    inv = std::move(*loaded);
    members = group_members(*inv, r);
  }
  if (o.format != "text") {
    ordered_json doc = identity_json(r, id.manifest);
    if (vm_count >= 0) doc["vms"] = vm_count;
    if (r.kind == "PlacementGroup") {
      ordered_json list = ordered_json::array();
      for (const VmView* vm : members)
        list.push_back({{"name", vm->name},
                        {"host", vm->host.empty() ? ordered_json(nullptr) : ordered_json(vm->host)},
                        {"state", vm->state}});
      doc["members"] = list;
    }
    doc["spec"] = ordered_json::parse(id.manifest.dump());
    doc["recentChanges"] = changes_json(*changes);
    return emit_structured(ctx, o.format, doc);
  }
  Section ident("Identity");
  add_identity(ident, r, id.manifest);
  if (vm_count >= 0) ident.add("VMs", std::to_string(vm_count) + " (this tenant and below)");
  ident.print(ctx.out);
  if (r.kind == "PlacementGroup") {
    ctx.out << "Members (" << members.size() << "):\n";
    if (members.empty()) {
      ctx.out << "  (none)\n";
    } else {
      Table t({"NAME", "HOST", "STATE"});
      for (const VmView* vm : members)
        t.add({vm->name, vm->host.empty() ? "(not placed)" : vm->host, vm->state});
      std::stringstream s;
      t.print(s);
      print_indented(ctx.out, s.str());
    }
    ctx.out << "\n";
  }
  print_spec(ctx.out, id.manifest);
  print_changes(ctx.out, *changes);
}

}  // namespace

void add_describe_command(CLI::App& app, CliContext& ctx) {
  auto o = std::make_shared<DescribeOptions>();
  auto* cmd = app.add_subcommand(
      "describe", "Show one object: spec, placement, observed state, recent changes");
  cmd->footer(
      "Kinds: vm, host, tenant, zone, pool, image, network, securitygroup, placementgroup, "
      "volume,\n"
      "pricelist.\n\nExamples:\n  xcloudctl describe vm edu-portal-web-1\n"
      "  xcloudctl describe network app --tenant health -o yaml\n  xcloudctl describe host "
      "x86-01\n\n"
      "Exit codes: 0 shown, 1 the state cannot be read, 2 bad usage, an unknown kind, tenant\n"
      "or name (with a suggestion), or a name found in several tenants.");
  cmd->add_option("KIND", o->kind, "What to describe")->required();
  cmd->add_option("NAME", o->name, "Its name (for a tenant: its path, e.g. education/schools)")
      ->required();
  cmd->add_option("--tenant", o->tenant,
                  "The tenant the object belongs to, when the name is not unique");
  add_output_option(*cmd, o->format, {"text", "json", "yaml"});
  cmd->callback([&ctx, o] {
    std::string kind = stored_kind(o->kind);
    if (kind.empty())
      return fail(
          ctx,
          check_known("kind", o->kind, kind_words()).message() + " (see xcloudctl describe --help)",
          kExitUsage);
    auto store = open_state_store(ctx);
    if (!store) return;
    if (Status s = check_tenant(*store, o->tenant); !s.ok())
      return fail(ctx, s.message(), s.code() == Code::kInvalidArgument ? kExitUsage : kExitFailure);
    if (kind == "Host") return describe_host(ctx, *o, *store, o->name);
    auto all = store->list_resources(kind);
    if (!all.ok()) return fail(ctx, all.status().message(), kExitFailure);
    std::vector<ResourceRecord> found = matching(*all, o->name, o->tenant);
    if (found.empty()) {
      std::vector<std::string> names;
      for (const auto& r : *all)
        if (o->tenant.empty() || r.tenant == o->tenant) names.push_back(r.name);
      return fail(ctx, object_not_found(kind, o->name, o->tenant, names).message(), kExitUsage);
    }
    if (found.size() > 1) {
      std::string list;
      for (const auto& r : found) list += "\n  " + to_string(r.key());
      return fail(ctx,
                  kind + " \"" + o->name + "\" exists in " + std::to_string(found.size()) +
                      " tenants; choose one with --tenant:" + list,
                  kExitUsage);
    }
    if (kind == "VirtualMachine") return describe_vm(ctx, *o, *store, found.front());
    describe_other(ctx, *o, *store, found.front());
  });
}

}  // namespace xc
