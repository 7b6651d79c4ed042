// xcloudctl vm migrate NAME [--to HOST] [--live|--cold] [--bandwidth MiB/s]:
// moves one VM to another host (ctl/migrate/vm_move.h), after finishing or
// rolling back any move an earlier run left in the journal. CLI wiring; one
// run per process.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <mutex>

#include "common/printable.h"
#include "common/stop_timeouts.h"
#include "ctl/audit/audit_log.h"
#include "ctl/cli/audit_commands.h"
#include "ctl/cli/cli.h"
#include "ctl/cli/duration_option.h"
#include "ctl/cli/image_register.h"
#include "ctl/cli/json_yaml.h"
#include "ctl/cli/vm_target.h"
#include "ctl/hosts/host_clients.h"
#include "ctl/hosts/host_object.h"
#include "ctl/hosts/pki_files.h"
#include "ctl/images/image_import.h"
#include "ctl/migrate/vm_move.h"
#include "ctl/store/host_maintenance.h"
#include "ctl/store/state_path.h"

namespace xc {
namespace {

using nlohmann::json;

struct MigrateOptions {
  std::string name, tenant, to, output = "table", timeout = "120s";
  bool live = false, cold = false, yes = false, insecure_migration = false;
  int64_t bandwidth = 0;
};

// Progress lines on stderr: each phase, and the bytes at most once a second.
class PrintedProgress : public MoveObserver {
 public:
  explicit PrintedProgress(std::ostream& out) : out_(out) {}
  void phase(const MoveRequest& r, const std::string& phase) override {
    std::lock_guard<std::mutex> lock(mutex_);
    out_ << printable(r.tenant + "/" + r.name) << ": " << phase << " (" << printable(r.from_host)
         << " -> " << printable(r.to_host) << ")\n";
  }
  void progress(const MoveRequest& r, int64_t done, int64_t total, int64_t rate) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::seconds(1) && done < total) return;
    last_ = now;
    out_ << printable(r.tenant + "/" + r.name) << ":   " << (done >> 20) << " MiB";
    if (total > 0)
      out_ << " of " << (total >> 20) << " MiB, " << (total - done) / (1 << 20) << " MiB remaining";
    out_ << ", " << (rate >> 20) << " MiB/s\n";
  }

 private:
  std::ostream& out_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point last_{};
};

// Whether the host is in maintenance: by its stored Host manifest or an operator.
bool in_maintenance(Store& store, const std::string& host) {
  if (auto on = operator_maintenance(store, host); on.ok() && *on) return true;
  auto r = store.get_resource({"Host", "", host});
  if (!r.ok()) return false;
  json rec = json::parse(r->spec_json, nullptr, false);
  if (!rec.is_object()) return false;
  json spec = rec.value("manifest", json::object()).value("spec", json::object());
  return spec.is_object() && spec.value("maintenance", false);
}

// Why `host` breaks the VM's strict anti-affinity group (another member runs
// there), or "" when it does not.
std::string anti_affinity_conflict(Store& store, const ResourceRecord& vm,
                                   const std::string& host) {
  auto group_of = [](const ResourceRecord& r) {
    json rec = json::parse(r.spec_json, nullptr, false);
    if (!rec.is_object()) return std::string();
    json placement = rec.value("manifest", json::object())
                         .value("spec", json::object())
                         .value("placement", json::object());
    return placement.is_object() ? placement.value("group", std::string()) : std::string();
  };
  std::string group = group_of(vm);
  if (group.empty()) return "";
  auto declared = store.get_resource({"PlacementGroup", vm.tenant, group});
  if (!declared.ok()) return "";
  json rec = json::parse(declared->spec_json, nullptr, false);
  json spec = rec.is_object() ? rec.value("manifest", json::object()).value("spec", json::object())
                              : json::object();
  if (!spec.is_object() || spec.value("policy", "") != "anti-affinity" ||
      !spec.value("strict", true))
    return "";
  auto vms = store.list_resources(std::string("VirtualMachine"));
  if (!vms.ok()) return "";
  for (const auto& other : *vms) {
    if (other.tenant != vm.tenant || other.name == vm.name || group_of(other) != group) continue;
    auto placed = store.get_placement(other.key());
    if (placed.ok() && placed->host == host)
      return host + " runs " + other.name + " of its anti-affinity group " + group;
  }
  return "";
}

