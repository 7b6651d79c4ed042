// xcloudctl snapshot create|list|revert|delete VM [NAME]: disk-only external
// snapshots on the VM's host (the agent's snapshot.* methods). Revert and
// delete destroy data (later writes, a point in time) and need --yes or a
// typed yes. Every change is one audit record. Snapshot storage counts in
// the tenant's quota (a create over it is refused before the host is asked)
// and is metered after every change from what the host then lists
// (ctl/billing/snapshot_metering.h). CLI wiring; one run per process.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <ctime>

#include "common/domain_spec.h"
#include "common/printable.h"
#include "ctl/audit/audit_log.h"
#include "ctl/billing/metering.h"
#include "ctl/billing/snapshot_metering.h"
#include "ctl/cli/audit_commands.h"
#include "ctl/cli/cli.h"
#include "ctl/cli/json_yaml.h"
#include "ctl/cli/protect_commands.h"
#include "ctl/cli/table.h"
#include "ctl/cli/vm_target.h"
#include "ctl/hosts/host_clients.h"
#include "ctl/hosts/pki_files.h"
#include "ctl/reconcile/quota.h"

namespace xc {
namespace {

using nlohmann::json;

struct SnapshotOptions {
  std::string vm, snapshot, tenant, output;
  int limit = 8;
  bool yes = false;
};

// "snap-20261203-211502" (UTC): the default name of a new snapshot.
std::string default_name() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "snap-%Y%m%d-%H%M%S", &tm);
  return buf;
}

std::string size_text(int64_t bytes) {
  if (bytes < (1 << 20)) return std::to_string(bytes / 1024) + " KiB";
  if (bytes < (int64_t{1} << 30)) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes >> 30) + "." + std::to_string(((bytes >> 20) % 1024) * 10 / 1024) +
         " GiB";
}

std::string time_text(int64_t unix_s) {
  std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
  return buf;
}

void print_snapshots(CliContext& ctx, const json& list, const std::string& output) {
  json rows = json::array();
  for (const auto& s : list)
    rows.push_back({{"name", s["name"]},
                    {"created", time_text(s.value("createdUnix", int64_t{0}))},
                    {"quiesced", s["quiesced"]},
                    {"bytes", s["bytes"]},
                    {"note", s.value("note", "")},
                    {"disks", s["disks"]}});
  if (output == "json") {
    ctx.out << json_text(rows) << "\n";
    return;
  }
  if (output == "yaml") {
    ctx.out << json_to_yaml(rows);
    return;
  }
  const bool wide = output == "wide";
  Table table(wide ? std::vector<std::string>{"NAME", "CREATED", "QUIESCED", "SIZE", "NOTE"}
                   : std::vector<std::string>{"NAME", "CREATED", "QUIESCED", "SIZE"});
  for (const auto& r : rows) {
    std::vector<std::string> row = {r["name"], r["created"],
                                    r["quiesced"].get<bool>() ? "yes" : "no",
                                    size_text(r["bytes"].get<int64_t>())};
    if (wide) row.push_back(r["note"]);
    table.add(row);
  }
  table.print(ctx.out);
}

// The VM and a client for its host; null after printing why.
struct Reach {
  VmTarget vm;
  std::unique_ptr<HostClients> clients;
};

std::optional<Reach> reach(CliContext& ctx, Store& store, const std::string& state,
                           const SnapshotOptions& o) {
  auto vm = find_vm(store, o.vm, o.tenant);
  if (!vm.ok()) {
    fail(ctx, vm.status().message(),
         vm.status().code() == Code::kNotFound || vm.status().code() == Code::kInvalidArgument
             ? kExitUsage
             : kExitFailure);
    return std::nullopt;
  }
  if (vm->host.empty()) {
    fail(ctx, "VM \"" + o.vm + "\" is not placed on any host", kExitFailure);
    return std::nullopt;
  }
  auto h = store.get_host(vm->host);
  if (!h.ok()) {
    fail(ctx, "host " + vm->host + ": " + h.status().message(), kExitFailure);
    return std::nullopt;
  }
  Reach r{*vm, std::make_unique<HostClients>(pki_files_for_state(state), 1)};
  r.clients->add_host(host_object(store, *h));
  return r;
}

// The VM's stored DomainSpec (what its disks are, in which tier).
Result<DomainSpec> stored_spec(const VmTarget& vm) {
  json record = json::parse(vm.record.spec_json, nullptr, false);
  if (!record.is_object() || !record.contains("domain"))
    return error(Code::kFailedPrecondition,
                 "VM " + object_key(vm.record.tenant, vm.record.name) + ": no stored domain spec");
  auto spec = domain_spec_from_json(record["domain"]);
  if (spec.ok()) spec->tenant = vm.record.tenant;
  return spec;
}

