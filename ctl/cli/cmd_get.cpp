// xcloudctl get: list hosts, VMs, other objects and unmanaged domains from
// the state xcloudctl last saw, with filters and table/wide/json/yaml output.
#include <CLI/CLI.hpp>
#include <chrono>
#include <set>
#include <sstream>

#include "common/printable.h"
#include "ctl/cli/cli.h"
#include "ctl/cli/json_yaml.h"
#include "ctl/cli/table.h"
#include "ctl/reconcile/desired_state.h"
#include "ctl/store/inventory.h"

namespace xc {
namespace {

using nlohmann::json;

struct GetOptions {
  std::string kind, name, labels, tenant, ip, id, state, format;
};

std::string gib(int64_t mib) {
  return mib % 1024 == 0 ? std::to_string(mib / 1024) + "Gi" : std::to_string(mib) + "Mi";
}

std::string join(const std::vector<std::string>& v, const char* sep = ",") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

bool in_tenant(const std::string& tenant, const std::string& filter) {
  return filter.empty() || tenant == filter || tenant.rfind(filter + "/", 0) == 0;
}

// "-l system=edu-portal,tier=web": every pair must match.
Result<std::map<std::string, std::string>> parse_selector(const std::string& text) {
  std::map<std::string, std::string> out;
  std::stringstream in(text);
  std::string pair;
  while (std::getline(in, pair, ',')) {
    size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0)
      return error(Code::kInvalidArgument,
                   "-l: expected key=value[,key=value...], got '" + pair + "'");
    out[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
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
  static const std::map<std::string, std::string> kAliases = {{"vm", "vms"},
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
                                                              {"volumes", "Volume"}};
  std::string lower = k;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto it = kAliases.find(lower);
  return it == kAliases.end() ? "" : it->second;
}

void get_vms(CliContext& ctx, const GetOptions& o, const Inventory& inv) {
  auto selector = parse_selector(o.labels);
  if (!selector.ok()) {
    print_error(ctx, selector.status().message());
    ctx.exit_code = kExitUsage;
    return;
  }
  bool wide = o.format == "wide";
  Table table(
      wide ? std::vector<std::string>{"TENANT", "NAME", "HOST", "STATE", "VCPU", "MEMORY", "IP",
                                      "MAC", "SYSTEM", "ARCH", "DISKS", "GEN", "ID"}
           : std::vector<std::string>{"TENANT", "NAME", "HOST", "STATE", "VCPU", "MEMORY", "IP"});
  json items = json::array();
  for (const auto& vm : inv.vms) {
    if (!o.name.empty() && vm.name != o.name) continue;
    if (!in_tenant(vm.tenant, o.tenant)) continue;
    if (!o.ip.empty() && std::find(vm.ipv4.begin(), vm.ipv4.end(), o.ip) == vm.ipv4.end()) continue;
    if (!o.id.empty() && vm.uuid != o.id) continue;
    if (!o.state.empty() && vm.state.rfind(o.state, 0) != 0) continue;
    bool match = true;
    for (const auto& [k, v] : *selector) match &= vm.labels.count(k) && vm.labels.at(k) == v;
    if (!match) continue;
    std::vector<std::string> addresses, macs;
    for (const NicView& n : vm.nics) {
      if (!n.addresses().empty()) addresses.push_back(n.addresses());
      macs.push_back(n.mac);
    }
    std::vector<std::string> row = {
        vm.tenant,          vm.name,        vm.host, vm.state, std::to_string(vm.cpus),
        gib(vm.memory_mib), join(addresses)};
    if (wide) {
      for (const auto& extra :
           {join(macs), vm.system, vm.arch, join(vm.disks), std::to_string(vm.generation), vm.uuid})
        row.push_back(extra);
    }
    table.add(row);
    items.push_back(vm.to_json());
  }
  print(ctx, o.format, items, table);
}

void get_hosts(CliContext& ctx, const GetOptions& o, const Inventory& inv) {
  bool wide = o.format == "wide";
  Table table(wide ? std::vector<std::string>{"NAME", "ARCH", "POOL", "ZONE", "VCPU", "MEMORY",
                                              "VMS", "ACCELERATORS", "ADDRESS", "TRANSPORT",
                                              "CPU MODEL"}
                   : std::vector<std::string>{"NAME", "ARCH", "POOL", "ZONE", "VCPU", "MEMORY",
                                              "VMS", "ACCELERATORS"});
  json items = json::array();
  for (const auto& h : inv.hosts) {
    if (!o.name.empty() && h.record.name != o.name) continue;
    std::vector<std::string> acc;
    for (const auto& [type, ut] : h.accelerators)
      acc.push_back(type + " " + std::to_string(ut.first) + "/" + std::to_string(ut.second));
    std::vector<std::string> row = {
        h.record.name,
        h.record.arch.empty() ? "?" : h.record.arch,
        h.record.pool,
        h.record.zone,
        std::to_string(h.cpus_allocated) + "/" + std::to_string(h.cpus_total),
        gib(h.memory_mib_allocated) + "/" + gib(h.memory_mib_total),
        std::to_string(h.vms),
        acc.empty() ? "-" : join(acc, ", ")};
    if (wide) {
      row.push_back(h.record.address);
      row.push_back(h.record.transport);
      row.push_back(h.facts.is_object() ? h.facts["cpu"].value("model", "") : "");
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
      table.add({h.record.name, d.value("domain", ""), d.value("state", ""),
                 std::to_string(d.value("cpus", 0)), gib(d.value("memoryMiB", int64_t{0}))});
      json item = d;
      item["host"] = h.record.name;
      items.push_back(item);
    }
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

}  // namespace

void add_get_command(CLI::App& app, CliContext& ctx) {
  auto o = std::make_shared<GetOptions>();
  auto* cmd = app.add_subcommand("get", "List hosts, VMs and other objects as last seen");
  cmd->footer(
      "Kinds: hosts, vms, unmanaged, tenants, zones, pools, images, networks, securitygroups,\n"
      "placementgroups, volumes, pricelists.\n\nExamples:\n  xcloudctl get hosts\n"
      "  xcloudctl get vms -o wide --tenant education -l system=edu-portal\n  xcloudctl get vms "
      "--ip 10.20.1.11 -o json\n"
      "  xcloudctl get unmanaged");
  cmd->add_option("KIND", o->kind, "What to list")->required();
  cmd->add_option("NAME", o->name, "Only the object with this name");
  cmd->add_option("-l,--selector", o->labels, "Label filter, key=value[,key=value]");
  cmd->add_option("--tenant", o->tenant, "Only this tenant and its sub-tenants");
  cmd->add_option("--ip", o->ip, "VMs with this IPv4 address");
  cmd->add_option("--id", o->id, "The VM with this libvirt UUID");
  cmd->add_option("--state", o->state, "VMs in this state (running, stopped, missing, ...)");
  add_output_option(*cmd, o->format, {"table", "wide", "json", "yaml"});
  cmd->callback([&ctx, o] {
    std::string kind = canonical_kind(o->kind);
    if (kind.empty()) {
      ctx.err << "xcloudctl: unknown kind '" << o->kind << "' (see xcloudctl get --help)\n";
      ctx.exit_code = kExitUsage;
      return;
    }
    auto store = open_state_store(ctx);
    if (!store) return;
    if (kind != "vms" && kind != "hosts" && kind != "unmanaged")
      return get_objects(ctx, *o, *store, kind);
    auto inv = load_inventory(*store);
    if (!inv.ok()) {
      print_error(ctx, inv.status().message());
      ctx.exit_code = kExitFailure;
      return;
    }
    if (kind == "vms")
      get_vms(ctx, *o, *inv);
    else if (kind == "hosts")
      get_hosts(ctx, *o, *inv);
    else
      get_unmanaged(ctx, *o, *inv);
  });
}

}  // namespace xc
