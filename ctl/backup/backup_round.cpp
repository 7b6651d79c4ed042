#include "ctl/backup/backup_round.h"

#include <filesystem>

#include "ctl/audit/audit_log.h"
#include "ctl/backup/host_backup.h"
#include "ctl/backup/key_store.h"
#include "ctl/hosts/host_object.h"
#include "ctl/store/inventory.h"

namespace xc {

namespace {

// Backs one VM up and prunes its backups; the audit records say what was done.
class Job {
 public:
  Job(Store& store, HostClients& hosts, const BackupKey& key, int64_t now,
      const BackupRoundOptions& o)
      : store_(store), hosts_(hosts), key_(key), now_(now), o_(o), log_(store) {}

  Status run(const BackupJob& job, BackupOutcome& out) {
    const VmEntry& vm = job.vm;
    auto record = store_.get_resource({"VirtualMachine", vm.tenant, vm.name});
    if (!record.ok()) return record.status();
    auto placement = store_.get_placement(record->key());
    if (!placement.ok())
      return error(Code::kFailedPrecondition, "the VM is not placed on any host");
    out.host = placement->host;
    auto h = store_.get_host(out.host);
    if (!h.ok()) return h.status();
    hosts_.add_host(host_object(store_, *h));
    std::error_code ec;
    if (job.target_spec.path.empty())
      return error(Code::kNotFound, "backup target " + job.target + " is not in the state");
    if (!std::filesystem::is_directory(job.target_spec.path, ec))
      return error(Code::kFailedPrecondition, "backup target " + job.target + ": " +
                                                  job.target_spec.path + " is not a directory");
    BackupRepository repo(job.target_spec.path);
    auto history = repo.list(vm.tenant, vm.name, key_);
    if (!history.ok()) return history.status();
    HostBackupRequest req{vm.tenant,           vm.name, out.host, domain_of(*record),
                          backup_id_for(now_), now_};
    AuditRecord a = o_.who.record("VirtualMachine", vm.tenant, vm.name, "backup");
    a.hash_before = a.hash_after = record->spec_hash;
    a.message = "policy " + out.policy + ", host " + out.host + ", target " + job.target + " (" +
                job.target_spec.path + "), backup " + req.id;
    auto done = run_host_backup(hosts_, repo, key_, req, *history);
    audit(a, done.status(),
          done.ok()
              ? " (" + done->manifest.kind + ", " + std::to_string(done->manifest.chunks.size()) +
                    " chunks, " + std::to_string(done->manifest.stored_bytes()) + " bytes)"
              : "");
    if (!done.ok()) return done.status();
    out.manifest = done->manifest;
    out.note = done->note;
    return prune(job, repo, record->spec_hash, out);
  }

 private:
  Status prune(const BackupJob& job, const BackupRepository& repo, const std::string& hash,
               BackupOutcome& out) {
    auto all = repo.list(job.vm.tenant, job.vm.name, key_);
    if (!all.ok()) return all.status();
    const BackupRetentionSpec& r = job.retention;
    auto drop = backups_pruned_by(*all, Retention{r.daily, r.weekly, r.monthly});
    for (const BackupManifest& m : *all) {
      if (!drop.count(m.id)) continue;
      AuditRecord a = o_.who.record("VirtualMachine", job.vm.tenant, job.vm.name, "backup-prune");
      a.hash_before = a.hash_after = hash;
      a.message = "policy " + out.policy + ", target " + job.target + ", backup " + m.id;
      Status s = repo.remove(m);
      audit(a, s, "");
      if (!s.ok()) return error(s.code(), "pruning backup " + m.id + ": " + s.message());
      out.pruned.push_back(m.id);
    }
    return {};
  }

  void audit(AuditRecord a, const Status& s, const std::string& detail) {
    a.result = s.ok() ? kAuditOk : kAuditError;
    a.message += s.ok() ? detail : ": " + s.message();
    (void)log_.append(a);  // best effort: the run's record and event say what happened
  }

  Store& store_;
  HostClients& hosts_;
  const BackupKey& key_;
  int64_t now_;
  const BackupRoundOptions& o_;
  AuditLog log_;
};

EventRecord vm_event(int64_t now, const BackupOutcome& out, const BackupJob& job,
                     const std::string& type, const std::string& detail) {
  EventRecord e;
  e.time_ms = e.received_ms = now;
  e.host = out.host;
  e.tenant = job.vm.tenant;
  e.vm = job.vm.name;
  e.type = type;
  e.detail = detail.substr(0, 1000);
  return e;
}

}  // namespace

std::set<std::string> backups_pruned_by(const std::vector<BackupManifest>& all,
                                        const Retention& keep) {
  std::vector<BackupPoint> points;
  for (const auto& m : all)
    points.push_back({m.id, m.time_ms, m.kind == "incremental" ? m.parent : ""});
  return backups_to_prune(points, keep);
}

Result<std::vector<BackupOutcome>> backup_round(
    Store& store, HostClients& hosts, int64_t now, const BackupRoundOptions& o,
    const std::function<void(const std::string&)>& log) {
  auto in = load_backup_plan_inputs(store);
  if (!in.ok()) return in.status();
  std::vector<BackupJob> jobs = due_backups(*in, now, o.retry_ms);
  std::vector<BackupOutcome> outcomes;
  if (jobs.empty()) return outcomes;
  auto key = load_backup_key(o.key_path, true);
  if (!key.ok()) return key.status();
  Job runner(store, hosts, *key, now, o);
  for (const BackupJob& job : jobs) {
    if (o.stopped && o.stopped()) break;
    BackupOutcome out;
    out.policy = object_key(job.policy->tenant, job.policy->name);
    out.vm = object_key(job.vm.tenant, job.vm.name);
    out.target = job.target;
    out.status = runner.run(job, out);
    BackupRunRecord run = job.last.value_or(BackupRunRecord{});
    run.policy_tenant = job.policy->tenant;
    run.policy = job.policy->name;
    run.tenant = job.vm.tenant;
    run.vm = job.vm.name;
    run.last_attempt_ms = now;
    run.result = out.status.ok() ? "ok" : "failed";
    run.error = out.status.ok() ? "" : out.status.message().substr(0, 1000);
    run.failures = out.status.ok() ? 0 : run.failures + 1;
    std::string line = "backup " + out.vm + " (policy " + out.policy + ", target " + job.target;
    if (out.status.ok()) {
      run.last_success_ms = now;
      run.last_backup_id = out.manifest.id;
      line += "): " + out.manifest.id + " " + out.manifest.kind + ", " +
              std::to_string(out.manifest.chunks.size()) + " chunks, " +
              std::to_string(out.manifest.stored_bytes()) + " bytes";
      if (!out.pruned.empty()) line += ", pruned " + std::to_string(out.pruned.size());
    } else {
      line += ") failed (" + std::to_string(run.failures) +
              (run.failures == 1 ? " time" : " times") +
              "; retried at a later round): " + out.status.message();
    }
    log(line);
    Status saved = store.transact([&]() -> Status {
      if (Status s = store.put_backup_run(run); !s.ok()) return s;
      return store.insert_events(
          {out.status.ok()
               ? vm_event(now, out, job, kBackupDoneEvent, out.manifest.id + " to " + job.target)
               : vm_event(now, out, job, kBackupFailedEvent,
                          "policy " + out.policy + ", target " + job.target + ": " +
                              out.status.message())});
    });
    if (!saved.ok()) log("backup " + out.vm + ": the run's record failed: " + saved.message());
    outcomes.push_back(std::move(out));
  }
  return outcomes;
}

}  // namespace xc