// The host a VM goes to when none is named: another host of the same pool
// and arch, not in maintenance nor holding a member of its strict
// anti-affinity group, holding the fewest domains.
Result<std::string> pick_target(Store& store, const std::vector<HostRecord>& hosts,
                                const ResourceRecord& vm, const std::string& from) {
  const HostRecord* source = nullptr;
  for (const auto& h : hosts)
    if (h.name == from) source = &h;
  std::string best;
  size_t fewest = SIZE_MAX;
  for (const auto& h : hosts) {
    if (h.name == from || (source && (h.pool != source->pool || h.arch != source->arch)) ||
        in_maintenance(store, h.name) || !anti_affinity_conflict(store, vm, h.name).empty())
      continue;
    json snapshot = json::parse(h.facts_json, nullptr, false);
    if (!snapshot.is_object() || snapshot.contains("unreachableSinceMs")) continue;
    size_t n = snapshot.value("domains", json::array()).size();
    if (n < fewest) fewest = n, best = h.name;
  }
  if (best.empty())
    return error(Code::kFailedPrecondition, "no other reachable host of pool " +
                                                (source ? source->pool : "?") + " with arch " +
                                                (source ? source->arch : "?") +
                                                " outside maintenance; name one with --to");
  return best;
}

// The hypervisor type the host's agent last reported ("QEMU", "TEST").
std::string hypervisor_of(const HostRecord& h) {
  json snapshot = json::parse(h.facts_json, nullptr, false);
  if (!snapshot.is_object()) return "";
  json hv = snapshot.value("facts", json::object()).value("hypervisor", json::object());
  return hv.is_object() ? hv.value("type", std::string()) : std::string();
}

