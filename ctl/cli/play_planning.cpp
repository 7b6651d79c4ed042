#include "ctl/cli/play_planning.h"

#include <map>
#include <set>

#include "common/label_selector.h"
#include "common/manifest_validator.h"
#include "common/price_caps.h"
#include "ctl/hosts/pki_files.h"
#include "ctl/reconcile/reconcile.h"

namespace xc {
namespace {

using nlohmann::json;

std::string gib_text(int64_t mib) {
  return std::to_string(mib / 1024) +
         (mib % 1024 ? "." + std::to_string(mib % 1024 * 10 / 1024) : "") + " GiB";
}

std::string time_text(int64_t seconds) {
  if (seconds < 60) return std::to_string(seconds) + " s";
  if (seconds < 3600)
    return std::to_string(seconds / 60) + " min " + std::to_string(seconds % 60) + " s";
  return std::to_string(seconds / 3600) + " h " + std::to_string(seconds % 3600 / 60) + " min";
}

// The report's facts about the planned moves, from what the planner read.
void describe_moves(const Reconcile& r, const PlaybookStep& step, StepMovePlan& out) {
  std::map<std::string, const DesiredVm*> vms;
  for (const auto& v : r.desired.vms)
    vms[object_key(v.object->meta.tenant, v.object->meta.name)] = &v;
  std::map<std::string, const ObservedHost*> hosts;
  for (const auto& h : r.observed) hosts[h.name] = &h;
  std::map<std::string, std::string> pool_of, shared;  // host -> pool, pool -> sharedStorage
  for (const Object* h : r.desired.hosts) pool_of[h->meta.name] = h->as<HostSpec>().pool;
  for (const auto& rec : r.desired.records)
    if (rec.object->kind == Kind::kPool) {
      json spec = rec.manifest.value("spec", json::object());
      shared[rec.object->meta.name] = spec.is_object() ? spec.value("sharedStorage", "") : "";
    }
  const int64_t bw = step.bandwidth_mib > 0 ? step.bandwidth_mib : kAssumedBandwidthMib;
  const std::string bw_text =
      std::to_string(bw) + " MiB/s" +
      (step.bandwidth_mib <= 0         ? " (assumed)"
       : step.type == StepType::kDrain ? " (an estimate: a drain copies as fast as it can)"
                                       : "");
  // Where every VM runs once the moves are done, for the targets' load.
  std::map<std::string, std::string> final_host;
  for (const auto& h : r.observed)
    for (const auto& d : h.domains) final_host[object_key(d.tenant, d.vm)] = h.name;
  for (const auto& m : out.moves) final_host[object_key(m.tenant, m.name)] = m.to_host;

  int64_t total_mib = 0;
  std::set<std::string> targets;
  for (const auto& m : out.moves) {
    targets.insert(m.to_host);
    const DesiredVm* v =
        vms.count(object_key(m.tenant, m.name)) ? vms[object_key(m.tenant, m.name)] : nullptr;
    int64_t mib = 0;
    if (v)
      for (const auto& d : v->spec.disks) mib += d.size_gib * 1024;
    total_mib += mib;
    auto arch = [&](const std::string& h) {
      return hosts.count(h) ? hosts[h]->parsed.arch : std::string("?");
    };
    std::string from_pool = pool_of[m.from_host], to_pool = pool_of[m.to_host];
    bool same_storage = !shared[from_pool].empty() && shared[from_pool] == shared[to_pool];
    out.report.push_back(
        "> " + m.tenant + "/" + m.name + ": " + m.from_host + " (pool " + from_pool + ") -> " +
        m.to_host + " (pool " + to_pool + "), " + m.mode + "; arch " + arch(m.from_host) +
        (arch(m.from_host) == arch(m.to_host) ? " = " : " != ") + arch(m.to_host) + "; disks " +
        gib_text(mib) +
        (same_storage ? " on shared storage " + shared[from_pool] + ", copied anyway"
                      : " on local storage, copied") +
        ": about " + time_text(mib / bw) + " at " + bw_text);
  }
  for (const auto& s : out.stuck) out.report.push_back("! cannot move " + s);
  if (!out.moves.empty())
    out.report.push_back("copy estimate: " + gib_text(total_mib) + " in all, about " +
                         time_text(total_mib / bw) + " at " + bw_text +
                         " if copied one after another");
  // The targets' allocation once everything is in place (the scheduler's limits).
  for (const auto& t : targets) {
    const ObservedHost* h = hosts.count(t) ? hosts[t] : nullptr;
    if (!h) continue;
    int64_t cpus = 0, mem = 0;
    for (const auto& [key, host] : final_host)
      if (host == t && vms.count(key))
        cpus += vms[key]->demand.cpus, mem += vms[key]->demand.memory_mib;
    int64_t ratio = 1000;
    for (const auto& p : r.desired.pools)
      if (p.name == pool_of[t]) ratio = p.cpu_overcommit_milli;
    out.report.push_back("capacity of " + t + " after the moves: vCPU " + std::to_string(cpus) +
                         " of " + std::to_string(h->parsed.cpus * ratio / 1000) + ", memory " +
                         gib_text(mem) + " of " + gib_text(h->parsed.memory_mib));
  }
  // Strict anti-affinity: the members of each group the moves touch.
  std::map<std::string, std::vector<std::string>> members;  // group -> final hosts
  for (const auto& m : out.moves) {
    const DesiredVm* v =
        vms.count(object_key(m.tenant, m.name)) ? vms[object_key(m.tenant, m.name)] : nullptr;
    if (v && !v->demand.group.empty()) members[m.tenant + "/" + v->demand.group];
  }
  for (auto& [group, on] : members) {
    for (const auto& [key, v] : vms)
      if (v->object->meta.tenant + "/" + v->demand.group == group && final_host.count(key))
        on.push_back(final_host[key]);
    std::set<std::string> distinct(on.begin(), on.end());
    out.report.push_back("placement group " + group + ": " + std::to_string(on.size()) +
                         " member(s) on " + std::to_string(distinct.size()) +
                         " host(s) after the moves");
  }
  out.report.push_back(r.quota_violations.empty() ? "quotas: every tenant stays within its quota"
                                                  : "quotas: exceeded");
  for (const auto& q : r.quota_violations) out.report.push_back("! quota: " + q);
}

}  // namespace

Result<StepMovePlan> plan_step_moves(CliContext& ctx, const PlaybookStep& step) {
  Reconcile r;
  r.manifests = load_manifest_set({step.manifests}, builtin_price_caps());
  if (!r.manifests.ok()) {
    for (const auto& d : r.manifests.errors) ctx.err << format_diagnostic(d) << "\n";
    return error(Code::kInvalidArgument, std::to_string(r.manifests.errors.size()) +
                                             " error(s) in the manifests " + step.manifests);
  }
  std::set<std::string> concerned;  // tenant/name
  if (step.type == StepType::kMigrate) {
    auto sel = LabelSelector::parse(step.vms);
    if (!sel.ok()) return sel.status();
    for (const auto& obj : r.manifests.objects)
      if (obj.kind == Kind::kVirtualMachine && sel->matches(obj.meta.labels))
        concerned.insert(object_key(obj.meta.tenant, obj.meta.name));
    if (concerned.empty())
      return error(Code::kInvalidArgument,
                   "no VirtualMachine in " + step.manifests + " matches " + step.vms);
  }
  auto state = resolve_state_path(ctx);
  if (!state.ok()) return state.status();
  r.store = open_state_store(ctx);
  if (!r.store) return error(Code::kUnavailable, "the state database could not be opened");
  r.clients = std::make_unique<HostClients>(pki_files_for_state(*state), 4 + step.parallel);
  ReconcileOptions options;
  if (step.type == StepType::kDrain) options.plan.drain_hosts = {step.host};
  if (Status planned = plan_reconcile(r, options); !planned.ok()) return planned;
  if (step.type == StepType::kDrain)
    for (const auto& h : r.observed)
      if (h.name == step.host) {
        if (!h.reachable)
          return error(Code::kUnavailable, "host " + step.host + " is unreachable: " + h.error);
        for (const auto& d : h.domains) concerned.insert(object_key(d.tenant, d.vm));
      }
  StepMovePlan out;
  out.vms = concerned.size();
  for (const PlanStep* s : r.plan.moves()) {
    if (!concerned.count(s->key().str())) continue;
    out.moves.push_back({s->tenant, s->name, s->from_host, s->host, s->move_mode});
  }
  for (const auto& u : r.plan.unplaceable)
    if (concerned.count(object_key(u.tenant, u.name)))
      out.stuck.push_back(object_key(u.tenant, u.name) + ": " + u.reason);
  describe_moves(r, step, out);
  return out;
}

}  // namespace xc
