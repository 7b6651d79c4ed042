// xcloudctl delete KIND NAME: removes one object. A VM is deleted on its host
// (domain.delete over mutual TLS) and then forgotten by the store; every other
// kind only leaves the store. Each delete writes exactly one audit record,
// following record_change() in ctl/audit_log.h.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>

#include "common/domain_spec.h"
#include "common/model.h"
#include "ctl/audit/audit_log.h"
#include "ctl/billing/metering.h"
#include "ctl/billing/price_list_checks.h"
#include "ctl/cli/audit_commands.h"
#include "ctl/cli/cli.h"
#include "ctl/cli/clone_plan.h"
#include "ctl/cli/kind_names.h"
#include "ctl/cli/known_names.h"
#include "ctl/cli/vm_target.h"
#include "ctl/hosts/host_clients.h"
#include "ctl/hosts/pki_files.h"
#include "ctl/reconcile/desired_state.h"
#include "ctl/reconcile/reconcile.h"

namespace xc {
namespace {

using nlohmann::json;

struct DeleteOptions {
  std::string kind, name, tenant;
  bool wipe = false, yes = false;
};

// Drops the VM from the host's last snapshot so `get` and `describe` stop
// showing it before the next contact.
Status forget_observed(Store& store, const std::string& host, const ResourceRecord& vm) {
  auto h = store.get_host(host);
  if (!h.ok()) return h.status().code() == Code::kNotFound ? Status{} : h.status();
  json snapshot = json::parse(h->facts_json, nullptr, false);
  if (!snapshot.is_object() || !snapshot.contains("domains") || !snapshot["domains"].is_array())
    return {};
  json kept = json::array();
  for (const auto& d : snapshot["domains"])
    if (!(d.value("tenant", "") == vm.tenant && d.value("vmName", "") == vm.name))
      kept.push_back(d);
  if (kept.size() == snapshot["domains"].size()) return {};
  snapshot["domains"] = kept;
  HostRecord updated = *h;
  updated.facts_json = snapshot.dump();
  return store.upsert_host(updated);
}

// Why `r` may not be deleted now, or "" when it may.
Result<std::string> blocker(Store& store, const ResourceRecord& r) {
  if (r.kind == "PriceList") return price_list_delete_blocker(store, r.name);
  if (r.kind == "Host") {
    auto placements = store.list_placements();
    if (!placements.ok()) return placements.status();
    std::vector<std::string> on;
    for (const auto& p : *placements)
      if (p.host == r.name) on.push_back(object_key(p.tenant, p.name));
    if (!on.empty())
      return "host " + r.name + " still has " + std::to_string(on.size()) + " VM(s) (" +
             on.front() + (on.size() > 1 ? ", ..." : "") + "); move or delete them first";
  }
  if (r.kind == "VirtualMachine") {
    auto clones = stored_linked_clones(store, r.tenant, r.name);
    if (!clones.ok()) return clones.status();
    if (!clones->empty())
      return "vm " + object_key(r.tenant, r.name) + " has " + std::to_string(clones->size()) +
             " linked clone(s) (" + clones->front() + (clones->size() > 1 ? ", ..." : "") +
             ") whose disks are overlays on its disks; delete them first";
  }
  if (r.kind == "Tenant") {
    auto vms = store.list_resources(std::string("VirtualMachine"));
    if (!vms.ok()) return vms.status();
    std::vector<std::string> in;
    for (const auto& vm : *vms)
      if (vm.tenant == r.name || vm.tenant.rfind(r.name + "/", 0) == 0)
        in.push_back(object_key(vm.tenant, vm.name));
    if (!in.empty())
      return "tenant " + r.name + " still has " + std::to_string(in.size()) + " VM(s) (" +
             in.front() + (in.size() > 1 ? ", ..." : "") + "); delete them first";
  }
  return std::string();
}

bool confirmed(CliContext& ctx, const std::string& what) {
  ctx.out << "Delete " << what << "? [y/N] " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

// What domain.delete's reply says happened: ", disks wiped", ", disks not
// wiped (simulated host: nothing to wipe)", " was already gone".
std::string deletion_report(const json& reply, bool wipe_asked) {
  if (!reply.is_object()) return "";
  if (reply.value("action", "") == "absent") return " was already gone";
  if (!wipe_asked) return "";
  if (reply.value("wiped", false)) return ", disks wiped";
  std::string why;
  for (const auto& v : reply.value("volumes", json::array()))
    if (v.is_object() && v.contains("note") && v["note"].is_string()) why = v["note"];
  return ", disks not wiped (" + (why.empty() ? "the agent reported no wipe" : why) + ")";
}

void run_delete(CliContext& ctx, const DeleteOptions& o, const CLI::App& cmd) {
  std::string kind = stored_kind(o.kind);
  if (kind.empty())
    return fail(
        ctx, check_known("kind", o.kind, kind_words()).message() + " (see xcloudctl delete --help)",
        kExitUsage);
  if (o.wipe && kind != "VirtualMachine")
    return fail(ctx, "--wipe applies to VMs only", kExitUsage);
  auto state = resolve_state_path(ctx);
  if (!state.ok()) return fail(ctx, state.status().message(), kExitUsage);
  auto opened = open_state_for_change(ctx, cmd);
  if (!opened) return;
  Store& store = *opened;

  if (Status s = check_tenant(store, o.tenant); !s.ok())
    return fail(ctx, s.message() + "; nothing was changed",
                s.code() == Code::kInvalidArgument ? kExitUsage : kExitFailure);
  auto all = store.list_resources(kind);
  if (!all.ok()) return fail(ctx, all.status().message(), kExitFailure);
  std::vector<ResourceRecord> found;
  std::vector<std::string> names;
  for (const auto& r : *all) {
    if (!o.tenant.empty() && r.tenant != o.tenant) continue;
    names.push_back(r.name);
    if (r.name == o.name) found.push_back(r);
  }
  if (found.empty()) {
    return fail(ctx,
                object_not_found(kind, o.name, o.tenant, names).message() + "; nothing was changed",
                kExitUsage);
  }
  if (found.size() > 1) {
    std::string list;
    for (const auto& r : found) list += "\n  " + to_string(r.key());
    return fail(ctx,
                kind + " \"" + o.name + "\" exists in " + std::to_string(found.size()) +
                    " tenants; choose one with --tenant (nothing was changed):" + list,
                kExitUsage);
  }
  const ResourceRecord r = found.front();

  auto blocked = blocker(store, r);
  if (!blocked.ok()) return fail(ctx, blocked.status().message(), kExitFailure);
  if (!blocked->empty()) return fail(ctx, *blocked + "; nothing was changed", kExitFailure);

  std::string host;
  if (kind == "VirtualMachine") {
    auto placement = store.get_placement(r.key());
    if (placement.ok())
      host = placement->host;
    else if (placement.status().code() != Code::kNotFound)
      return fail(ctx, placement.status().message(), kExitFailure);
  }
  std::string what = to_string(r.key()) + (host.empty() ? "" : " from host " + host) +
                     (o.wipe ? " and wipe its disks" : "");
  if (kind == "VirtualMachine" && !host.empty()) {
    std::string destroys =
        "deleting " + what + " destroys " + std::to_string(vm_disk_gib(r)) + " GiB";
    if (!confirm_destruction(ctx, destroys, o.yes)) {
      ctx.exit_code = kExitFailure;
      return;
    }
  } else if (!o.yes && isatty(STDIN_FILENO) && !confirmed(ctx, what)) {
    return fail(ctx, "nothing was changed", kExitFailure);
  }

  AuditLog log(store);
  AuditRecord record = audit_identity_for(cmd).record(r.kind, r.tenant, r.name, "delete");
  record.hash_before = r.spec_hash;
  record.hash_after = "";
  std::string domain = kind == "VirtualMachine" ? domain_of(r) : "";
  if (!host.empty())
    record.message = "host " + host + ", domain " + domain;
  else if (kind == "VirtualMachine")
    record.message = "not placed on any host";

  std::unique_ptr<HostClients> clients;
  std::function<Status()> host_change;
  json reply;
  if (!host.empty()) {
    host_change = [&]() -> Status {
      auto h = store.get_host(host);
      if (!h.ok()) return error(h.status().code(), "host " + host + ": " + h.status().message());
      clients = std::make_unique<HostClients>(pki_files_for_state(*state), 1);
      clients->add_host(host_object(store, *h));
      auto result = clients->call(host, "domain.delete", {{"name", domain}, {"wipe", o.wipe}});
      if (!result.ok()) return result.status();
      reply = *result;
      return {};
    };
  }
  auto store_change = [&]() -> Status {
    Status s = store.delete_resource(r.key());  // its placement goes with it
    if (!s.ok()) return s;
    if (r.kind == "VirtualMachine") {  // billing stops with the VM
      int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
      s = close_metering(store, r.tenant, r.name, now);
      if (!s.ok()) return s;
      s = forget_attached_volumes(store, r.tenant, r.name);  // domain.delete removed them
      if (!s.ok()) return s;
      s = store.delete_vm_address_allocations(r.tenant, r.name);  // free for the next VM
      if (!s.ok()) return s;
    }
    return host.empty() ? Status{} : forget_observed(store, host, r);
  };
  // The record says what the agent reported, not what was asked.
  auto reported = [&](AuditRecord& rec) { rec.message += deletion_report(reply, o.wipe); };
  Status st = record_change(log, record, host_change, store_change, reported);
  if (!st.ok()) return fail(ctx, st.message(), kExitFailure);

  ctx.out << "deleted " << to_string(r.key());
  if (!host.empty()) {
    std::string action = reply.is_object() ? reply.value("action", "") : "";
    ctx.out << " from host " << host << " (domain " << domain << deletion_report(reply, o.wipe)
            << ")";
  }
  ctx.out << "\n";
  ctx.out << "hint: " << r.kind << " " << object_key(r.tenant, r.name)
          << " is still declared in the manifests: remove it from the manifests or it will be "
             "re-created by the "
             "next apply\n";
}

}  // namespace

void add_delete_command(CLI::App& app, CliContext& ctx) {
  auto o = std::make_shared<DeleteOptions>();
  auto* cmd = app.add_subcommand("delete",
                                 "Delete one object (a VM on its host too), with an audit record");
  cmd->footer(
      "Kinds: vm, host, tenant, zone, pool, image, network, securitygroup, placementgroup, "
      "volume,\n"
      "pricelist. Only a VM is changed on a host; other kinds leave the state database only.\n"
      "A Host or Tenant that still has VMs is not deleted.\n\n"
      "Examples:\n  xcloudctl delete vm edu-portal-web-2 --tenant education --yes\n"
      "  xcloudctl delete vm scratch-1 --wipe --reason CHG-311\n\n"
      "Objects still declared in the manifests come back with the next apply: remove them there.\n"
      "Exit codes: 0 deleted, 1 failed, 2 bad usage, an unknown kind, tenant or name (with a\n"
      "suggestion), or a name found in several tenants.");
  cmd->add_option("KIND", o->kind, "What to delete")->required();
  cmd->add_option("NAME", o->name, "Its name (for a tenant: its path)")->required();
  cmd->add_option("--tenant", o->tenant,
                  "The tenant the object belongs to, when the name is not unique");
  cmd->add_flag("--wipe", o->wipe, "VMs: overwrite the disks before removing them");
  cmd->add_flag("--yes,-y", o->yes, "Do not ask for confirmation");
  cmd->callback([&ctx, o, cmd] { run_delete(ctx, *o, *cmd); });
}

}  // namespace xc
