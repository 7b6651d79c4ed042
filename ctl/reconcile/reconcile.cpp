#include "ctl/reconcile/reconcile.h"

#include <chrono>

#include "ctl/billing/metering.h"
#include "ctl/reconcile/adoption_checks.h"
#include "ctl/reconcile/quota.h"
#include "ctl/reconcile/refused_changes.h"
#include "ctl/store/host_maintenance.h"

namespace xc {

Result<std::map<std::string, StoredVm>> stored_vms(Store& store) {
  auto resources = store.list_resources(std::string("VirtualMachine"));
  if (!resources.ok()) return resources.status();
  auto placements = store.list_placements();
  if (!placements.ok()) return placements.status();
  std::map<std::string, std::string> host_of;
  for (const auto& p : *placements) host_of[object_key(p.tenant, p.name)] = p.host;
  std::map<std::string, StoredVm> out;
  for (const auto& r : *resources) {
    std::string key = object_key(r.tenant, r.name);
    auto record = nlohmann::json::parse(r.spec_json, nullptr, false);
    out[key] = {r.tenant,
                r.name,
                host_of[key],
                r.spec_hash,
                r.manifest_set,
                r.generation,
                record.is_discarded() ? nlohmann::json() : record};
  }
  return out;
}

Result<std::map<std::string, StoredGroup>> stored_security_groups(Store& store) {
  auto resources = store.list_resources(std::string("SecurityGroup"));
  if (!resources.ok()) return resources.status();
  std::map<std::string, StoredGroup> out;
  for (const auto& r : *resources)
    out[object_key(r.tenant, r.name)] = {r.spec_hash, r.manifest_set};
  return out;
}

Status save_observed(Store& store, const DesiredState& desired,
                     const std::vector<ObservedHost>& observed, const Clock& now) {
  std::map<std::string, std::string> pool_zone;
  for (const auto& p : desired.pools) pool_zone[p.name] = p.zone;
  std::map<std::string, const Object*> hosts;
  for (const Object* h : desired.hosts) hosts[h->meta.name] = h;
  return store.transact([&] {
    for (const ObservedHost& o : observed) {
      if (!hosts.count(o.name)) continue;
      const HostSpec& spec = hosts[o.name]->as<HostSpec>();
      auto previous = store.get_host(o.name);
      if (!previous.ok() && previous.status().code() != Code::kNotFound) return previous.status();
      HostRecord r;
      r.name = o.name;
      r.address = spec.address;
      r.transport = spec.transport == Transport::kSsh ? "ssh" : "tls";
      r.pool = spec.pool;
      r.zone = pool_zone[spec.pool];
      // The last error is kept after a success; unreachableSinceMs only
      // while the host cannot be reached.
      nlohmann::json before = nlohmann::json::object();
      if (previous.ok()) {
        before = nlohmann::json::parse(previous->facts_json, nullptr, false);
        if (!before.is_object()) before = nlohmann::json::object();
      }
      if (o.reachable) {
        r.arch = o.facts.value("arch", "");
        nlohmann::json snapshot = {
            {"facts", o.facts}, {"unmanaged", o.unmanaged}, {"contactedAtMs", now()}};
        for (const char* kept : {"lastError", "lastErrorAtMs"})
          if (before.contains(kept)) snapshot[kept] = before[kept];
        snapshot["domains"] = nlohmann::json::array();
        for (const auto& d : o.domains)
          snapshot["domains"].push_back({{"domain", d.domain},
                                         {"uuid", d.uuid},
                                         {"tenant", d.tenant},
                                         {"vmName", d.vm},
                                         {"state", d.state},
                                         {"cpus", d.cpus},
                                         {"memoryMiB", d.memory_mib},
                                         {"specHash", d.spec_hash},
                                         {"generation", d.generation},
                                         {"restartPending", d.restart_pending}});
        r.facts_json = snapshot.dump();
      } else {
        if (previous.ok()) r.arch = previous->arch;
        nlohmann::json snapshot = before;
        int64_t at = now();
        snapshot["lastError"] = o.error;
        snapshot["lastErrorAtMs"] = at;
        if (!snapshot.contains("unreachableSinceMs")) snapshot["unreachableSinceMs"] = at;
        r.facts_json = snapshot.dump();
      }
      r.updated_at_ms = now();
      Status s = store.upsert_host(r);
      if (!s.ok()) return s;
    }
    return Status{};
  });
}

namespace {

// Seconds per phase, for XCLOUD_TIMING=1 (operators chasing speed).
class PhaseTimer {
 public:
  explicit PhaseTimer(std::vector<std::pair<std::string, double>>& out) : out_(out) {}
  void mark(const char* phase) {
    auto now = std::chrono::steady_clock::now();
    out_.emplace_back(phase, std::chrono::duration<double>(now - last_).count());
    last_ = now;
  }

