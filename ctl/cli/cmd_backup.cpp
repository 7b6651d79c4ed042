// xcloudctl backup run|list|verify|restore|prune: SM4-encrypted, chunked,
// incremental backups of VMs into a target directory (ctl/backup/). The key
// lives in the key store beside the state database. run and prune change
// things and are audited; prune (deletes backups) needs --yes or a typed yes.
// CLI wiring; one run per process.
#include <CLI/CLI.hpp>
#include <filesystem>

#include "common/printable.h"
#include "common/time.h"
#include "ctl/audit/audit_log.h"
#include "ctl/backup/backup_repository.h"
#include "ctl/backup/backup_round.h"
#include "ctl/backup/backup_schedule.h"
#include "ctl/backup/host_backup.h"
#include "ctl/backup/key_store.h"
#include "ctl/backup/restore_space.h"
#include "ctl/backup/retention.h"
#include "ctl/cli/audit_commands.h"
#include "ctl/cli/backup_commands.h"
#include "ctl/cli/byte_progress.h"
#include "ctl/cli/cli.h"
#include "ctl/cli/json_yaml.h"
#include "ctl/cli/protect_commands.h"
#include "ctl/cli/restore_as.h"
#include "ctl/cli/table.h"
#include "ctl/cli/vm_target.h"
#include "ctl/hosts/pki_files.h"
#include "ctl/store/state_path.h"