// Refuses (printing why) a new snapshot that would take the VM's tenant or
// an ancestor past its storage quota. True when it fits.
bool snapshot_fits_quota(CliContext& ctx, Store& store, const VmTarget& vm,
                         const std::string& key) {
  auto spec = stored_spec(vm);
  if (!spec.ok()) {
    fail(ctx, "snapshot create " + printable(key) + ": " + spec.status().message(), kExitFailure);
    return false;
  }
  auto refusals =
      check_snapshot_quota(store, vm.record.tenant, vm.record.name, new_snapshot_storage(*spec));
  if (!refusals.ok()) {
    fail(ctx, "snapshot create " + printable(key) + ": " + refusals.status().message(),
         kExitFailure);
    return false;
  }
  if (refusals->empty()) return true;
  for (const auto& message : *refusals) ctx.err << "error: " << printable(message) << "\n";
  ctx.err << "snapshot create " << printable(key) << ": a snapshot holds the size of the VM's "
          << "disks in their tiers; " << refusals->size()
          << " quota violation(s); nothing was changed\n";
  ctx.exit_code = kExitFailure;
  return false;
}

int64_t meter_now(Store& store) {
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  auto last = store.last_meter_instant_ms();
  return last.ok() ? std::max(now, *last) : now;
}

void run_list(CliContext& ctx, const SnapshotOptions& o) {
  auto state = resolve_state_path(ctx);
  if (!state.ok()) return fail(ctx, state.status().message(), kExitUsage);
  auto store = open_state_store(ctx);
  if (!store) return;
  auto r = reach(ctx, *store, *state, o);
  if (!r) return;
  auto reply = r->clients->call(r->vm.host, "snapshot.list", {{"name", r->vm.domain}});
  if (!reply.ok())
    return fail(ctx, "snapshot list " + o.vm + ": " + reply.status().message(), kExitFailure);
  print_snapshots(ctx, (*reply)["snapshots"], o.output);
}

void run_change(CliContext& ctx, const std::string& verb, SnapshotOptions o, const CLI::App& cmd) {
  if (verb == "create" && o.snapshot.empty()) o.snapshot = default_name();
  auto state = resolve_state_path(ctx);
  if (!state.ok()) return fail(ctx, state.status().message(), kExitUsage);
  auto store = open_state_for_change(ctx, cmd);
  if (!store) return;
  auto r = reach(ctx, *store, *state, o);
  if (!r) return;
  const std::string key = object_key(r->vm.record.tenant, r->vm.record.name);
  if (verb == "revert" &&
      !confirm_destruction(ctx,
                           "revert " + printable(key) + " to snapshot " + printable(o.snapshot) +
                               " destroys data (Destroys: every write since that snapshot, and "
                               "every later snapshot)",
                           o.yes))
    return void(ctx.exit_code = kExitFailure);
  if (verb == "delete" &&
      !confirm_destruction(ctx,
                           "delete snapshot " + printable(o.snapshot) + " of " + printable(key) +
                               " destroys data (Destroys: the disk state at that point in time; "
                               "current data is kept)",
                           o.yes))
    return void(ctx.exit_code = kExitFailure);

  if (verb == "create" && !snapshot_fits_quota(ctx, *store, r->vm, key)) return;

  AuditLog log(*store);
  if (Status w = log.check_writable(); !w.ok()) return fail(ctx, w.message(), kExitFailure);
  AuditRecord record = audit_identity_for(cmd).record("VirtualMachine", r->vm.record.tenant,
                                                      r->vm.record.name, "snapshot-" + verb);
  record.hash_before = record.hash_after = r->vm.record.spec_hash;
  record.message = "host " + r->vm.host + ", domain " + r->vm.domain + ", snapshot " + o.snapshot;
  json params = {{"name", r->vm.domain}, {"snapshot", o.snapshot}};
  if (verb == "create") params["limit"] = o.limit;
  json reply;
  // What the VM's snapshots hold once the change is made, from the host's
  // list; unknown when that list fails (then the metering waits for the
  // next snapshot command of the VM, which re-meters from the host's list).
  std::optional<SnapshotStorage> held;
  std::string unmetered;
  Status s = record_change(
      log, record,
      [&]() -> Status {
        auto result = r->clients->call(r->vm.host, "snapshot." + verb, params);
        if (!result.ok()) return result.status();
        reply = *result;
        auto spec = stored_spec(r->vm);
        auto listed = spec.ok()
                          ? r->clients->call(r->vm.host, "snapshot.list", {{"name", r->vm.domain}})
                          : Result<json>(spec.status());
        if (!listed.ok()) {
          unmetered = listed.status().message();
          return {};
        }
        std::vector<std::string> unmatched;
        held = listed_snapshot_storage(*spec, (*listed)["snapshots"], &unmatched);
        if (!unmatched.empty()) unmetered = "overlays of no disk of the VM: " + unmatched.front();
        return {};
      },
      [&]() -> Status {
        if (!held) return {};
        json stored = json::parse(r->vm.record.spec_json, nullptr, false);
        return meter_snapshots(*store, r->vm.record.tenant, system_of(stored), r->vm.record.name,
                               *held, meter_now(*store));
      },
      [&](AuditRecord& rec) {
        if (verb == "create" && !reply["snapshot"].value("quiesced", false))
          rec.message += " (" + reply["snapshot"].value("note", "not quiesced") + ")";
      });
  if (!s.ok()) return fail(ctx, "snapshot " + verb + " " + key + ": " + s.message(), kExitFailure);
  if (!unmetered.empty())
    ctx.err << "warning: snapshot storage of " << printable(key)
            << " not re-metered: " << printable(unmetered) << "\n";
  if (held) reply["storageGiB"] = {{"normal", held->normal_gib}, {"high", held->high_gib}};
  if (o.output == "json") {
    ctx.out << json_text(reply) << "\n";
  } else if (o.output == "yaml") {
    ctx.out << json_to_yaml(reply);
  } else if (verb == "create") {
    const json& snap = reply["snapshot"];
    ctx.out << printable(key) << ": snapshot " << printable(o.snapshot) << " created ("
            << (snap.value("quiesced", false) ? "quiesced through the guest agent"
                                              : printable(snap.value("note", "not quiesced")))
            << "; " << reply.value("count", 0) << " of " << o.limit << ")\n";
  } else if (verb == "delete") {
    ctx.out << printable(key) << ": snapshot " << printable(o.snapshot) << " deleted (merged by "
            << printable(reply.value("merged", "")) << ")\n";
  } else {
    ctx.out << printable(key) << ": reverted to snapshot " << printable(o.snapshot);
    if (!reply["discardedSnapshots"].empty())
      ctx.out << " (discarded later snapshots: " << printable(reply["discardedSnapshots"].dump())
              << ")";
    ctx.out << "\n";
  }
  seal_after_change(ctx);
}

