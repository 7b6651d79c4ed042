#include "ctl/cli/restore_as.h"

#include <stdlib.h>

#include <filesystem>

#include "common/disk_targets.h"
#include "common/printable.h"
#include "common/program_run.h"
#include "ctl/audit/audit_log.h"
#include "ctl/backup/backup_repository.h"
#include "ctl/backup/restore_space.h"
#include "ctl/cli/audit_commands.h"
#include "ctl/cli/byte_progress.h"
#include "ctl/cli/clone_make.h"
#include "ctl/cli/clone_manifest.h"
#include "ctl/cli/json_yaml.h"
#include "ctl/cli/vm_target.h"
#include "ctl/hosts/pki_files.h"
#include "ctl/migrate/disk_copy.h"
#include "ctl/store/state_path.h"

namespace xc {
namespace {

using nlohmann::json;

// A private directory beside the state database for the restored disks,
// removed with everything in it when the command ends.
class WorkDir {
 public:
  explicit WorkDir(const std::string& parent) {
    std::string pattern = parent + "/restore-XXXXXX";
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~WorkDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// For each disk of the new VM (in spec order), the backup's disk holding it:
// the source disk of the same name, by its target. "" after printing why.
std::vector<std::string> backup_disks_for(const DomainSpec& src, const DomainSpec& made,
                                          const BackupManifest& backup, std::string& why) {
  const std::vector<std::string> targets = disk_targets(src);
  std::vector<std::string> out;
  for (const DomainDisk& d : made.disks) {
    std::string target;
    for (size_t i = 0; i < src.disks.size(); ++i)
      if (src.disks[i].name == d.name) target = targets[i];
    bool held = false;
    for (const BackupDisk& b : backup.disks) held = held || (!target.empty() && b.name == target);
    if (!held) {
      why = "backup " + backup.id + " has no disk " + (target.empty() ? "?" : target) + " (" +
            d.name + ")";
      return {};
    }
    out.push_back(target);
  }
  return out;
}

// raw -> qcow2 (what the host's disks are); the raw file goes.
Status to_qcow2(const std::string& raw, const std::string& qcow2) {
  ProgramOptions limits;
  limits.timeout = std::chrono::hours(6);
  auto run = run_program_bounded(
      {"qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", raw, qcow2}, limits);
  if (!run.ok()) return run.status();
  if (run->exit_code != 0)
    return error(Code::kIo, "qemu-img convert " + raw + ": " + printable(run->err));
  std::error_code ec;
  std::filesystem::remove(raw, ec);
  return {};
}

}  // namespace

void restore_as_new_vm(CliContext& ctx, const CLI::App& cmd, const RestoreAsRequest& in) {
  const std::string what = "backup restore --as";
  auto fail = [&ctx](const std::string& message, int code) {
    print_error(ctx, message);
    ctx.exit_code = code;
  };
  auto opened = open_vm_for_change(ctx, cmd, in.vm, in.tenant);
  if (!opened) return;
  Store& store = *opened->store;
  const VmTarget& src = opened->vm;
  const std::string tenant = src.record.tenant;
  const std::string src_key = object_key(tenant, src.record.name);
  const std::string new_key = object_key(tenant, in.name);
  const BackupManifest& backup = in.chain.back();

  // Everything the state decides, before the backup is read or a host asked.
  auto made = plan_new_vm(ctx, store, src, in.name, in.start, what);
  if (!made) return;
  const ClonePlan& plan = made->plan;
  std::string why;
  auto from = backup_disks_for(made->src_spec, plan.spec, backup, why);
  if (!why.empty()) return fail(what + ": " + why + "; nothing was changed", kExitFailure);
  AuditLog log(store);
  if (Status w = log.check_writable(); !w.ok()) return fail(w.message(), kExitFailure);
  const std::string& host = src.host;
  auto host_record = store.get_host(host);
  if (!host_record.ok())
    return fail("host " + host + ": " + host_record.status().message(), kExitFailure);
  HostClients clients(pki_files_for_state(opened->state_path), 1);
  clients.add_host(host_object(store, *host_record));
  const std::string domain = domain_name(plan.spec);
  auto there = state_on(clients, host, domain);
  if (!there.ok())
    return fail(what + ": host " + host + ": " + there.status().message() + "; nothing was changed",
                kExitFailure);
  if (!there->empty())
    return fail(
        what + ": domain " + domain + " already exists on " + host + "; nothing was changed",
        kExitFailure);

  // The chain rebuilt here (every chunk authenticated), then sent to the host.
  // Room beside the state for the raw disks and one converted copy at a time.
  const std::string beside = state_dir(opened->state_path);
  const RestoreSize size = restore_size(in.chain);
  if (Status s = check_room(beside, "the restored raw disks and one qcow2 copy",
                            size.total + size.largest);
      !s.ok())
    return fail(what + ": " + s.message() + "; nothing was changed", kExitFailure);
  WorkDir work(beside);
  if (work.path().empty())
    return fail(what + ": cannot make a work directory beside the state", kExitFailure);
  ctx.err << printable(new_key) << ": restoring backup " << backup.id << " of "
          << printable(src_key) << " (" << in.chain.size() << " in chain)\n";
  auto restored = BackupRepository(in.target).restore(in.chain, in.key, work.path(), false,
                                                      byte_progress(ctx, new_key + ":   restored"));
  if (!restored.ok())
    return fail(what + ": " + restored.status().message() + "; nothing was changed", kExitFailure);
  std::vector<std::string> volumes;
  for (size_t i = 0; i < plan.spec.disks.size(); ++i) {
    const DomainDisk& disk = plan.spec.disks[i];
    const std::string qcow2 = work.path() + "/" + from[i] + ".qcow2";
    Status converted = to_qcow2(work.path() + "/" + from[i] + ".raw", qcow2);
    const std::string volume = volume_of(plan.spec, disk);
    ctx.err << printable(new_key) << ": sending disk " << printable(disk.name) << " ("
            << disk.size_gib << " GiB) to " << printable(host) << "\n";
    auto sent = converted.ok() ? upload_volume_file(clients, host, volume, qcow2,
                                                    byte_progress(ctx, new_key + ":   sent"))
                               : Result<CopiedFile>(converted);
    if (!sent.ok()) {
      discard(clients, host, domain, volumes);
      return fail(what + ": " + new_key + ": disk " + disk.name + ": " + sent.status().message() +
                      "; the disks sent so far were removed, nothing was changed",
                  kExitFailure);
    }
    volumes.push_back(volume);
  }

  AuditRecord audit =
      audit_identity_for(cmd).record("VirtualMachine", tenant, in.name, "restore-as");
  audit.hash_after = plan.hash;
  audit.message = "from backup " + backup.id + " of " + src_key + " on host " + host + ", " +
                  std::to_string(volumes.size()) + " disk(s), " + addresses_text(plan.spec);
  Status s = record_change(
      log, audit,
      [&]() -> Status {
        auto r = clients.call(host, "domain.ensure",
                              {{"spec", to_json(plan.spec)}, {"allow_restart", false}});
        return r.ok() ? Status{} : r.status();
      },
      [&]() -> Status {
        return store_clone(store, plan, host, cloned_from(tenant, src.record.name, false, {}));
      });
  if (!s.ok()) {
    discard(clients, host, domain, volumes);
    return fail(what + ": " + new_key + ": " + s.message() +
                    "; its domain and disks were removed, nothing was kept",
                kExitFailure);
  }
  refresh_host_domains(store, clients, host);

  if (in.output == "yaml") return void(ctx.out << json_to_yaml(plan.manifest));
  if (in.output == "json")
    return void(ctx.out << json_text(json{{"vm", in.name},
                                          {"tenant", tenant},
                                          {"source", src.record.name},
                                          {"backup", backup.id},
                                          {"host", host},
                                          {"disks", volumes.size()},
                                          {"manifestSet", kCloneSet},
                                          {"manifest", plan.manifest}})
                        << "\n");
  ctx.out << "restored " << printable(src_key) << " at backup " << backup.id << " -> "
          << printable(new_key) << " on " << printable(host) << " (" << volumes.size()
          << " disk(s)): " << printable(addresses_text(plan.spec)) << ", "
          << (in.start ? "started" : "stopped") << "; " << printable(src_key) << " is unchanged\n"
          << "Commit this manifest with your manifests (apply then adopts the VM):\n---\n"
          << json_to_yaml(plan.manifest);
}

}  // namespace xc
