#include "ctl/backup/backup_schedule.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "common/model.h"
#include "common/time.h"

namespace xc {

using nlohmann::json;

namespace {

json manifest_of(const ResourceRecord& r) {
  json record = json::parse(r.spec_json, nullptr, false);
  if (!record.is_object() || !record.contains("manifest") || !record["manifest"].is_object())
    return json::object();
  return record["manifest"];
}

json spec_of(const ResourceRecord& r) {
  json spec = manifest_of(r).value("spec", json::object());
  return spec.is_object() ? spec : json::object();
}

}  // namespace

Result<BackupPlanInputs> load_backup_plan_inputs(Store& store) {
  BackupPlanInputs in;
  auto targets = store.list_resources(std::string("BackupTarget"));
  if (!targets.ok()) return targets.status();
  for (const ResourceRecord& r : *targets) in.targets[r.name] = backup_target_from_json(spec_of(r));
  auto policies = store.list_resources(std::string("BackupPolicy"));
  if (!policies.ok()) return policies.status();
  for (const ResourceRecord& r : *policies) {
    PolicyEntry p{r.tenant, r.name, backup_policy_from_json(spec_of(r)), {}, {}};
    auto offset = civil::parse_time_zone(p.spec.time_zone);
    std::string why;
    auto schedule = parse_backup_schedule(p.spec.schedule, offset.ok() ? *offset : 0, why);
    auto selector = LabelSelector::parse(p.spec.selector);
    if (!offset.ok() || !schedule || !selector.ok()) continue;  // validate refuses these
    p.schedule = *schedule;
    p.selector = std::move(*selector);
    in.policies.push_back(std::move(p));
  }
  if (in.policies.empty()) return in;  // serve asks every minute; most clouds have few policies
  auto vms = store.list_resources(std::string("VirtualMachine"));
  if (!vms.ok()) return vms.status();
  for (const ResourceRecord& r : *vms) {
    VmEntry v{r.tenant, r.name, {}};
    json labels = manifest_of(r).value("metadata", json::object()).value("labels", json::object());
    if (labels.is_object())
      for (const auto& [k, value] : labels.items())
        if (value.is_string()) v.labels[k] = value.get<std::string>();
    in.vms.push_back(std::move(v));
  }
  auto runs = store.list_backup_runs();
  if (!runs.ok()) return runs.status();
  in.runs = std::move(*runs);
  return in;
}

bool policy_selects(const PolicyEntry& p, const VmEntry& vm) {
  if (vm.tenant == p.tenant)
    for (const auto& name : p.spec.vms)
      if (name == vm.name) return true;
  const bool in_tree = vm.tenant == p.tenant || vm.tenant.rfind(p.tenant + "/", 0) == 0;
  return in_tree && !p.spec.selector.empty() && p.selector.matches(vm.labels);
}

bool backup_due(const BackupSchedule& schedule, const std::optional<BackupRunRecord>& last,
                int64_t now_ms, int64_t retry_ms) {
  if (!last) return true;
  const int64_t slot = schedule.latest_slot(now_ms);
  if (last->last_success_ms >= slot) return false;
  return last->last_attempt_ms < slot || now_ms - last->last_attempt_ms >= retry_ms;
}

std::vector<BackupJob> due_backups(const BackupPlanInputs& in, int64_t now_ms, int64_t retry_ms) {
  std::vector<BackupJob> out;
  for (const PolicyEntry& p : in.policies) {
    for (const VmEntry& vm : in.vms) {
      if (!policy_selects(p, vm)) continue;
      std::optional<BackupRunRecord> last;
      for (const BackupRunRecord& r : in.runs)
        if (r.policy_tenant == p.tenant && r.policy == p.name && r.tenant == vm.tenant &&
            r.vm == vm.name)
          last = r;
      if (!backup_due(p.schedule, last, now_ms, retry_ms)) continue;
      auto t = in.targets.find(p.spec.target);
      out.push_back({&p, p.spec.target, t == in.targets.end() ? BackupTargetSpec{} : t->second, vm,
                     last, retention_in_target(in, vm, p.spec.target)});
    }
  }
  return out;
}

BackupRetentionSpec retention_in_target(const BackupPlanInputs& in, const VmEntry& vm,
                                        const std::string& target) {
  BackupRetentionSpec most{0, 0, 0};
  for (const PolicyEntry& p : in.policies) {
    if (p.spec.target != target || !policy_selects(p, vm)) continue;
    most.daily = std::max(most.daily, p.spec.retention.daily);
    most.weekly = std::max(most.weekly, p.spec.retention.weekly);
    most.monthly = std::max(most.monthly, p.spec.retention.monthly);
  }
  return most;
}

std::vector<const PolicyEntry*> policies_for_vm(const BackupPlanInputs& in,
                                                const std::string& tenant, const std::string& vm) {
  std::vector<const PolicyEntry*> out;
  for (const VmEntry& v : in.vms)
    if (v.tenant == tenant && v.name == vm)
      for (const PolicyEntry& p : in.policies)
        if (policy_selects(p, v)) out.push_back(&p);
  return out;
}

Result<std::string> policy_target_dir(const BackupPlanInputs& in, const std::string& tenant,
                                      const std::string& vm) {
  std::set<std::string> targets;
  std::string names;
  for (const PolicyEntry* p : policies_for_vm(in, tenant, vm)) {
    targets.insert(p->spec.target);
    names += (names.empty() ? "" : ", ") + object_key(p->tenant, p->name) + " (target " +
             p->spec.target + ")";
  }
  const std::string who = "VM " + object_key(tenant, vm);
  if (targets.empty())
    return error(Code::kNotFound, "no BackupPolicy selects " + who + "; give --target DIR");
  if (targets.size() > 1)
    return error(Code::kInvalidArgument, who + " is selected by policies with different targets: " +
                                             names + "; choose one with --target DIR");
  auto t = in.targets.find(*targets.begin());
  if (t == in.targets.end())
    return error(Code::kNotFound, "backup target " + *targets.begin() + " of " + names +
                                      " is not in the state (apply it)");
  return t->second.path;
}

}  // namespace xc
