// xcloudctl vm clone SRC NEW [--linked] [--start]: a new VM on SRC's host
// from SRC's disks (a full copy, or qcow2 overlays on them with --linked),
// with its own MAC, IPAM addresses and NoCloud seed, registered in the
// manifest set "vm-clone" until the operator's manifests declare it. CLI
// wiring and the host calls; one run per process.
#include <chrono>
#include <iostream>

#include "common/digest.h"
#include "common/domain_spec.h"
#include "common/printable.h"
#include "ctl/audit/audit_log.h"
#include "ctl/billing/metering.h"
#include "ctl/cli/audit_commands.h"
#include "ctl/cli/clone_commands.h"
#include "ctl/cli/clone_make.h"
#include "ctl/cli/clone_manifest.h"
#include "ctl/cli/clone_plan.h"
#include "ctl/cli/json_yaml.h"
#include "ctl/cli/vm_target.h"
#include "ctl/hosts/host_clients.h"
#include "ctl/hosts/pki_files.h"

namespace xc {
namespace {

using nlohmann::json;

struct CloneOptions {
  std::string source, name, tenant, output = "table";
  bool linked = false, start = false;
};

void run_clone(CliContext& ctx, const CloneOptions& o, const CLI::App& cmd) {
  auto opened = open_vm_for_change(ctx, cmd, o.source, o.tenant);
  if (!opened) return;
  Store& store = *opened->store;
  const std::string* state = &opened->state_path;
  const VmTarget* src = &opened->vm;
  const std::string tenant = src->record.tenant;
  const std::string src_key = object_key(tenant, src->record.name);
  const std::string new_key = object_key(tenant, o.name);
  // Everything the state decides, before any byte is copied.
  auto made_plan = plan_new_vm(ctx, store, *src, o.name, o.start, "vm clone");
  if (!made_plan) return;
  const ClonePlan* plan = &made_plan->plan;
  const DomainSpec* src_spec = &made_plan->src_spec;
  if (o.linked &&
      made_plan->src_manifest.value("spec", json::object()).value("power", "running") != "stopped")
    return fail(ctx,
                "vm clone --linked: " + src_key +
                    " is declared 'power: running': an apply would start it and its writes would "
                    "change what its linked clones read; declare it 'power: stopped' (a "
                    "template) and apply first, or make a full clone; nothing was changed",
                kExitUsage);
  AuditLog log(store);
  if (Status w = log.check_writable(); !w.ok()) return fail(ctx, w.message(), kExitFailure);

  const std::string& host = src->host;
  auto host_record = store.get_host(host);
  if (!host_record.ok())
    return fail(ctx, "host " + host + ": " + host_record.status().message(), kExitFailure);
  HostClients clients(pki_files_for_state(*state), 1);
  clients.add_host(host_object(store, *host_record));
  const std::string domain = domain_name(plan->spec);
  // A consistent copy needs a guest that does not write: SRC stopped.
  auto running = state_on(clients, host, src->domain);
  if (!running.ok())
    return fail(ctx, "vm clone: host " + host + ": " + running.status().message(), kExitFailure);
  if (*running != "stopped")
    return fail(ctx,
                "vm clone: " + src_key + " is " + (running->empty() ? "absent" : *running) +
                    " on " + host +
                    "; a clone copies its disks while no guest writes them: stop it first "
                    "(xcloudctl vm stop " +
                    src->record.name + "); nothing was changed",
                kExitFailure);
  auto there = state_on(clients, host, domain);
  if (!there.ok() || !there->empty())
    return fail(
        ctx, "vm clone: domain " + domain + " already exists on " + host + "; nothing was changed",
        kExitFailure);

  const std::string mode = o.linked ? "overlay" : "copy";
  std::vector<std::string> made, backing;
  for (const DomainDisk& disk : plan->spec.disks) {
    const DomainDisk* from = nullptr;
    for (const auto& d : src_spec->disks)
      if (d.name == disk.name) from = &d;
    if (!from) {
      discard(clients, host, domain, made);
      return fail(ctx,
                  "vm clone: " + src_key + " has no disk " + disk.name + "; nothing was changed",
                  kExitFailure);
    }
    const std::string target = volume_of(plan->spec, disk);
    ctx.err << printable(new_key) << ": " << (o.linked ? "overlay on" : "copying") << " disk "
            << printable(disk.name) << " of " << printable(src_key) << " (" << disk.size_gib
            << " GiB) on " << printable(host) << "\n";
    auto cloned = clients.call(host, "volume.clone",
                               {{"source", volume_of(*src_spec, *from)},
                                {"name", target},
                                {"mode", mode},
                                {"domain", domain}});
    if (!cloned.ok()) {
      discard(clients, host, domain, made);
      return fail(ctx,
                  "vm clone: " + new_key + ": disk " + disk.name + ": " +
                      cloned.status().message() +
                      "; the disks made so far were removed, nothing was changed",
                  kExitFailure);
    }
    made.push_back(target);
    if (o.linked) backing.push_back(cloned->value("backing", std::string()));
  }

  json link = cloned_from(tenant, src->record.name, o.linked, backing);
  AuditRecord audit = audit_identity_for(cmd).record("VirtualMachine", tenant, o.name, "clone");
  audit.hash_after = plan->hash;
  audit.message = "from " + src_key + " on host " + host + ": " +
                  (o.linked ? "linked (qcow2 overlays on its disks)" : "full copy") + ", " +
                  std::to_string(made.size()) + " disk(s), " + addresses_text(plan->spec);
  Status s = record_change(
      log, audit,
      [&]() -> Status {
        auto r = clients.call(host, "domain.ensure",
                              {{"spec", to_json(plan->spec)}, {"allow_restart", false}});
        return r.ok() ? Status{} : r.status();
      },
      [&]() -> Status { return store_clone(store, *plan, host, link); });
  if (!s.ok()) {
    discard(clients, host, domain, made);
    return fail(ctx,
                "vm clone: " + new_key + ": " + s.message() +
                    "; its domain and disks were removed, nothing was kept",
                kExitFailure);
  }
  refresh_host_domains(store, clients, host);

  if (o.output == "yaml") {
    ctx.out << json_to_yaml(plan->manifest);
    return;
  }
  if (o.output == "json") {
    json nics = json::array();
    for (const auto& nic : plan->spec.nics)
      nics.push_back(
          {{"network", nic.network}, {"mac", nic.mac}, {"ipv4", nic.ipv4}, {"ipv6", nic.ipv6}});
    ctx.out << json_text(json{{"vm", o.name},
                              {"tenant", tenant},
                              {"source", src->record.name},
                              {"host", host},
                              {"linked", o.linked},
                              {"nics", nics},
                              {"manifestSet", kCloneSet},
                              {"manifest", plan->manifest}})
            << "\n";
    return;
  }
  ctx.out << "cloned " << printable(src_key) << " -> " << printable(new_key) << " on "
          << printable(host) << " (" << (o.linked ? "linked" : "full copy") << ", " << made.size()
          << " disk(s)): " << printable(addresses_text(plan->spec)) << ", "
          << (o.start ? "started" : "stopped") << "\n"
          << "Commit this manifest with your manifests (apply then adopts the VM; until then "
             "apply leaves it alone and diff names it):\n---\n"
          << json_to_yaml(plan->manifest);
}

}  // namespace

void add_vm_clone_command(CLI::App& vm, CliContext& ctx) {
  auto o = std::make_shared<CloneOptions>();
  auto* cmd = vm.add_subcommand(
      "clone", "Make a new VM on a stopped VM's host from its disks (full copy, or --linked)");
  cmd->add_option("SRC", o->source, "The VM to clone (stopped)")->required();
  cmd->add_option("NEW", o->name, "The new VM's name (a DNS label)")->required();
  cmd->add_option("--tenant", o->tenant, "SRC's tenant, when its name is not unique");
  cmd->add_flag("--linked", o->linked,
                "Make qcow2 overlays backed by SRC's disks instead of copies (SRC must be "
                "declared 'power: stopped' and cannot be deleted while clones depend on it)");
  cmd->add_flag("--start", o->start, "Start NEW once made (its manifest says power: running)");
  add_output_option(*cmd, o->output, {"table", "json", "yaml"});
  cmd->footer(
      "NEW gets SRC's size, image, disks, tenant, system and labels, a new MAC, new\n"
      "addresses from IPAM and its own NoCloud seed (hostname NEW); not SRC's placement\n"
      "group nor its attached Volumes. Quotas are checked before anything is copied.\n"
      "NEW is kept in the manifest set 'vm-clone': commit the manifest printed here\n"
      "(-o yaml prints only that) and the next apply adopts it; until then apply --prune\n"
      "of your manifests leaves it alone. Billing starts when NEW exists; audited.\n\n"
      "Examples:\n"
      "  xcloudctl vm stop edu-portal-web-1 && xcloudctl vm clone edu-portal-web-1 "
      "edu-portal-web-3\n"
      "  xcloudctl vm clone edu-template edu-lab-7 --linked --start -o yaml > "
      "manifests/edu-lab-7.yaml\n\n"
      "Exit codes: 0 cloned, 1 refused (SRC running, over quota) or a host failed (nothing\n"
      "kept), 2 bad usage or unknown VM.");
  cmd->callback([&ctx, o, cmd] { run_clone(ctx, *o, *cmd); });
}

}  // namespace xc