namespace xc {
namespace {

using nlohmann::json;

struct BackupOptions {
  std::vector<std::string> vms;
  std::string tenant, target, at, to, output, key, as;
  Retention keep;
  bool yes = false;
  bool digest = false;
};

Result<BackupKey> key_for(CliContext& ctx, const BackupOptions& o, bool create) {
  std::string path = o.key;
  if (path.empty()) {
    auto state = resolve_state_path(ctx);
    if (!state.ok()) return state.status();
    path = backup_key_path(state_dir(*state));
  }
  return load_backup_key(path, create);
}

Status check_target(const std::string& target) {
  std::error_code ec;
  if (target.empty())
    return error(Code::kInvalidArgument, "--target: a backup directory is needed");
  if (!std::filesystem::is_directory(target, ec))
    return error(Code::kInvalidArgument, "--target " + target + ": not a directory");
  return {};
}

// --target, else the target of the BackupPolicy that selects the VM.
Result<std::string> target_dir(Store& store, const BackupOptions& o, const VmTarget& vm) {
  std::string dir = o.target;
  if (dir.empty()) {
    auto in = load_backup_plan_inputs(store);
    if (!in.ok()) return in.status();
    auto from_policy = policy_target_dir(*in, vm.record.tenant, vm.record.name);
    if (!from_policy.ok()) return from_policy.status();
    dir = *from_policy;
  }
  if (Status s = check_target(dir); !s.ok()) return s;
  return dir;
}

std::string mib(int64_t bytes) {
  return std::to_string(bytes >> 20) + "." + std::to_string(((bytes >> 10) % 1024) * 10 / 1024) +
         " MiB";
}

// The backup --at names: an id, or the newest at or before a time.
Result<std::string> pick(const std::vector<BackupManifest>& all, const std::string& at) {
  if (all.empty()) return error(Code::kNotFound, "no backups");
  if (at.empty()) return all.back().id;
  for (const auto& m : all)
    if (m.id == at) return m.id;
  auto t = parse_time_ms(at);
  if (!t.ok())
    return error(Code::kInvalidArgument,
                 "--at: expected a backup id or a time; " + t.status().message());
  std::string best;
  for (const auto& m : all)
    if (m.time_ms <= *t) best = m.id;
  if (best.empty()) return error(Code::kNotFound, "no backup at or before " + at);
  return best;
}

void run_backup(CliContext& ctx, const BackupOptions& o, const CLI::App& cmd) {
  auto state = resolve_state_path(ctx);
  if (!state.ok()) return fail(ctx, state.status().message(), kExitUsage);
  auto store = open_state_for_change(ctx, cmd);
  if (!store) return;
  auto key = key_for(ctx, o, true);
  if (!key.ok()) return fail(ctx, key.status().message(), kExitFailure);
  AuditLog log(*store);
  if (Status w = log.check_writable(); !w.ok()) return fail(ctx, w.message(), kExitFailure);
  json rows = json::array();
  for (const auto& name : o.vms) {
    auto vm = find_vm(*store, name, o.tenant);
    if (!vm.ok()) return fail(ctx, vm.status().message(), kExitUsage);
    auto dir = target_dir(*store, o, *vm);
    if (!dir.ok()) return fail(ctx, dir.status().message(), kExitUsage);
    BackupRepository repo(*dir);
    if (vm->host.empty())
      return fail(ctx, "VM \"" + name + "\" is not placed on any host", kExitFailure);
    auto h = store->get_host(vm->host);
    if (!h.ok()) return fail(ctx, "host " + vm->host + ": " + h.status().message(), kExitFailure);
    HostClients clients(pki_files_for_state(*state), 1);
    clients.add_host(host_object(*store, *h));
    auto history = repo.list(vm->record.tenant, vm->record.name, *key);
    if (!history.ok()) return fail(ctx, history.status().message(), kExitFailure);
    const int64_t now = system_now_ms();
    HostBackupRequest req{vm->record.tenant, vm->record.name,    vm->host,
                          vm->domain,        backup_id_for(now), now};
    AuditRecord record = audit_identity_for(cmd).record("VirtualMachine", vm->record.tenant,
                                                        vm->record.name, "backup");
    record.hash_before = record.hash_after = vm->record.spec_hash;
    record.message = "host " + vm->host + ", target " + *dir + ", backup " + req.id;
    Result<HostBackupResult> done = error(Code::kInternal, "not run");
    Status s = record_change(
        log, record,
        [&]() -> Status {
          done = run_host_backup(clients, repo, *key, req, *history);
          return done.status();
        },
        nullptr,
        [&](AuditRecord& r) {
          r.message += " (" + done->manifest.kind + ", " +
                       std::to_string(done->manifest.chunks.size()) + " chunks, " +
                       std::to_string(done->manifest.stored_bytes()) + " bytes)";
        });
    const std::string key_text = object_key(vm->record.tenant, vm->record.name);
    if (!s.ok()) {
      fail(ctx, "backup run " + key_text + ": " + s.message(), kExitFailure);
      continue;
    }
    const BackupManifest& m = done->manifest;
    if (o.output == "table")
      ctx.out << printable(key_text) << ": backup " << m.id << " " << m.kind << ", "
              << m.chunks.size() << " chunks, " << mib(m.stored_bytes()) << " stored ("
              << printable(m.method) << ")\n";
    if (!done->note.empty()) ctx.err << "xcloudctl: note: " << printable(done->note) << "\n";
    rows.push_back({{"vm", m.vm},
                    {"tenant", m.tenant},
                    {"id", m.id},
                    {"kind", m.kind},
                    {"chunks", m.chunks.size()},
                    {"bytes", m.stored_bytes()},
                    {"method", m.method}});
  }
  if (o.output == "json") ctx.out << json_text(rows) << "\n";
  if (o.output == "yaml") ctx.out << json_to_yaml(rows);
  seal_after_change(ctx);
}

// The VM's record (tenant and name) and its backups.
struct Listed {
  VmTarget vm;
  std::string target;
  std::vector<BackupManifest> backups;
  BackupKey key;
};

std::optional<Listed> listed(CliContext& ctx, const BackupOptions& o) {
  auto store = open_state_store(ctx);
  if (!store) return std::nullopt;
  auto vm = find_vm(*store, o.vms.front(), o.tenant);
  if (!vm.ok()) return fail(ctx, vm.status().message(), kExitUsage), std::nullopt;
  auto dir = target_dir(*store, o, *vm);
  if (!dir.ok()) return fail(ctx, dir.status().message(), kExitUsage), std::nullopt;
  auto key = key_for(ctx, o, false);
  if (!key.ok()) return fail(ctx, key.status().message(), kExitFailure), std::nullopt;
  auto all = BackupRepository(*dir).list(vm->record.tenant, vm->record.name, *key);
  if (!all.ok()) return fail(ctx, all.status().message(), kExitFailure), std::nullopt;
  return Listed{*vm, *dir, std::move(*all), *key};
}

void run_list(CliContext& ctx, const BackupOptions& o) {
  auto l = listed(ctx, o);
  if (!l) return;
  json rows = json::array();
  for (const auto& m : l->backups)
    rows.push_back({{"id", m.id},
                    {"time", format_time_ms(m.time_ms)},
                    {"kind", m.kind},
                    {"parent", m.parent},
                    {"chunks", m.chunks.size()},
                    {"bytes", m.stored_bytes()},
                    {"keyId", m.key_id},
                    {"method", m.method}});
  if (o.output == "json") return void(ctx.out << json_text(rows) << "\n");
  if (o.output == "yaml") return void(ctx.out << json_to_yaml(rows));
  const bool wide = o.output == "wide";
  Table t(
      wide ? std::vector<std::string>{"ID", "TIME", "KIND", "PARENT", "CHUNKS", "STORED", "METHOD"}
           : std::vector<std::string>{"ID", "TIME", "KIND", "CHUNKS", "STORED"});
  for (const auto& r : rows) {
    std::vector<std::string> row = {r["id"], r["time"], r["kind"]};
    if (wide) row.push_back(r["parent"]);
    row.push_back(std::to_string(r["chunks"].get<size_t>()));
    row.push_back(mib(r["bytes"].get<int64_t>()));
    if (wide) row.push_back(r["method"]);
    t.add(row);
  }
  t.print(ctx.out);
}

void run_verify(CliContext& ctx, const BackupOptions& o) {
  auto l = listed(ctx, o);
  if (!l) return;
  BackupRepository repo(l->target);
  std::vector<BackupManifest> which;
  if (o.at.empty()) {
    which = l->backups;
  } else {
    auto id = pick(l->backups, o.at);
    if (!id.ok()) return fail(ctx, id.status().message(), kExitUsage);
    auto chain = BackupRepository::chain_to(l->backups, *id);
    if (!chain.ok()) return fail(ctx, chain.status().message(), kExitFailure);
    which = *chain;
  }
  for (const auto& m : which) {
    Status s = repo.verify(m, l->key);
    if (!s.ok()) {
      fail(ctx, "backup verify: " + s.message(), kExitFailure);
      continue;
    }
    ctx.out << "backup " << m.id << ": " << m.chunks.size()
            << " chunks authenticated (SM4-CTR, HMAC-SM3)\n";
  }
}

void run_restore(CliContext& ctx, const BackupOptions& o, const CLI::App& cmd) {
  if (o.as.empty() == o.to.empty())
    return fail(ctx,
                "backup restore: give --to DIR (raw files) or --as NEW (a new VM), one of them",
                kExitUsage);
  auto l = listed(ctx, o);
  if (!l) return;
  std::error_code ec;
  if (o.as.empty() && !std::filesystem::is_directory(o.to, ec))
    return fail(ctx, "--to: a directory for the restored disks is needed", kExitUsage);
  auto id = pick(l->backups, o.at);
  if (!id.ok()) return fail(ctx, id.status().message(), kExitUsage);
  auto chain = BackupRepository::chain_to(l->backups, *id);
  if (!chain.ok()) return fail(ctx, chain.status().message(), kExitFailure);
  if (!o.as.empty())
    return restore_as_new_vm(
        ctx, cmd,
        {o.vms.front(), o.tenant, o.as, l->target, std::move(*chain), l->key, false, o.output});
  if (Status s = check_room(o.to, "the restored raw disks", restore_size(*chain).total); !s.ok())
    return fail(ctx, "backup restore: " + s.message() + "; nothing was written", kExitFailure);
  auto restored = BackupRepository(l->target).restore(
      *chain, l->key, o.to, o.digest, byte_progress(ctx, "restoring backup " + *id));
  if (!restored.ok())
    return fail(ctx, "backup restore: " + restored.status().message() + "; nothing was written",
                kExitFailure);
  json rows = json::array();
  for (const auto& d : *restored) {
    rows.push_back({{"disk", d.name}, {"file", d.file}, {"size", d.size}, {"backup", *id}});
    if (o.digest) rows.back()["sm3"] = d.sm3;
  }
  if (o.output == "json") return void(ctx.out << json_text(rows) << "\n");
  if (o.output == "yaml") return void(ctx.out << json_to_yaml(rows));
  for (const auto& d : *restored) {
    ctx.out << "restored " << printable(d.name) << " from backup " << *id << " (" << chain->size()
            << " in chain) to " << printable(d.file);
    if (o.digest) ctx.out << ", SM3 " << d.sm3;
    ctx.out << "\n";
  }
}

void run_prune(CliContext& ctx, const BackupOptions& o, const CLI::App& cmd) {
  auto store = open_state_for_change(ctx, cmd);
  if (!store) return;
  auto key = key_for(ctx, o, false);
  if (!key.ok()) return fail(ctx, key.status().message(), kExitFailure);
  AuditLog log(*store);
  if (Status w = log.check_writable(); !w.ok()) return fail(ctx, w.message(), kExitFailure);
  for (const auto& name : o.vms) {
    auto vm = find_vm(*store, name, o.tenant);
    if (!vm.ok()) return fail(ctx, vm.status().message(), kExitUsage);
    auto dir = target_dir(*store, o, *vm);
    if (!dir.ok()) return fail(ctx, dir.status().message(), kExitUsage);
    BackupRepository repo(*dir);
    auto all = repo.list(vm->record.tenant, vm->record.name, *key);
    if (!all.ok()) return fail(ctx, all.status().message(), kExitFailure);
    auto prune = backups_pruned_by(*all, o.keep);
    const std::string key_text = object_key(vm->record.tenant, vm->record.name);
    if (prune.empty()) {
      ctx.out << printable(key_text) << ": nothing to prune (" << all->size() << " backups kept)\n";
      continue;
    }
    std::string ids;
    for (const auto& id : prune) ids += (ids.empty() ? "" : ", ") + id;
    if (!confirm_destruction(
            ctx,
            "prune destroys data (Destroys: backups " + ids + " of " + printable(key_text) + ")",
            o.yes))
      return void(ctx.exit_code = kExitFailure);
    for (const auto& m : *all) {
      if (!prune.count(m.id)) continue;
      AuditRecord record = audit_identity_for(cmd).record("VirtualMachine", vm->record.tenant,
                                                          vm->record.name, "backup-prune");
      record.hash_before = record.hash_after = vm->record.spec_hash;
      record.message = "target " + *dir + ", backup " + m.id;
      Status s = record_change(
          log, record, [&] { return repo.remove(m); }, nullptr);
      if (!s.ok()) return fail(ctx, "backup prune: " + s.message(), kExitFailure);
      ctx.out << printable(key_text) << ": pruned backup " << m.id << "\n";
    }
  }
  seal_after_change(ctx);
}

void common_options(CLI::App* cmd, BackupOptions& o) {
  cmd->add_option("--target", o.target,
                  "The backup target directory (default: the target of the VM's BackupPolicy)");
  cmd->add_option("--tenant", o.tenant, "The VM's tenant, when its name is not unique");
  cmd->add_option("--key", o.key,
                  "The backup key file (default: keys/backup.key beside the state database)");
}

}  // namespace

void add_backup_command(CLI::App& app, CliContext& ctx) {
  auto* b = app.add_subcommand("backup", "Encrypted (SM4) full and incremental backups of VMs");
  b->require_subcommand(1);
  b->footer(
      "Examples:\n  xcloudctl backup run edu-portal-web-1 --target /srv/backup\n"
      "  xcloudctl backup verify edu-portal-web-1 --target /srv/backup\n\n"
      "The first backup of a VM is full, later ones hold only the blocks changed since\n"
      "(libvirt checkpoints). Chunks are sealed with SM4-CTR and HMAC-SM3 under the key\n"
      "in keys/backup.key beside the state database; keep a copy of that key apart.");
  auto o = std::make_shared<BackupOptions>();
  auto* run = b->add_subcommand("run", "Back up VMs now (full first, then incremental)");
  run->add_option("VM", o->vms, "VMs")->required();
  common_options(run, *o);
  add_output_option(*run, o->output, {"table", "json", "yaml"});
  run->footer(
      "Examples:\n  xcloudctl backup run edu-portal-web-1 --target /srv/backup\n"
      "  xcloudctl backup run web-1 web-2 --tenant education --target /srv/backup -o json");
  run->callback([&ctx, o, run] { run_backup(ctx, *o, *run); });

  auto* list = b->add_subcommand("list", "List a VM's backups, oldest first");
  list->add_option("VM", o->vms, "The VM")->required()->expected(1);
  common_options(list, *o);
  add_output_option(*list, o->output, {"table", "wide", "json", "yaml"});
  list->footer("Examples:\n  xcloudctl backup list edu-portal-web-1 --target /srv/backup -o wide");
  list->callback([&ctx, o] { run_list(ctx, *o); });

  auto* verify =
      b->add_subcommand("verify", "Re-read and authenticate every chunk of a VM's backups");
  verify->add_option("VM", o->vms, "The VM")->required()->expected(1);
  common_options(verify, *o);
  verify->add_option("--at", o->at, "Only the chain of this backup (an id or a time)");
  verify->footer(
      "Examples:\n  xcloudctl backup verify edu-portal-web-1 --target /srv/backup\n"
      "Exit codes: 0 every chunk authenticates, 1 a chunk fails (named).");
  verify->callback([&ctx, o] { run_verify(ctx, *o); });

  auto* restore = b->add_subcommand(
      "restore", "Rebuild a VM's disks as of a backup into raw files, or a new VM (--as)");
  restore->add_option("VM", o->vms, "The VM")->required()->expected(1);
  common_options(restore, *o);
  restore->add_option("--at", o->at,
                      "The backup: an id, or the newest at or before a time (default: newest)");
  restore->add_option("--to", o->to, "Directory for DISK.raw files (never overwritten)");
  restore->add_option("--as", o->as,
                      "Restore into a new VM of this name on VM's host instead (VM untouched)");
  restore->add_flag("--digest", o->digest,
                    "Print the SM3 of each whole restored disk (reads the disk back)");
  add_output_option(*restore, o->output, {"table", "json", "yaml"});
  restore->footer(
      "Examples:\n  xcloudctl backup restore edu-portal-web-1 --target /srv/backup --to "
      "/srv/restore\n"
      "  xcloudctl backup restore edu-portal-web-1 --target /srv/backup --at 2026-12-03T21:00Z "
      "--to /tmp/r\n"
      "  xcloudctl backup restore edu-portal-web-1 --target /srv/backup --at 2026-12-03T21:00Z "
      "--as edu-portal-web-1-r\n\n"
      "--as makes a new VM as 'vm clone' does (new MAC, addresses and seed, quotas checked\n"
      "first, kept in the manifest set 'vm-clone', stopped); the backed-up VM is not touched.\n"
      "Here --as names the new VM: give the audit's --as before the command.");
  restore->callback([&ctx, o, restore] { run_restore(ctx, *o, *restore); });

  auto* prune = b->add_subcommand("prune", "Delete backups the retention does not keep");
  prune->add_option("VM", o->vms, "VMs")->required();
  common_options(prune, *o);
  prune->add_option("--daily", o->keep.daily, "Newest backup of each of the last N days")
      ->capture_default_str();
  prune->add_option("--weekly", o->keep.weekly, "... of the last N weeks")->capture_default_str();
  prune->add_option("--monthly", o->keep.monthly, "... of the last N months")
      ->capture_default_str();
  prune->add_flag("--yes", o->yes, "Confirm the deletion without a prompt");
  prune->footer(
      "Examples:\n  xcloudctl backup prune edu-portal-web-1 --target /srv/backup --daily 7 "
      "--weekly 4 --monthly 12 --yes\n"
      "The newest backup and every backup a kept incremental needs are always kept.");
  prune->callback([&ctx, o, prune] { run_prune(ctx, *o, *prune); });
  add_backup_schedule_command(*b, ctx);
}

}  // namespace xc