void run_migrate(CliContext& ctx, const MigrateOptions& o, const CLI::App& cmd) {
  if (o.live && o.cold)
    return fail(ctx, "vm migrate: --live and --cold exclude each other", kExitUsage);
  if (o.bandwidth < 0 || o.bandwidth > 1'000'000)
    return fail(ctx, "vm migrate: --bandwidth: expected 0 to 1000000 MiB/s", kExitUsage);
  auto timeout = parse_duration("--timeout", o.timeout, kMaxStopTimeout);
  if (!timeout.ok()) return fail(ctx, timeout.status().message(), kExitUsage);
  auto opened = open_vm_for_change(ctx, cmd, o.name, o.tenant);
  if (!opened) return;
  Store& store = *opened->store;
  const std::string* state = &opened->state_path;
  VmTarget* vm = &opened->vm;
  AuditLog log(store);
  if (Status w = log.check_writable(); !w.ok()) return fail(ctx, w.message(), kExitFailure);
  auto hosts = store.list_hosts();
  if (!hosts.ok()) return fail(ctx, hosts.status().message(), kExitFailure);
  if (!o.to.empty() && std::none_of(hosts->begin(), hosts->end(),
                                    [&](const HostRecord& h) { return h.name == o.to; }))
    return fail(ctx, "vm migrate: --to: unknown host \"" + o.to + "\"; nothing was changed",
                kExitUsage);
  HostClients clients(pki_files_for_state(*state), 4);
  for (const auto& h : *hosts) clients.add_host(host_object(store, h));
  PrintedProgress progress(ctx.err);
  VmMover mover(log, clients, audit_identity_for(cmd));
  ImageSupplier images(clients, image_store_dir(*state));
  mover.supply_images_with(&images);

  // An earlier move left half-way is settled first.
  for (const auto& [r, result] : mover.resume(progress)) {
    if (result.ok())
      ctx.err << "journal: " << printable(r.tenant + "/" + r.name) << " " << printable(r.from_host)
              << " -> " << printable(r.to_host) << ": " << printable(result->summary()) << "\n";
    else
      return fail(ctx,
                  "journal: unfinished move of " + r.tenant + "/" + r.name + ": " +
                      result.status().message(),
                  kExitFailure);
  }
  auto found = find_vm(store, o.name, o.tenant);  // the journal may have moved it
  if (!found.ok()) return fail(ctx, found.status().message(), kExitFailure);
  *vm = std::move(*found);
  if (vm->host.empty())
    return fail(ctx, "vm migrate " + o.name + ": not placed on any host", kExitFailure);
  std::string to = o.to;
  if (to.empty()) {
    auto picked = pick_target(store, *hosts, vm->record, vm->host);
    if (!picked.ok())
      return fail(ctx, "vm migrate " + o.name + ": " + picked.status().message(), kExitFailure);
    to = *picked;
  }
  if (std::string why = anti_affinity_conflict(store, vm->record, to); !why.empty())
    return fail(ctx, "vm migrate " + o.name + ": " + why + "; nothing was changed", kExitUsage);
  if (to == vm->host)
    return fail(ctx, "vm migrate " + o.name + ": already on " + to + "; nothing was changed",
                kExitUsage);
  auto running = state_on(clients, vm->host, vm->domain);
  if (!running.ok()) return fail(ctx, running.status().message(), kExitFailure);
  if (running->empty())
    return fail(
        ctx, "vm migrate " + o.name + ": host " + vm->host + " does not hold domain " + vm->domain,
        kExitFailure);
  std::string from_arch, to_arch, from_hv, to_hv;
  for (const auto& h : *hosts) {
    if (h.name == vm->host) from_arch = h.arch, from_hv = hypervisor_of(h);
    if (h.name == to) to_arch = h.arch, to_hv = hypervisor_of(h);
  }
  // libvirt's test:/// driver (simulated hosts) migrates nothing: cold there.
  bool can_live = *running == "running" && from_arch == to_arch && from_hv == to_hv &&
                  from_hv != "TEST" && from_hv != "Test";
  if (o.live && !can_live)
    return fail(ctx,
                "vm migrate " + o.name +
                    ": --live needs a running VM and hosts of one arch and hypervisor (" +
                    *running + ", " + from_arch + "/" + from_hv + " -> " + to_arch + "/" + to_hv +
                    ")",
                kExitUsage);
  MoveRequest r;
  r.tenant = vm->record.tenant;
  r.name = vm->record.name;
  r.domain = vm->domain;
  r.from_host = vm->host;
  r.to_host = to;
  r.mode = can_live && !o.cold ? MoveMode::kLive : MoveMode::kCold;
  r.bandwidth_mib = o.bandwidth;
  r.insecure_migration = o.insecure_migration;
  r.stop_timeout_s = timeout->count();
  json record = json::parse(vm->record.spec_json, nullptr, false);
  r.spec = record.is_object() ? record.value("domain", json::object()) : json::object();
  std::ostream& plan = o.output == "table" ? ctx.out : ctx.err;
  plan << "Plan: migrate VirtualMachine " << printable(r.tenant + "/" + r.name) << " "
       << printable(r.from_host) << " -> " << printable(r.to_host) << " (" << move_mode_name(r.mode)
       << (r.mode == MoveMode::kCold && *running == "running"
               ? ": the VM stops while its disks are copied"
               : "")
       << ")\n";
  if (r.mode == MoveMode::kCold && *running == "running" &&
      !confirm_destruction(ctx, "a cold move stops the VM", o.yes)) {
    ctx.exit_code = kExitFailure;
    return;
  }
  auto moved = mover.move(r, progress);
  refresh_host_domains(store, clients, r.from_host);
  refresh_host_domains(store, clients, r.to_host);
  // Said even when the move failed after the image went: the host keeps it.
  if (Status s = report_supplied_images(store, log, audit_identity_for(cmd), images, "vm migrate",
                                        o.output == "table" ? ctx.out : ctx.err);
      !s.ok())
    print_error(ctx, "audit of the images sent: " + s.message());
  if (!moved.ok())
    return fail(ctx, "vm migrate " + r.tenant + "/" + r.name + ": " + moved.status().message(),
                kExitFailure);
  json row = {{"vm", r.name},
              {"tenant", r.tenant},
              {"from", r.from_host},
              {"to", r.to_host},
              {"mode", move_mode_name(r.mode)},
              {"tls", moved->tls},
              {"totalMs", moved->total_ms},
              {"downtimeMs", moved->downtime_ms},
              {"bytes", moved->bytes},
              {"copy", !moved->copied   ? "none"
                       : moved->relayed ? "through-controller"
                                        : "host-to-host"}};
  if (!moved->relayed_because.empty()) row["relayedBecause"] = moved->relayed_because;
  if (o.output == "json")
    ctx.out << json_text(row) << "\n";
  else if (o.output == "yaml")
    ctx.out << json_to_yaml(row);
  else
    ctx.out << "migrated " << printable(r.tenant + "/" + r.name) << " " << printable(r.from_host)
            << " -> " << printable(r.to_host) << ": " << printable(moved->summary()) << "\n";
}

}  // namespace

