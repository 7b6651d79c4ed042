#include "ctl/reconcile.h"

#include <chrono>
#include <cstdlib>
#include <ostream>

#include "ctl/pki_files.h"
#include "ctl/price_caps_option.h"
#include "ctl/metering.h"
#include "ctl/quota.h"

namespace xc {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

std::map<std::string, StoredVm> stored_vms(Store& store) {
  std::map<std::string, StoredVm> out;
  auto resources = store.list_resources(std::string("VirtualMachine"));
  auto placements = store.list_placements();
  if (!resources.ok()) return out;
  std::map<std::string, std::string> host_of;
  if (placements.ok())
    for (const auto& p : *placements) host_of[object_key(p.tenant, p.name)] = p.host;
  for (const auto& r : *resources) {
    std::string key = object_key(r.tenant, r.name);
    auto record = nlohmann::json::parse(r.spec_json, nullptr, false);
    out[key] = {r.tenant, r.name, host_of[key], r.spec_hash, r.manifest_set, r.generation,
                record.is_discarded() ? nlohmann::json() : record};
  }
  return out;
}

std::map<std::string, StoredGroup> stored_security_groups(Store& store) {
  std::map<std::string, StoredGroup> out;
  auto resources = store.list_resources(std::string("SecurityGroup"));
  if (!resources.ok()) return out;  // every group then counts as changed: ensured again
  for (const auto& r : *resources) out[object_key(r.tenant, r.name)] = {r.spec_hash, r.manifest_set};
  return out;
}

Status save_observed(Store& store, const DesiredState& desired, const std::vector<ObservedHost>& observed) {
  std::map<std::string, std::string> pool_zone;
  for (const auto& p : desired.pools) pool_zone[p.name] = p.zone;
  std::map<std::string, const Object*> hosts;
  for (const Object* h : desired.hosts) hosts[h->meta.name] = h;
  return store.transact([&] {
    for (const ObservedHost& o : observed) {
      if (!hosts.count(o.name)) continue;
      const HostSpec& spec = hosts[o.name]->as<HostSpec>();
      auto previous = store.get_host(o.name);
      HostRecord r;
      r.name = o.name;
      r.address = spec.address;
      r.transport = spec.transport == Transport::kSsh ? "ssh" : "tls";
      r.pool = spec.pool;
      r.zone = pool_zone[spec.pool];
      if (o.reachable) {
        r.arch = o.facts.value("arch", "");
        nlohmann::json snapshot = {{"facts", o.facts}, {"unmanaged", o.unmanaged}, {"contactedAtMs", now_ms()}};
        snapshot["domains"] = nlohmann::json::array();
        for (const auto& d : o.domains)
          snapshot["domains"].push_back({{"domain", d.domain}, {"uuid", d.uuid}, {"tenant", d.tenant}, {"vmName", d.vm},
                                         {"state", d.state}, {"cpus", d.cpus}, {"memoryMiB", d.memory_mib},
                                         {"specHash", d.spec_hash}, {"generation", d.generation},
                                         {"restartPending", d.restart_pending}});
        r.facts_json = snapshot.dump();
      } else if (previous.ok()) {
        r.arch = previous->arch;
        r.facts_json = previous->facts_json;
      }
      r.updated_at_ms = now_ms();
      Status s = store.upsert_host(r);
      if (!s.ok()) return s;
    }
    return Status{};
  });
}

namespace {

// XCLOUD_TIMING=1 prints how long each phase took, for operators chasing speed.
class PhaseTimer {
 public:
  explicit PhaseTimer(std::ostream& err) : err_(err), on_(std::getenv("XCLOUD_TIMING") != nullptr) {}
  void mark(const char* phase) {
    auto now = std::chrono::steady_clock::now();
    if (on_) err_ << "timing: " << phase << " " << std::chrono::duration<double>(now - last_).count() << " s\n";
    last_ = now;
  }