CLI::App* add_snapshot_verb(CLI::App& parent, CliContext& ctx, const std::string& verb,
                            const std::string& what, const std::string& examples) {
  auto o = std::make_shared<SnapshotOptions>();
  auto* cmd = parent.add_subcommand(verb, what);
  cmd->add_option("VM", o->vm, "The VM")->required();
  if (verb != "list") {
    auto* name = cmd->add_option(
        "NAME", o->snapshot,
        verb == "create" ? "The snapshot's name (default snap-DATE-TIME)" : "The snapshot");
    if (verb != "create") name->required();
  }
  cmd->add_option("--tenant", o->tenant, "The VM's tenant, when its name is not unique");
  if (verb == "create")
    cmd->add_option("--limit", o->limit, "Refuse when the VM has this many snapshots")
        ->check(CLI::Range(1, 64))
        ->capture_default_str();
  if (verb == "revert" || verb == "delete")
    cmd->add_flag("--yes", o->yes, "Confirm the destruction without a prompt");
  if (verb == "list")
    add_output_option(*cmd, o->output, {"table", "wide", "json", "yaml"});
  else
    add_output_option(*cmd, o->output, {"table", "json", "yaml"});
  cmd->footer("Examples:\n" + examples);
  cmd->callback([&ctx, verb, o, cmd] {
    if (verb == "list")
      run_list(ctx, *o);
    else
      run_change(ctx, verb, *o, *cmd);
  });
  return cmd;
}

}  // namespace

void add_snapshot_command(CLI::App& app, CliContext& ctx) {
  auto* snap =
      app.add_subcommand("snapshot", "Disk snapshots of a VM (qcow2 overlays on its host)");
  snap->require_subcommand(1);
  snap->footer(
      "Examples:\n  xcloudctl snapshot create edu-portal-web-1 before-upgrade\n"
      "  xcloudctl snapshot list edu-portal-web-1\n\n"
      "Snapshots are disk-only and external: each disk gets a qcow2 overlay beside it.\n"
      "A running guest with a QEMU guest agent is quiesced (file systems frozen);\n"
      "otherwise the snapshot is crash-consistent and its record says so.\n"
      "A snapshot holds the size of the VM's disks in their tiers: it counts in the\n"
      "tenant's storage quota (a create over it is refused, nothing changed) and is\n"
      "billed at the tier's storage price while it exists (bill items snapshots-storage-*).");
  add_snapshot_verb(*snap, ctx, "create", "Take a disk snapshot of a running or stopped VM",
                    "  xcloudctl snapshot create edu-portal-web-1 before-upgrade\n"
                    "  xcloudctl snapshot create edu-portal-web-1 --limit 4 -o json");
  add_snapshot_verb(*snap, ctx, "list", "List a VM's snapshots, oldest first",
                    "  xcloudctl snapshot list edu-portal-web-1\n"
                    "  xcloudctl snapshot list edu-portal-web-1 -o wide");
  add_snapshot_verb(
      *snap, ctx, "revert",
      "Revert a stopped VM's disks to a snapshot (destroys later writes and snapshots)",
      "  xcloudctl vm stop edu-portal-web-1\n"
      "  xcloudctl snapshot revert edu-portal-web-1 before-upgrade --yes");
  add_snapshot_verb(*snap, ctx, "delete",
                    "Delete a snapshot: merge its overlay (block commit while running)",
                    "  xcloudctl snapshot delete edu-portal-web-1 before-upgrade --yes");
}

}  // namespace xc