void add_vm_migrate_command(CLI::App& vm, CliContext& ctx) {
  auto o = std::make_shared<MigrateOptions>();
  auto* cmd = vm.add_subcommand("migrate", "Move a VM to another host, live or cold");
  cmd->add_option("NAME", o->name, "The VM")->required();
  cmd->add_option("--tenant", o->tenant, "The tenant of the VM, when its name is not unique");
  cmd->add_option("--to", o->to,
                  "The host to move to (default: the host of its pool and arch "
                  "with the fewest VMs, outside maintenance)");
  cmd->add_flag("--live", o->live, "Live migration (the default for a running VM on one arch)");
  cmd->add_flag("--cold", o->cold, "Stop, copy the disks, start on the target");
  cmd->add_option("--bandwidth", o->bandwidth, "Live: bandwidth cap in MiB/s (0: none)");
  cmd->add_flag("--insecure-migration", o->insecure_migration,
                "Live: migrate over plain TCP when a host has no TLS migration certificates "
                "(refused otherwise; recorded in the audit record)");
  cmd->add_option("--timeout", o->timeout,
                  "Cold: how long the guest may take to shut down before it is powered off "
                  "(at most 240s)")
      ->capture_default_str();
  cmd->add_flag("--yes,-y", o->yes, "Do not ask before a cold move stops a running VM");
  add_output_option(*cmd, o->output, {"table", "json", "yaml"});
  cmd->footer(
      "Examples:\n  xcloudctl vm migrate edu-portal-web-1 --to x86-02\n"
      "  xcloudctl vm migrate edu-portal-web-1 --cold --yes -o json\n"
      "  xcloudctl vm migrate edu-portal-db-1 --live --bandwidth 200\n"
      "  xcloudctl vm migrate lab-1 --live --insecure-migration --reason 'CHG-42: lab hosts'\n\n"
      "Live: libvirt peer-to-peer migration from the VM's host to the target's libvirtd, local\n"
      "disks copied (--copy-storage-all), memory and disks over TLS with the cloud CA's\n"
      "certificates (libvirt's migrate_tls; refused when a host has none, unless\n"
      "--insecure-migration); TLS or not, downtime and total time from libvirt's job\n"
      "statistics go into the audit record. Cold: the VM is shut down, each disk is copied\n"
      "through the agents and checked with SHA-256, the VM is defined (and started if it ran)\n"
      "on the target, and only then deleted from the source. A move interrupted at any point is\n"
      "finished or rolled back by the next 'vm migrate' or apply (the move journal).\n"
      "A move keeps the VM's MAC, addresses, security groups, volumes and its meter.\n"
      "Exit codes: 0 moved, 1 the move failed (the VM stays where the message says), 2 bad usage.");
  cmd->callback([&ctx, o, cmd] { run_migrate(ctx, *o, *cmd); });
}

}  // namespace xc