 private:
  std::ostream& err_;
  bool on_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

}  // namespace

int prepare_reconcile(CliContext& ctx, const ReconcileOptions& options, Reconcile& out) {
  PhaseTimer timer(ctx.err);
  auto caps = load_price_caps_option(options.caps_file);
  if (!caps.ok()) {
    ctx.err << "xcloudctl: " << caps.status().message() << "\n";
    return kExitUsage;
  }
  out.manifests = load_manifest_set(options.paths, *caps);
  if (!out.manifests.ok()) {
    for (const auto& d : out.manifests.errors) ctx.err << format_diagnostic(d) << "\n";
    ctx.err << out.manifests.errors.size() << " error(s); nothing was changed\n";
    return kExitUsage;
  }
  timer.mark("validate");
  auto desired = build_desired_state(out.manifests);
  if (!desired.ok()) {
    ctx.err << "xcloudctl: " << desired.status().message() << "\n";
    return kExitUsage;
  }
  out.desired = std::move(*desired);
  auto state = resolve_state_path(ctx);
  if (!state.ok()) {
    ctx.err << "xcloudctl: " << state.status().message() << "\n";
    return kExitUsage;
  }
  auto store = open_store(*state, OpenMode::kExisting);
  if (!store.ok()) {
    ctx.err << "xcloudctl: " << store.status().message() << "\n";
    return kExitFailure;
  }
  out.store = std::move(*store);
  out.clients = std::make_unique<HostClients>(pki_files_for_state(*state), options.per_host);
  std::vector<std::string> names;
  for (const Object* h : out.desired.hosts) {
    out.clients->add_host(*h);
    names.push_back(h->meta.name);
  }
  timer.mark("desired state and store");
  out.observed = observe_hosts(*out.clients, names, options.parallel);
  timer.mark("observe hosts");

  Status saved = save_observed(*out.store, out.desired, out.observed);
  if (!saved.ok()) {
    ctx.err << "xcloudctl: " << saved.message() << "\n";
    return kExitFailure;
  }
  timer.mark("store host facts");
  out.stored = stored_vms(*out.store);
  PlanOptions plan_options = options.plan;
  plan_options.stored_groups = stored_security_groups(*out.store);
  timer.mark("read store");
  out.plan = make_plan(out.desired, out.observed, out.stored, plan_options);
  timer.mark("plan");
  // Quotas: a plan that takes any tenant past a limit is refused whole,
  // before any host is touched.
  auto refused = check_plan_quotas(*out.store, out.manifests, out.desired, out.plan);
  if (!refused.ok()) {
    ctx.err << "xcloudctl: " << refused.status().message() << "\n";
    return kExitFailure;
  }
  if (!refused->empty()) {
    for (const auto& message : *refused) ctx.err << "error: " << message << "\n";
    ctx.err << refused->size() << " quota violation(s); nothing was changed\n";
    return kExitFailure;
  }
  timer.mark("quotas");
  return kExitOk;
}

void print_plan(const Plan& plan, std::ostream& out) {
  std::map<StepAction, int> counts;
  for (const auto& s : plan.steps) {
    ++counts[s.action];
    const char* mark = s.action == StepAction::kDelete || s.action == StepAction::kDeleteNetwork ||
                               s.action == StepAction::kDeleteSecurityGroup
                           ? "-"
                       : s.action == StepAction::kCreate || s.action == StepAction::kCreateNetwork ||
                               (s.action == StepAction::kEnsureSecurityGroup && s.reason == "new")
                           ? "+"
                           : "~";
    out << mark << " " << describe_step(s);
    if (!s.reason.empty()) out << " (" << s.reason << ")";
    out << "\n";
    for (const auto& c : s.changes) out << "      " << c << "\n";
    for (const auto& c : s.live) out << "      live: " << c << "\n";
    for (const auto& c : s.restart) out << "      restart: " << c << "\n";
  }
  for (const auto& u : plan.unplaceable)
    out << "! cannot place VirtualMachine " << object_key(u.tenant, u.name) << ": " << u.reason << "\n";
  for (const auto& o : plan.orphans) out << "? orphan " << o << " (not declared; --prune deletes it)\n";
  for (const auto& w : plan.warnings) out << "warning: " << w << "\n";
  for (const auto& e : plan.errors) out << "error: " << e << "\n";
  out << "Plan: " << counts[StepAction::kCreate] << " to create, " << counts[StepAction::kUpdate] << " to update, "
      << counts[StepAction::kStart] << " to start, " << counts[StepAction::kDelete] << " to delete, "
      << counts[StepAction::kCreateNetwork] + counts[StepAction::kDeleteNetwork] << " network changes, "
      << counts[StepAction::kEnsureSecurityGroup] + counts[StepAction::kDeleteSecurityGroup]
      << " security group changes, "
      << counts[StepAction::kRecord] << " to record, " << plan.unchanged.size() << " unchanged.\n";
}

AuditRecord StoreRecorder::record_for(const PlanStep& step) const {
  AuditRecord r;
  r.actor = who_.actor;
  r.as_user = who_.as_user;
  r.reason = who_.reason;
  r.origin_host = who_.origin_host;
  r.command = who_.command;
  r.kind = kind_name(step.kind);
  r.tenant = step.tenant;
  r.name = step.name;
  r.action = step_action_name(step.action);
  auto before = before_.find(object_key(step.tenant, step.name));
  if (before != before_.end() && step.kind == Kind::kVirtualMachine) r.hash_before = before->second.hash;
  r.hash_after = step.action == StepAction::kDelete || step.action == StepAction::kDeleteSecurityGroup ? "" : step.hash;
  r.message = "host " + step.host + (step.reason.empty() ? "" : ": " + step.reason);
  return r;
}

Status StoreRecorder::completed(const PlanStep& step, const nlohmann::json&) {
  Store& store = log_.store();
  return store.transact([&]() -> Status {
    if (step.kind == Kind::kVirtualMachine) {
      ResourceKey key{"VirtualMachine", step.tenant, step.name};
      if (step.action == StepAction::kDelete) {
        // A duplicate or a VM moved away keeps its record; only pruning forgets it.
        if (step.reason.rfind("pruned", 0) == 0) {
          Status s = store.delete_resource(key);
          if (!s.ok() && s.code() != Code::kNotFound) return s;
        }
      } else {
        ResourceRecord r;
        r.kind = "VirtualMachine";
        r.tenant = step.tenant;
        r.name = step.name;
        r.spec_json = step.record.dump();
        r.spec_hash = step.hash;
        r.manifest_set = set_;
        r.updated_at_ms = now_ms();
        auto put = store.put_resource(r);
        if (!put.ok()) return put.status();
        Status s = store.set_placement(key, step.host);
        if (!s.ok()) return s;
      }
    }
    // The group's record (record_objects) outlives its filters until a prune removed them.
    if (step.kind == Kind::kSecurityGroup && step.action == StepAction::kDeleteSecurityGroup) {
      Status s = store.delete_resource({"SecurityGroup", step.tenant, step.name});
      if (!s.ok() && s.code() != Code::kNotFound) return s;
    }
    if (Status m = record_metering(store, step, now_ms()); !m.ok()) return m;
    AuditRecord record = record_for(step);
    record.result = kAuditOk;
    auto appended = log_.append(record);
    return appended.ok() ? Status{} : appended.status();
  });
}

void StoreRecorder::failed(const PlanStep& step, const Status& status) {
  AuditRecord record = record_for(step);
  record.result = kAuditError;
  record.message += ": " + status.message();
  log_.append(record);  // best effort: the step's own error is what the user sees
}

Status record_objects(AuditLog& log, const AuditIdentity& who, const DesiredState& desired,
                      const std::string& manifest_set) {
  Store& store = log.store();
  return store.transact([&]() -> Status {
    for (const auto& rec : desired.records) {
      if (rec.object->kind == Kind::kVirtualMachine) continue;  // recorded when placed
      ResourceKey key{kind_name(rec.object->kind), rec.object->meta.tenant, rec.object->meta.name};
      auto previous = store.get_resource(key);
      if (previous.ok() && previous->spec_hash == rec.hash && previous->manifest_set == manifest_set) continue;
      ResourceRecord r;
      r.kind = key.kind;
      r.tenant = key.tenant;
      r.name = key.name;
      r.spec_json = nlohmann::json{{"manifest", rec.manifest}}.dump();
      r.spec_hash = rec.hash;
      r.manifest_set = manifest_set;
      r.updated_at_ms = now_ms();
      auto put = store.put_resource(r);
      if (!put.ok()) return put.status();
      AuditRecord a;
      a.actor = who.actor;
      a.as_user = who.as_user;
      a.reason = who.reason;
      a.origin_host = who.origin_host;
      a.command = who.command;
      a.kind = key.kind;
      a.tenant = key.tenant;
      a.name = key.name;
      a.action = previous.ok() ? "update" : "create";
      a.hash_before = previous.ok() ? previous->spec_hash : "";
      a.hash_after = rec.hash;
      a.result = kAuditOk;
      auto appended = log.append(a);
      if (!appended.ok()) return appended.status();
    }
    return Status{};
  });
}

}  // namespace xc
