// xcloudctl backup schedule [--now]: the BackupPolicies' state per VM (last
// backup, result, whether one is due), or with --now one round of the
// schedule (ctl/backup/backup_round.h), what `serve` runs every --backups:
// for cron users and tests. XCLOUD_NOW_MS replaces the clock.
#include <CLI/CLI.hpp>

#include "common/printable.h"
#include "common/time.h"
#include "ctl/backup/backup_round.h"
#include "ctl/backup/key_store.h"
#include "ctl/billing/billing_inputs.h"
#include "ctl/cli/audit_commands.h"
#include "ctl/cli/backup_commands.h"
#include "ctl/cli/json_yaml.h"
#include "ctl/cli/table.h"
#include "ctl/hosts/pki_files.h"
#include "ctl/store/state_path.h"

namespace xc {
namespace {

using nlohmann::json;

struct ScheduleOptions {
  bool now = false;
  std::string output = "table";
};

std::string when(int64_t ms) {
  return ms > 0 ? format_time_ms(ms) : "-";
}

void show(CliContext& ctx, const ScheduleOptions& o, int64_t now) {
  auto store = open_state_store(ctx);
  if (!store) return;
  auto in = load_backup_plan_inputs(*store);
  if (!in.ok()) return fail(ctx, in.status().message(), kExitFailure);
  json rows = json::array();
  for (const PolicyEntry& p : in->policies)
    for (const VmEntry& vm : in->vms) {
      if (!policy_selects(p, vm)) continue;
      std::optional<BackupRunRecord> last;
      for (const BackupRunRecord& r : in->runs)
        if (r.policy_tenant == p.tenant && r.policy == p.name && r.tenant == vm.tenant &&
            r.vm == vm.name)
          last = r;
      rows.push_back({{"policy", object_key(p.tenant, p.name)},
                      {"vm", object_key(vm.tenant, vm.name)},
                      {"schedule", p.schedule.text()},
                      {"target", p.spec.target},
                      {"lastBackup", last ? when(last->last_success_ms) : "-"},
                      {"backupId", last ? last->last_backup_id : ""},
                      {"result", last ? last->result : "never run"},
                      {"failures", last ? last->failures : 0},
                      {"error", last ? last->error : ""},
                      {"due", backup_due(p.schedule, last, now)}});
    }
  if (o.output == "json") return void(ctx.out << json_text(rows) << "\n");
  if (o.output == "yaml") return void(ctx.out << json_to_yaml(rows));
  const bool wide = o.output == "wide";
  std::vector<std::string> head = {"POLICY",      "VM",     "SCHEDULE", "TARGET",
                                   "LAST BACKUP", "RESULT", "DUE"};
  if (wide) head.insert(head.end(), {"FAILURES", "ERROR"});
  Table t(head);
  for (const auto& r : rows) {
    std::vector<std::string> row = {printable(r["policy"].get<std::string>()),
                                    printable(r["vm"].get<std::string>()),
                                    r["schedule"],
                                    r["target"],
                                    r["lastBackup"],
                                    r["result"],
                                    r["due"].get<bool>() ? "yes" : "no"};
    if (wide) {
      row.push_back(std::to_string(r["failures"].get<int64_t>()));
      row.push_back(printable(r["error"].get<std::string>()));
    }
    t.add(row);
  }
  t.print(ctx.out);
}

void run_round(CliContext& ctx, const ScheduleOptions& o, const CLI::App& cmd, int64_t now) {
  auto state = resolve_state_path(ctx);
  if (!state.ok()) return fail(ctx, state.status().message(), kExitUsage);
  auto store = open_state_for_change(ctx, cmd);
  if (!store) return;
  HostClients clients(pki_files_for_state(*state), 1);
  BackupRoundOptions options;
  options.key_path = backup_key_path(state_dir(*state));
  options.who = audit_identity_for(cmd);
  auto round = backup_round(*store, clients, now, options, [&](const std::string& line) {
    ctx.err << "xcloudctl: " << printable(line) << "\n";
  });
  if (!round.ok()) return fail(ctx, "backup schedule: " + round.status().message(), kExitFailure);
  json rows = json::array();
  for (const BackupOutcome& b : *round) {
    json row = {{"policy", b.policy}, {"vm", b.vm},          {"target", b.target},
                {"host", b.host},     {"ok", b.status.ok()}, {"pruned", b.pruned}};
    if (b.status.ok()) {
      row["id"] = b.manifest.id;
      row["kind"] = b.manifest.kind;
      row["bytes"] = b.manifest.stored_bytes();
    } else {
      row["error"] = b.status.message();
      ctx.exit_code = kExitFailure;
    }
    rows.push_back(row);
    if (o.output == "json" || o.output == "yaml") continue;
    ctx.out << printable(b.vm) << ": "
            << (b.status.ok() ? "backup " + b.manifest.id + " " + b.manifest.kind
                              : std::string("FAILED"))
            << " (policy " << printable(b.policy) << ", target " << printable(b.target) << ")";
    for (const auto& id : b.pruned) ctx.out << ", pruned " << id;
    ctx.out << "\n";
  }
  if ((o.output == "table" || o.output == "wide") && round->empty())
    ctx.out << "no backup is due\n";
  if (o.output == "json") ctx.out << json_text(rows) << "\n";
  if (o.output == "yaml") ctx.out << json_to_yaml(rows);
  seal_after_change(ctx);
}

}  // namespace

void add_backup_schedule_command(CLI::App& backup, CliContext& ctx) {
  auto o = std::make_shared<ScheduleOptions>();
  auto* cmd = backup.add_subcommand(
      "schedule", "The BackupPolicies' backups per VM, or (--now) run the ones that are due");
  cmd->add_flag("--now", o->now,
                "Run one round: back up every VM whose policy is due, then prune per its "
                "retention (what `serve` does every --backups)");
  add_output_option(*cmd, o->output, {"table", "wide", "json", "yaml"});
  cmd->footer(
      "Examples:\n  xcloudctl backup schedule -o wide\n  xcloudctl backup schedule --now\n\n"
      "A (policy, VM) is due when the newest time of its schedule has no backup yet; a failed\n"
      "backup is tried again 5 minutes later at the earliest. Each backup is audited and\n"
      "stored as a VM event (backup-done, backup-failed: the built-in alarm).\n"
      "Environment: XCLOUD_NOW_MS replaces the clock.\n"
      "Exit codes: 0 every due backup worked (or none was due), 1 one failed, 2 usage.");
  cmd->callback([&ctx, o, cmd] {
    auto now = clock_now_ms();
    if (!now.ok()) return fail(ctx, now.status().message(), kExitUsage);
    if (o->now) return run_round(ctx, *o, *cmd, *now);
    show(ctx, *o, *now);
  });
}

}  // namespace xc