 private:
  std::vector<std::pair<std::string, double>>& out_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

}  // namespace

std::vector<AddressAllocation> stored_vm_addresses(const std::map<std::string, StoredVm>& stored) {
  std::vector<AddressAllocation> out;
  for (const auto& [key, vm] : stored) {
    if (!vm.record.is_object() || !vm.record.contains("domain")) continue;
    const auto& nics = vm.record["domain"].value("nics", nlohmann::json::array());
    for (size_t k = 0; k < nics.size(); ++k) {
      if (!nics[k].is_object()) continue;
      for (const char* family : {"ipv4", "ipv6"}) {
        std::string address = nics[k].value(family, "");
        if (address.empty() || address == "auto") continue;
        out.push_back({vm.tenant, vm.name, static_cast<int64_t>(k), family,
                       nics[k].value("network", ""), address});
      }
    }
  }
  return out;
}

Status plan_reconcile(Reconcile& r, const ReconcileOptions& options) {
  PhaseTimer timer(r.timings);
  auto stored = stored_vms(*r.store);
  if (!stored.ok()) return stored.status();
  r.stored = std::move(*stored);
  auto allocations = r.store->list_address_allocations();
  if (!allocations.ok()) return allocations.status();
  auto addresses = plan_addresses(r.manifests.objects, *allocations, stored_vm_addresses(r.stored));
  if (!addresses.ok()) return addresses.status();
  r.addresses = std::move(*addresses);
  timer.mark("addresses");
  auto desired = build_desired_state(r.manifests, r.addresses.nics);
  if (!desired.ok()) return error(Code::kInvalidArgument, desired.status().message());
  r.desired = std::move(*desired);
  std::vector<std::string> names;
  for (const Object* h : r.desired.hosts) {
    r.clients->add_host(*h);
    names.push_back(h->meta.name);
  }
  timer.mark("desired state");
  r.observed = observe_hosts(*r.clients, names, options.parallel);
  timer.mark("observe hosts");
  if (Status saved = save_observed(*r.store, r.desired, r.observed, options.now); !saved.ok())
    return saved;
  timer.mark("store host facts");
  // What no host can do (a disk shrink) is refused whole, before planning:
  // the agent would refuse it only halfway through an apply.
  if (auto refused = refused_changes(r.desired, r.stored); !refused.empty()) {
    std::string message;
    for (const auto& why : refused) message += (message.empty() ? "" : "; ") + why;
    return error(Code::kInvalidArgument, message);
  }
  r.adoption_refusals = adoption_refusals(r.manifests, r.desired, r.observed, options.plan.adopt);
  if (!r.adoption_refusals.empty())
    return error(Code::kInvalidArgument,
                 std::to_string(r.adoption_refusals.size()) + " VM(s) cannot be adopted");
  PlanOptions plan_options = options.plan;
  auto groups = stored_security_groups(*r.store);
  if (!groups.ok()) return groups.status();
  plan_options.stored_groups = std::move(*groups);
  for (const Object* h : r.desired.hosts) {
    auto on = operator_maintenance(*r.store, h->meta.name);
    if (!on.ok()) return on.status();
    if (*on) plan_options.maintenance_hosts.insert(h->meta.name);
  }
  timer.mark("read store");
  r.plan = make_plan(r.desired, r.observed, r.stored, plan_options);
  r.plan.addresses_allocated = r.addresses.added;
  r.plan.addresses_released = r.addresses.released;
  timer.mark("plan");
  // Quotas: a plan that takes any tenant past a limit is refused whole,
  // before any host is touched.
  auto refused = check_plan_quotas(*r.store, r.manifests, r.desired, r.plan);
  if (!refused.ok()) return refused.status();
  r.quota_violations = std::move(*refused);
  timer.mark("quotas");
  return {};
}

nlohmann::json metered_record(const PlanStep& step, const nlohmann::json& reply) {
  nlohmann::json record = step.record;
  bool pending = reply.is_object() && reply.value("pending", false);
  if (pending && step.running_cpus > 0 && record.contains("domain")) {
    record["domain"]["cpus"] = step.running_cpus;
    record["domain"]["memory_mib"] = step.running_memory_mib;
  }
  return record;
}

AuditRecord StoreRecorder::record_for(const PlanStep& step) const {
  AuditRecord r =
      who_.record(kind_name(step.kind), step.tenant, step.name, step_action_name(step.action));
  auto before = before_.find(object_key(step.tenant, step.name));
  if (before != before_.end() && step.kind == Kind::kVirtualMachine)
    r.hash_before = before->second.hash;
  bool removes = step.action == StepAction::kDelete || step.action == StepAction::kForget ||
                 step.action == StepAction::kDeleteSecurityGroup;
  r.hash_after = removes ? "" : step.hash;
  std::string reason = step.reason_text();
  r.message = "host " + step.host + (reason.empty() ? "" : ": " + reason);
  return r;
}

// Now, but never before the last meter instant the store holds: a clock that
// stepped back (NTP, a wrong clock) would otherwise end an interval before it
// began and break every later bill.
Result<int64_t> StoreRecorder::meter_now(const PlanStep& step) {
  int64_t now = now_();
  if (!last_meter_ms_) {
    auto last = log_.store().last_meter_instant_ms();
    if (!last.ok()) return last.status();
    last_meter_ms_ = *last;
  }
  int64_t last = *last_meter_ms_;
  if (now >= last) {
    last_meter_ms_ = now;
    return now;
  }
  std::string message = "clock is " + std::to_string(last - now) +
                        " ms behind the last meter instant " + format_time_ms(last) +
                        "; metering " + step.key().str() + " at that instant";
  warnings_.push_back(message);
  AuditRecord clamp = who_.record("Meter", step.tenant, step.name, "clock-clamped");
  clamp.result = kAuditOk;
  clamp.message = message;
  auto appended = log_.append(clamp);
  if (!appended.ok()) return appended.status();
  return last;
}

Status StoreRecorder::completed(const PlanStep& step, const nlohmann::json& reply) {
  Store& store = log_.store();
  return store.transact([&]() -> Status {
    if (step.kind == Kind::kVirtualMachine) {
      ResourceKey key{"VirtualMachine", step.tenant, step.name};
      if (step.ends_vm()) {
        Status s = store.delete_resource(key);
        if (!s.ok() && s.code() != Code::kNotFound) return s;
        if (!volumes_) {  // read once per apply, not once per pruned VM
          auto index = volumes_by_vm(store);
          if (!index.ok()) return index.status();
          volumes_ = std::move(*index);
        }
        if (auto it = volumes_->find(step.key()); it != volumes_->end())
          if (Status v = forget_volumes(store, it->second); !v.ok()) return v;
        if (Status a = store.delete_vm_address_allocations(step.tenant, step.name); !a.ok())
          return a;
        auto at = meter_now(step);
        if (!at.ok()) return at.status();
        if (Status m = close_metering(store, step.tenant, step.name, *at); !m.ok()) return m;
      } else if (step.action !=
                 StepAction::kDelete) {  // a duplicate's delete keeps the VM's record and meter
        nlohmann::json metered = metered_record(step, reply);
        ResourceRecord r;
        r.kind = "VirtualMachine";
        r.tenant = step.tenant;
        r.name = step.name;
        nlohmann::json kept = step.record;
        if (metered != step.record) kept["meteredAs"] = metered["domain"];
        r.spec_json = kept.dump();
        r.spec_hash = step.hash;
        r.manifest_set = set_;
        r.updated_at_ms = now_();
        auto put = store.put_resource(r);
        if (!put.ok()) return put.status();
        Status s = store.set_placement(key, step.host);
        if (!s.ok()) return s;
        auto at = meter_now(step);
        if (!at.ok()) return at.status();
        if (Status m = meter_allocation(store, step.tenant, step.name, metered, *at); !m.ok())
          return m;
      }
    }
    // The group's record (record_objects) outlives its filters until a prune removed them.
    if (step.kind == Kind::kSecurityGroup && step.action == StepAction::kDeleteSecurityGroup) {
      Status s = store.delete_resource({"SecurityGroup", step.tenant, step.name});
      if (!s.ok() && s.code() != Code::kNotFound) return s;
    }
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
  (void)log_.append(record);  // best effort: the step's own error is what the user sees
}

Status record_objects(AuditLog& log, const AuditIdentity& who, const DesiredState& desired,
                      const std::string& manifest_set, const Clock& now) {
  Store& store = log.store();
  return store.transact([&]() -> Status {
    for (const auto& rec : desired.records) {
      if (rec.object->kind == Kind::kVirtualMachine) continue;  // recorded when placed
      ResourceKey key{kind_name(rec.object->kind), rec.object->meta.tenant, rec.object->meta.name};
      auto previous = store.get_resource(key);
      if (!previous.ok() && previous.status().code() != Code::kNotFound) return previous.status();
      if (previous.ok() && previous->spec_hash == rec.hash &&
          previous->manifest_set == manifest_set)
        continue;
      ResourceRecord r;
      r.kind = key.kind;
      r.tenant = key.tenant;
      r.name = key.name;
      r.spec_json = nlohmann::json{{"manifest", rec.manifest}}.dump();
      r.spec_hash = rec.hash;
      r.manifest_set = manifest_set;
      r.updated_at_ms = now();
      auto put = store.put_resource(r);
      if (!put.ok()) return put.status();
      AuditRecord a =
          who.record(key.kind, key.tenant, key.name, previous.ok() ? "update" : "create");
      a.hash_before = previous.ok() ? previous->spec_hash : "";
      a.hash_after = rec.hash;
      a.result = kAuditOk;
      auto appended = log.append(a);
      if (!appended.ok()) return appended.status();
    }
    return Status{};
  });
}

Status record_addresses(Store& store, const AddressPlan& addresses) {
  if (!addresses.changes_store()) return {};
  return store.transact([&]() -> Status {
    for (const AddressAllocation& a : addresses.released)
      if (Status s = store.delete_address_allocation(a.tenant, a.vm, a.nic, a.family); !s.ok())
        return s;
    for (const AddressAllocation& a : addresses.added)
      if (Status s = store.put_address_allocation(a); !s.ok()) return s;
    return Status{};
  });
}

Result<VolumesByVm> volumes_by_vm(Store& store) {
  auto volumes = store.list_resources(std::string("Volume"));
  if (!volumes.ok()) return volumes.status();
  VolumesByVm out;
  for (const auto& v : *volumes) {
    auto record = nlohmann::json::parse(v.spec_json, nullptr, false);
    if (record.is_discarded() || !record.contains("manifest")) continue;
    const auto& spec = record["manifest"].value("spec", nlohmann::json::object());
    std::string vm = spec.is_object() ? spec.value("attachTo", "") : "";
    if (!vm.empty()) out[{v.tenant, vm}].push_back(v.key());
  }
  return out;
}

Status forget_volumes(Store& store, const std::vector<ResourceKey>& volumes) {
  for (const auto& key : volumes) {
    Status s = store.delete_resource(key);
    if (!s.ok() && s.code() != Code::kNotFound) return s;
  }
  return {};
}

Status forget_attached_volumes(Store& store, const std::string& tenant, const std::string& vm) {
  auto index = volumes_by_vm(store);
  if (!index.ok()) return index.status();
  auto it = index->find({tenant, vm});
  return it == index->end() ? Status{} : forget_volumes(store, it->second);
}

}  // namespace xc
