// xcloudctl get: list hosts, VMs, other objects and unmanaged domains from
// the state xcloudctl last saw, with filters and table/wide/json/yaml output.
#include <CLI/CLI.hpp>
#include <chrono>
#include <set>
#include <sstream>

#include "common/label_selector.h"
#include "common/printable.h"
#include "common/time.h"
#include "ctl/cli/cli.h"
#include "ctl/cli/json_yaml.h"
#include "ctl/cli/known_names.h"
#include "ctl/cli/table.h"
#include "ctl/reconcile/desired_state.h"
#include "ctl/store/inventory.h"

namespace xc {
namespace {

using nlohmann::json;

struct GetOptions {
  std::string kind, name, labels, tenant, ip, id, status, format;
  LabelSelector selector;  // parsed from `labels`
};

std::string join(const std::vector<std::string>& v, const char* sep = ",") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

bool in_tenant(const std::string& tenant, const std::string& filter) {
  return filter.empty() || tenant == filter || tenant.rfind(filter + "/", 0) == 0;
}

std::map<std::string, std::string> manifest_labels(const json& manifest) {
  std::map<std::string, std::string> out;
  if (!manifest.is_object() || !manifest.contains("metadata")) return out;
  const json& labels = manifest["metadata"].value("labels", json::object());
  if (labels.is_object())
    for (const auto& [k, v] : labels.items())
      if (v.is_string()) out[k] = v.get<std::string>();
  return out;
}

void print(CliContext& ctx, const std::string& format, const json& items, const Table& table) {
  if (format == "json")
    ctx.out << json_text(items) << "\n";
  else if (format == "yaml")
    ctx.out << json_to_yaml(items);
  else if (table.size() == 0)
    ctx.err << "No resources found.\n";
  else
    table.print(ctx.out);
}

std::string canonical_kind(const std::string& k) {
  static const std::map<std::string, std::string> kAliases = {
      {"vm", "vms"},
      {"vms", "vms"},
      {"virtualmachine", "vms"},
      {"virtualmachines", "vms"},
      {"host", "hosts"},
      {"hosts", "hosts"},
      {"unmanaged", "unmanaged"},
      {"zone", "Zone"},
      {"zones", "Zone"},
      {"pool", "Pool"},
      {"pools", "Pool"},
      {"tenant", "Tenant"},
      {"tenants", "Tenant"},
      {"vdc", "Tenant"},
      {"pricelist", "PriceList"},
      {"pricelists", "PriceList"},
      {"image", "Image"},
      {"images", "Image"},
      {"network", "Network"},
      {"networks", "Network"},
      {"securitygroup", "SecurityGroup"},
      {"securitygroups", "SecurityGroup"},
      {"sg", "SecurityGroup"},
      {"placementgroup", "PlacementGroup"},
      {"placementgroups", "PlacementGroup"},
      {"volume", "Volume"},
      {"volumes", "Volume"},
      {"alarmrule", "AlarmRule"},
      {"alarmrules", "AlarmRule"},
      {"alarmroute", "AlarmRoute"},
      {"alarmroutes", "AlarmRoute"},
      {"backuptarget", "BackupTarget"},
      {"backuptargets", "BackupTarget"},
      {"backuppolicy", "BackupPolicy"},
      {"backuppolicies", "BackupPolicy"},
      {"serviceoffering", "ServiceOffering"},
      {"serviceofferings", "ServiceOffering"},
      {"offering", "ServiceOffering"},
      {"offerings", "ServiceOffering"},
      {"webhook", "Webhook"},
      {"webhooks", "Webhook"}};
  std::string lower = k;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto it = kAliases.find(lower);
  return it == kAliases.end() ? "" : it->second;
}

void get_vms(CliContext& ctx, const GetOptions& o, const Inventory& inv) {
  bool wide = o.format == "wide";
  Table table(
      wide ? std::vector<std::string>{"TENANT", "NAME", "HOST", "STATE", "VCPU", "MEMORY", "IP",
                                      "MAC", "SYSTEM", "ARCH", "DISKS", "GEN", "ORIGIN", "ID"}
           : std::vector<std::string>{"TENANT", "NAME", "HOST", "STATE", "VCPU", "MEMORY", "IP"});
  json items = json::array();
  for (const auto& vm : inv.vms) {
    if (!o.name.empty() && vm.name != o.name) continue;
    if (!in_tenant(vm.tenant, o.tenant)) continue;
    if (!o.ip.empty() && std::find(vm.ipv4.begin(), vm.ipv4.end(), o.ip) == vm.ipv4.end()) continue;
    if (!o.id.empty() && vm.uuid != o.id) continue;
    if (!o.status.empty() && vm.state.rfind(o.status, 0) != 0) continue;
    if (!o.selector.matches(vm.labels)) continue;
    std::vector<std::string> addresses, macs;
    for (const NicView& n : vm.nics) {
      if (!n.addresses().empty()) addresses.push_back(n.addresses());
      macs.push_back(n.mac);
    }
    std::vector<std::string> row = {vm.tenant,
                                    vm.name,
                                    vm.host,
                                    vm.state,
                                    std::to_string(vm.cpus),
                                    mib_text(vm.memory_mib),
                                    join(addresses)};
    if (wide) {
      for (const auto& extra : {join(macs), vm.system, vm.arch, join(vm.disks),
                                std::to_string(vm.generation), vm.origin, vm.uuid})
        row.push_back(extra);
    }
    table.add(row);
    items.push_back(vm.to_json());
  }
  print(ctx, o.format, items, table);
}

// "ready", "unreachable since 2026-12-03T14:00:00Z", "maintenance", "unknown".
std::string host_state_text(const HostView& h) {
  if (h.state == "unreachable")
    return "unreachable since " + format_time_ms(h.unreachable_since_ms);
  return h.state;
}

void get_hosts(CliContext& ctx, const GetOptions& o, const Inventory& inv,
               const std::map<std::string, json>& manifests) {
  bool wide = o.format == "wide";
  Table table(wide ? std::vector<std::string>{"NAME", "STATE", "ARCH", "POOL", "ZONE", "VCPU",
                                              "MEMORY", "VMS", "ACCELERATORS", "ADDRESS",
                                              "TRANSPORT", "AGENT", "AGENT ARCH", "CPU MODEL",
                                              "LAST ERROR"}
                   : std::vector<std::string>{"NAME", "STATE", "ARCH", "POOL", "ZONE", "VCPU",
                                              "MEMORY", "VMS", "ACCELERATORS"});
  json items = json::array();
  for (const auto& h : inv.hosts) {
    if (!o.name.empty() && h.record.name != o.name) continue;
    auto manifest = manifests.find(h.record.name);
    if (!o.selector.matches(manifest == manifests.end() ? std::map<std::string, std::string>{}
                                                        : manifest_labels(manifest->second)))
      continue;
    std::vector<std::string> acc;
    for (const auto& [type, ut] : h.accelerators)
      acc.push_back(type + " " + std::to_string(ut.first) + "/" + std::to_string(ut.second));
    std::vector<std::string> row = {
        h.record.name,
        host_state_text(h),
        h.record.arch.empty() ? "?" : h.record.arch,
        h.record.pool,
        h.record.zone,
        std::to_string(h.cpus_allocated) + "/" + std::to_string(h.vcpu_capacity),
        mib_text(h.memory_mib_allocated) + "/" + mib_text(h.memory_mib_total),
        std::to_string(h.vms),
        acc.empty() ? "-" : join(acc, ", ")};
    if (wide) {
      row.push_back(h.record.address);
      row.push_back(h.record.transport);
      json agent = h.agent();
      for (const char* key : {"version", "arch"}) {
        auto it = agent.is_object() ? agent.find(key) : agent.end();
        row.push_back(agent.is_object() && it != agent.end() && it->is_string()
                          ? it->get<std::string>()
                          : "?");
      }
      row.push_back(h.facts.is_object() ? h.facts["cpu"].value("model", "") : "");
      row.push_back(
          h.last_error.empty() ? "-" : format_time_ms(h.last_error_at_ms) + ": " + h.last_error);
    }
    table.add(row);
    items.push_back(h.to_json());
  }
  print(ctx, o.format, items, table);
}

void get_unmanaged(CliContext& ctx, const GetOptions& o, const Inventory& inv) {
  Table table({"HOST", "DOMAIN", "STATE", "VCPU", "MEMORY"});
  json items = json::array();
  for (const auto& h : inv.hosts) {
    for (const auto& d : h.unmanaged) {
      if (!o.name.empty() && d.value("domain", "") != o.name) continue;
      if (!o.selector.matches({})) continue;  // unmanaged domains carry no labels
      table.add({h.record.name, d.value("domain", ""), d.value("state", ""),
                 std::to_string(d.value("cpus", 0)), mib_text(d.value("memoryMiB", int64_t{0}))});
      json item = d;
      item["host"] = h.record.name;
      items.push_back(item);
    }
  }
  print(ctx, o.format, items, table);
}

std::string size_text(int64_t bytes) {
  if (bytes <= 0) return "-";
  if (bytes % (int64_t{1} << 30) == 0) return std::to_string(bytes >> 30) + "Gi";
  return std::to_string((bytes + (1 << 20) - 1) >> 20) + "Mi";
}

// Images with what an operator picks them by; the import's digests in -o wide.
void get_images(CliContext& ctx, const GetOptions& o, const std::vector<ResourceRecord>& records) {
  bool wide = o.format == "wide";
  Table table(wide ? std::vector<std::string>{"TENANT", "NAME", "OS", "ARCH", "FORMAT", "SIZE",
                                              "VISIBILITY", "IMPORTED FROM", "SHA256", "SM3",
                                              "SOURCE"}
                   : std::vector<std::string>{"TENANT", "NAME", "OS", "ARCH", "FORMAT", "SIZE",
                                              "VISIBILITY"});
  json items = json::array();
  for (const auto& r : records) {
    if (!o.name.empty() && r.name != o.name) continue;
    if (!in_tenant(r.tenant, o.tenant)) continue;
    json record = json::parse(r.spec_json, nullptr, false);
    if (!record.is_object()) continue;
    json manifest = record.value("manifest", json::object());
    if (!o.selector.matches(manifest_labels(manifest))) continue;
    const json spec = manifest.is_object() ? manifest.value("spec", json::object()) : json();
    if (!spec.is_object()) continue;
    const json imported = record.value("import", json::object());
    int64_t bytes = imported.is_object() ? imported.value("virtualBytes", int64_t{0}) : 0;
    if (bytes == 0) bytes = spec.value("sizeGiB", int64_t{0}) << 30;
    std::string visibility = spec.value("visibility", r.tenant.empty() ? "global" : "private");
    std::vector<std::string> row = {r.tenant.empty() ? "-" : r.tenant,
                                    r.name,
                                    spec.value("os", "-"),
                                    spec.value("arch", "-"),
                                    spec.value("format", "qcow2"),
                                    size_text(bytes),
                                    visibility};
    if (wide) {
      row.push_back(imported.is_object() ? imported.value("sourceFormat", "-") : "-");
      row.push_back(spec.value("sha256", "-"));
      row.push_back(spec.value("sm3", "-"));
      row.push_back(spec.value("source", "-"));
    }
    table.add(row);
    json item = manifest;
    if (imported.is_object() && !imported.empty()) item["import"] = imported;
    items.push_back(item);
  }
  print(ctx, o.format, items, table);
}

void get_objects(CliContext& ctx, const GetOptions& o, Store& store, const std::string& kind) {
  auto resources = store.list_resources(kind);
  if (!resources.ok()) {
    print_error(ctx, resources.status().message());
    ctx.exit_code = kExitFailure;
    return;
  }
  if (kind == "Image") return get_images(ctx, o, *resources);
  // A Volume exists on a host only as a disk of the VM it is attached to:
  // one whose VM no host holds is not listed.
  std::set<std::string> placed_vms;
  if (kind == "Volume") {
    auto placements = store.list_placements();
    if (!placements.ok()) {
      print_error(ctx, placements.status().message());
      ctx.exit_code = kExitFailure;
      return;
    }
    for (const auto& p : *placements)
      if (p.kind == "VirtualMachine") placed_vms.insert(object_key(p.tenant, p.name));
  }
  Table table({"TENANT", "NAME", "DISPLAY NAME", "GENERATION", "SET"});
  json items = json::array();
  for (const auto& r : *resources) {
    if (!o.name.empty() && r.name != o.name) continue;
    if (!in_tenant(kind == "Tenant" ? r.name : r.tenant, o.tenant)) continue;
    json record = json::parse(r.spec_json, nullptr, false);
    json manifest = record.is_object() ? record.value("manifest", json::object()) : json::object();
    if (!o.selector.matches(manifest_labels(manifest))) continue;
    if (kind == "Volume") {
      const json& spec = manifest.contains("spec") ? manifest["spec"] : json::object();
      if (!spec.is_object() || !placed_vms.count(object_key(r.tenant, spec.value("attachTo", ""))))
        continue;
    }
    std::string display =
        manifest.contains("spec") ? manifest["spec"].value("displayName", "") : "";
    table.add({r.tenant.empty() ? "-" : r.tenant, r.name, display.empty() ? "-" : display,
               std::to_string(r.generation), r.manifest_set});
    items.push_back(manifest);
  }
  print(ctx, o.format, items, table);
}

// The names NAME may take for `kind`, to refuse an unknown one.
Result<std::vector<std::string>> names_of(Store& store, const std::string& kind,
                                          const Inventory* inv) {
  if (kind == "vms") return stored_names(store, "VirtualMachine");
  if (kind == "hosts" || kind == "unmanaged") {
    std::vector<std::string> names;
    for (const auto& h : inv->hosts) {
      if (kind == "hosts") names.push_back(h.record.name);
      for (const auto& d : h.unmanaged)
        if (kind == "unmanaged") names.push_back(d.value("domain", ""));
    }
    if (kind == "hosts") {
      auto declared = stored_names(store, "Host");
      if (!declared.ok()) return declared.status();
      names.insert(names.end(), declared->begin(), declared->end());
    }
    return names;
  }
  return stored_names(store, kind);
}

std::string noun_of(const std::string& kind) {
  if (kind == "vms") return "VM";
  if (kind == "hosts") return "host";
  if (kind == "unmanaged") return "unmanaged domain";
  return kind;
}

// Refuses (exit 2) a selector that does not parse, or a tenant or NAME the
// state does not hold.
bool check_get_arguments(CliContext& ctx, GetOptions& o, Store& store, const std::string& kind,
                         const Inventory* inv) {
  auto selector = LabelSelector::parse(o.labels);
  Status s = selector.ok() ? Status()
                           : error(Code::kInvalidArgument,
                                   "-l '" + o.labels + "': " + selector.status().message());
  if (selector.ok()) o.selector = *selector;
  if (s.ok()) s = check_tenant(store, o.tenant);
  if (s.ok() && !o.name.empty()) {
    auto names = names_of(store, kind, inv);
    s = names.ok() ? check_known(noun_of(kind), o.name, *names) : names.status();
    if (!names.ok()) {
      print_error(ctx, s.message());
      ctx.exit_code = kExitFailure;
      return false;
    }
  }
  if (s.ok()) return true;
  print_error(ctx, s.message());
  ctx.exit_code = kExitUsage;
  return false;
}

std::vector<std::string> get_kind_words() {
  return {"hosts",  "vms",      "unmanaged",      "tenants",         "zones",   "pools",
          "images", "networks", "securitygroups", "placementgroups", "volumes", "pricelists"};
}

}  // namespace

void add_get_command(CLI::App& app, CliContext& ctx) {
  auto o = std::make_shared<GetOptions>();
  auto* cmd = app.add_subcommand("get", "List hosts, VMs and other objects as last seen");
  cmd->footer(
      "Kinds: hosts, vms, unmanaged, tenants, zones, pools, images, networks, securitygroups,\n"
      "placementgroups, volumes, pricelists.\n\n"
      "Selectors (-l) use kubectl's syntax, requirements separated by commas all hold:\n"
      "  key=value, key==value, key!=value (also matches objects without the key),\n"
      "  key in (v1,v2), key notin (v1,v2), key (has the label), !key (does not).\n\n"
      "An unknown kind, tenant or NAME is an error (exit 2) with a suggestion.\n\n"
      "Host STATE: ready (reached at the last contact: a diff, an apply or the heartbeat of\n"
      "`xcloudctl serve`), unreachable since the first failed contact (-o wide shows the\n"
      "last error), maintenance (its Host manifest says so) or unknown (never contacted).\n"
      "A VM whose host is unreachable shows as unknown. A host's VCPU is allocated/offered:\n"
      "its CPUs x its pool's cpuOvercommit, rounded down.\n\n"
      "Examples:\n  xcloudctl get hosts\n"
      "  xcloudctl get vms -o wide --tenant education -l system=edu-portal\n"
      "  xcloudctl get vms -l 'tier!=db,env in (prod,staging)' --status running\n"
      "  xcloudctl get vms --ip 10.20.1.11 -o json\n"
      "  xcloudctl get networks -l '!legacy'\n"
      "  xcloudctl get unmanaged");
  cmd->add_option("KIND", o->kind, "What to list")->required();
  cmd->add_option("NAME", o->name, "Only the object with this name");
  cmd->add_option("-l,--selector", o->labels,
                  "Label selector: key=value, key!=value, key in (a,b), key notin (a,b), key, "
                  "!key; commas AND them");
  cmd->add_option("--tenant", o->tenant, "Only this tenant and its sub-tenants");
  cmd->add_option("--ip", o->ip, "VMs with this IPv4 address");
  cmd->add_option("--id", o->id, "The VM with this libvirt UUID");
  cmd->add_option("--status", o->status,
                  "VMs whose observed state starts with this (running, stopped, missing, "
                  "unknown, ...)");
  add_output_option(*cmd, o->format, {"table", "wide", "json", "yaml"});
  cmd->callback([&ctx, o] {
    std::string kind = canonical_kind(o->kind);
    if (kind.empty()) {
      print_error(ctx, check_known("kind", o->kind, get_kind_words()).message() +
                           " (see xcloudctl get --help)");
      ctx.exit_code = kExitUsage;
      return;
    }
    auto store = open_state_store(ctx);
    if (!store) return;
    if (kind != "vms" && kind != "hosts" && kind != "unmanaged") {
      if (!check_get_arguments(ctx, *o, *store, kind, nullptr)) return;
      return get_objects(ctx, *o, *store, kind);
    }
    auto inv = load_inventory(*store);
    if (!inv.ok()) {
      print_error(ctx, inv.status().message());
      ctx.exit_code = kExitFailure;
      return;
    }
    if (!check_get_arguments(ctx, *o, *store, kind, &*inv)) return;
    if (kind == "vms") return get_vms(ctx, *o, *inv);
    if (kind == "unmanaged") return get_unmanaged(ctx, *o, *inv);
    auto hosts = store->list_resources(std::string("Host"));
    if (!hosts.ok()) {
      print_error(ctx, hosts.status().message());
      ctx.exit_code = kExitFailure;
      return;
    }
    std::map<std::string, json> manifests;
    for (const auto& r : *hosts) {
      json record = json::parse(r.spec_json, nullptr, false);
      if (record.is_object()) manifests[r.name] = record.value("manifest", json::object());
    }
    get_hosts(ctx, *o, *inv, manifests);
  });
}

}  // namespace xc
