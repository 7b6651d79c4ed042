#include "ctl/reconcile/planner.h"

#include <algorithm>
#include <set>

#include "common/domain_diff.h"
#include "common/network_naming.h"
#include "common/secret_redaction.h"

namespace xc {
namespace {

using nlohmann::json;

void diff_json(const json& a, const json& b, const std::string& path,
               std::vector<std::string>& out) {
  if (a.is_object() && b.is_object()) {
    std::set<std::string> keys;
    for (const auto& [k, _] : a.items()) keys.insert(k);
    for (const auto& [k, _] : b.items()) keys.insert(k);
    for (const auto& k : keys) {
      std::string p = path.empty() ? k : path + "." + k;
      diff_json(a.contains(k) ? a[k] : json(), b.contains(k) ? b[k] : json(), p, out);
    }
  } else if (a.is_array() && b.is_array() && a.size() == b.size()) {
    for (size_t i = 0; i < a.size(); ++i)
      diff_json(a[i], b[i], path + "[" + std::to_string(i) + "]", out);
  } else if (a != b) {
    auto show = [](const json& v) { return v.is_null() ? std::string("(none)") : v.dump(); };
    out.push_back(path + ": " + show(a) + " -> " + show(b));
  }
}

// A step for a tenant's network or security group on one host.
PlanStep object_step(StepAction action, Kind kind, const ObjectMeta& meta, const std::string& host,
                     const json& params) {
  PlanStep step;
  step.action = action;
  step.kind = kind;
  step.tenant = meta.tenant;
  step.name = meta.name;
  step.host = host;
  step.params = params;
  return step;
}

// Hosts as the scheduler sees them, from their facts and manifests.
std::vector<HostCapacity> capacities(const DesiredState& desired,
                                     const std::map<std::string, const ObservedHost*>& seen,
                                     const PlanOptions& options) {
  std::map<std::string, std::string> pool_zone;
  for (const auto& p : desired.pools) pool_zone[p.name] = p.zone;
  std::vector<HostCapacity> out;
  for (const Object* h : desired.hosts) {
    auto it = seen.find(h->meta.name);
    if (it == seen.end() || !it->second->reachable)
      continue;  // never place on a host we cannot see
    const HostFacts& f = it->second->parsed;
    HostCapacity c;
    c.name = h->meta.name;
    c.pool = h->as<HostSpec>().pool;
    c.zone = pool_zone[c.pool];
    c.arch = arch_from_name(f.arch).value_or(Arch::kX86_64);
    c.cpus = f.cpus;
    c.memory_mib = f.memory_mib;
    for (const auto& a : f.accelerators)
      if (!a.type.empty() && a.used_by.empty()) ++c.accelerators[a.type];  // free ones
    c.draining = options.drain_hosts.count(c.name) > 0;
    c.maintenance =
        h->as<HostSpec>().maintenance || c.draining || options.maintenance_hosts.count(c.name) > 0;
    out.push_back(c);
  }
  return out;
}

// PCI devices for a VM's accelerators on `host`: its current ones first, then free ones.
std::vector<DomainAccelerator> pick_accelerators(const DesiredVm& vm, const ObservedHost& host,
                                                 const std::string& domain,
                                                 std::set<std::string>& taken) {
  std::vector<DomainAccelerator> out;
  std::map<std::string, int64_t> want = vm.demand.accelerators;
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& a : host.parsed.accelerators) {
      const std::string& type = a.type;
      const std::string& address = a.address;
      bool mine = a.used_by == domain;
      bool free = a.used_by.empty() && !taken.count(address);
      if (want[type] > 0 && (pass == 0 ? mine : free)) {
        out.push_back({type, address});
        taken.insert(address);
        --want[type];
      }
    }
  }
  return out;
}

std::string domain_name_of(const DomainSpec& s) {
  return domain_name(s);
}

std::vector<StepDisk> disks_of(const DomainSpec& spec) {
  std::vector<StepDisk> out;
  for (const auto& d : spec.disks) out.push_back({d.name, d.size_gib});
  return out;
}

// The disks a VM had by the store's record, or none when it has no record.
std::vector<StepDisk> stored_disks(const std::map<std::string, StoredVm>& stored,
                                   const std::string& key) {
  auto s = stored.find(key);
  if (s == stored.end() || !s->second.record.contains("domain")) return {};
  auto spec = domain_spec_from_json(s->second.record["domain"]);
  return spec.ok() ? disks_of(*spec) : std::vector<StepDisk>{};
}

// Disks in `before` that `after` no longer has: they leave the VM.
std::vector<StepDisk> removed_disks(const DomainSpec& before, const DomainSpec& after) {
  std::vector<StepDisk> out;
  for (const auto& d : before.disks) {
    bool kept = false;
    for (const auto& n : after.disks) kept |= n.name == d.name;
    if (!kept) out.push_back({d.name, d.size_gib});
  }
  return out;
}

PlanStep vm_delete(const std::string& tenant, const std::string& name, const std::string& host,
                   const std::string& domain, StepReason reason, std::string detail,
                   std::vector<StepDisk> disks) {
  PlanStep del;
  del.action = StepAction::kDelete;
  del.tenant = tenant;
  del.name = name;
  del.host = host;
  del.params = {{"name", domain}};
  del.reason = reason;
  del.detail = std::move(detail);
  del.disks = std::move(disks);
  return del;
}

// libvirt migrates a running domain between two hosts of one arch and one
// hypervisor; the test:/// driver of simulated hosts migrates nothing.
bool can_migrate_live(const ObservedHost& from, const ObservedHost& to) {
  auto type = [](const ObservedHost& h) {
    const json& hv = h.facts.value("hypervisor", json::object());
    return hv.is_object() ? hv.value("type", std::string()) : std::string();
  };
  return from.parsed.arch == to.parsed.arch && type(from) == type(to) && type(from) != "TEST" &&
         type(from) != "Test";
}

// Turns `step` into the adoption of the VM's unmanaged domain on `host`, or
// says why it cannot be (the domain is elsewhere, gone, or --adopt not given).
std::string adopt_step(const DesiredVm& vm, const std::string& host, const ObservedHost& observed,
                       const PlanOptions& options, PlanStep& step) {
  const AdoptedFrom& from = *vm.adopted_from;
  if (host != from.host) return "its domain is on " + from.host + ", but it was placed on " + host;
  const json* found = nullptr;
  for (const json& d : observed.unmanaged)
    if (d.is_object() && d.value("domain", "") == vm.spec.name && d.value("uuid", "") == from.uuid)
      found = &d;
  if (!found)
    return "no unmanaged domain " + vm.spec.name + " with UUID " + from.uuid + " on " + host;
  if (!options.adopt) return "its domain on " + host + " is not managed by xcloud (apply --adopt)";
  step.action = StepAction::kAdopt;
  step.params = {{"spec", step.params}, {"uuid", from.uuid}};
  step.running_cpus = found->value("cpus", int64_t{0});
  step.running_memory_mib = found->value("memoryMiB", int64_t{0});
  return "";
}

}  // namespace

std::vector<std::string> manifest_changes(const json& before, const json& after) {
  std::vector<std::string> out;
  diff_json(before, after, "", out);
  return out;
}

// (host, "tenant/group") pairs whose filter the host already holds: a VM the
// store records there, and that the host still runs, had the group on a NIC,
// so the group was ensured there when that VM was.
std::set<std::pair<std::string, std::string>> groups_on_hosts(
    const std::map<std::string, StoredVm>& stored,
    const std::map<std::string, std::vector<std::pair<std::string, const ObservedDomain*>>>&
        running) {
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& [key, vm] : stored) {
    auto r = running.find(key);
    if (r == running.end() || !vm.record.is_object() || !vm.record.contains("domain")) continue;
    bool here = std::any_of(r->second.begin(), r->second.end(),
                            [&](const auto& hd) { return hd.first == vm.host; });
    if (!here) continue;
    const json& nics = vm.record["domain"].value("nics", json::array());
    if (!nics.is_array()) continue;
    for (const auto& nic : nics) {
      if (!nic.is_object()) continue;
      const json& groups = nic.value("security_groups", json::array());
      if (!groups.is_array()) continue;
      for (const auto& g : groups)
        if (g.is_string()) out.insert({vm.host, object_key(vm.tenant, g.get<std::string>())});
    }
  }
  return out;
}

Plan make_plan(const DesiredState& desired, const std::vector<ObservedHost>& observed,
               const std::map<std::string, StoredVm>& stored, const PlanOptions& options) {
  Plan plan;
  std::map<std::string, std::string> pool_of_host;
  for (const Object* h : desired.hosts) pool_of_host[h->meta.name] = h->as<HostSpec>().pool;
  std::map<std::string, std::string> shared_of_pool;  // pool -> sharedStorage
  for (const auto& r : desired.records)
    if (r.object->kind == Kind::kPool && r.manifest.contains("spec") &&
        r.manifest["spec"].is_object())
      shared_of_pool[r.object->meta.name] = r.manifest["spec"].value("sharedStorage", "");
  auto share_storage = [&](const std::string& a, const std::string& b) {
    const std::string& s = shared_of_pool[pool_of_host[a]];
    return !s.empty() && s == shared_of_pool[pool_of_host[b]];
  };
  std::map<std::string, const ObservedHost*> seen;
  for (const auto& h : observed) {
    seen[h.name] = &h;
    if (!h.reachable)
      plan.errors.push_back(h.error + " (host unreachable; its VMs were not checked)");
  }
  // Where each xcloud VM runs now: key -> [(host, domain)].
  std::map<std::string, std::vector<std::pair<std::string, const ObservedDomain*>>> running;
  for (const auto& h : observed)
    for (const auto& d : h.domains) running[object_key(d.tenant, d.vm)].push_back({h.name, &d});

  // Schedule: VMs keep their observed host (the store's if not observed).
  std::vector<VmDemand> demands;
  std::set<std::string> blind;  // VMs whose host cannot be seen: not touched
  std::map<std::string, std::string> current_host_of;
  for (const auto& vm : desired.vms) {
    std::string key = object_key(vm.spec.tenant, vm.spec.name);
    VmDemand d = vm.demand;
    auto r = running.find(key);
    auto s = stored.find(key);
    if (r != running.end()) {
      d.current_host = r->second.front().first;
      for (const auto& [host, _] : r->second)
        if (s != stored.end() && host == s->second.host) d.current_host = host;
    } else if (s != stored.end() && seen.count(s->second.host) &&
               !seen[s->second.host]->reachable) {
      blind.insert(key);
      plan.errors.push_back("VirtualMachine " + key + ": its host " + s->second.host +
                            " is unreachable; not checked");
      continue;
    }
    if (d.current_host.empty() && vm.adopted_from) d.current_host = vm.adopted_from->host;
    if (!d.current_host.empty()) current_host_of[key] = d.current_host;
    demands.push_back(d);
  }
  ScheduleResult placed =
      schedule(capacities(desired, seen, options), desired.pools, desired.groups, demands);
  plan.unplaceable = placed.failures;
  std::string unreachable;  // hosts left out of scheduling, named so a reason is not misread
  for (const auto& h : observed)
    if (!h.reachable) unreachable += (unreachable.empty() ? "" : ", ") + h.name;
  if (!unreachable.empty())
    for (auto& u : plan.unplaceable) u.reason += " (not reachable now: " + unreachable + ")";
  plan.warnings = placed.warnings;
  std::map<std::string, const Placement*> placement_of;
  for (const auto& p : placed.placements) placement_of[object_key(p.tenant, p.name)] = &p;

  std::map<std::string, std::set<std::string>> taken_devices;      // host -> PCI addresses
  std::set<std::pair<std::string, std::string>> networks_needed;   // (host, "tenant/name")
  std::set<std::pair<std::string, std::string>> groups_needed;     // (host, "tenant/group")
  std::set<std::pair<std::string, std::string>> groups_for_steps;  // ... of VMs domain.ensure'd now
  std::set<std::string> declared;
  for (const auto& vm : desired.vms) {
    std::string key = object_key(vm.spec.tenant, vm.spec.name);
    declared.insert(key);
    auto p = placement_of.find(key);
    if (blind.count(key) || p == placement_of.end()) continue;
    const std::string& host = p->second->host;
    auto s = stored.find(key);
    DomainSpec spec = vm.spec;
    spec.generation =
        s == stored.end() ? 1 : s->second.generation + (s->second.hash == vm.hash ? 0 : 1);
    spec.accelerators =
        pick_accelerators(vm, *seen[host], domain_name_of(spec), taken_devices[host]);
    std::set<std::pair<std::string, std::string>> groups;
    for (const auto& nic : spec.nics) {
      networks_needed.insert({host, nic.network});
      for (const auto& g : nic.security_groups) groups.insert({host, object_key(spec.tenant, g)});
    }
    groups_needed.insert(groups.begin(), groups.end());

    PlanStep step;
    step.kind = Kind::kVirtualMachine;
    step.tenant = spec.tenant;
    step.name = spec.name;
    step.host = host;
    step.hash = vm.hash;
    step.generation = spec.generation;
    step.params = to_json(spec);
    step.record = {{"manifest", vm.manifest}, {"domain", redact_domain_json(step.params)}};
    if (s != stored.end() && s->second.record.contains("manifest"))
      step.changes = manifest_changes(s->second.record["manifest"], vm.manifest);

    // Where the VM runs now and must leave: a move, never delete + create
    // unless the operator allowed a recreate.
    // What the VM holds: its stored record's disks (what a delete destroys),
    // else the declared ones. Read only when a copy must go or move.
    auto held = [&] {
      std::vector<StepDisk> disks = stored_disks(stored, key);
      return disks.empty() ? disks_of(spec) : disks;
    };
    const std::string* leaving = nullptr;
    const ObservedDomain* here = nullptr;
    bool stays = false;  // an adopted VM placed elsewhere
    auto r = running.find(key);
    if (r != running.end()) {
      for (const auto& [h, d] : r->second) {
        if (h == host && !here) {
          here = d;
        } else if (p->second->moved && h == current_host_of[key] && !leaving && spec.adopted) {
          // Its disks are files of that host only: neither moved nor recreated.
          plan.errors.push_back("VirtualMachine " + key + ": adopted, its disks stay on " + h +
                                "; not moved to " + host);
          stays = true;
        } else if (p->second->moved && h == current_host_of[key] && !leaving) {
          leaving = &h;
          if (options.allow_recreate)
            plan.steps.push_back(vm_delete(spec.tenant, spec.name, h, d->domain,
                                           StepReason::kRecreate, "now on " + host, held()));
        } else {  // a second copy on another host
          PlanStep del =
              vm_delete(spec.tenant, spec.name, h, d->domain, StepReason::kDuplicate, host, held());
          if (share_storage(h, host)) {  // (a host back after HA) its disks are the VM's own
            del.params["keep_disks"] = true;
            del.disks.clear();
          }
          plan.steps.push_back(del);
        }
      }
    }
    if (stays) continue;
    if (leaving && !options.allow_recreate) {
      step.action = StepAction::kMove;
      step.from_host = *leaving;
      step.from_pool = pool_of_host[*leaving];
      step.to_pool = pool_of_host[host];
      step.reason = StepReason::kPlacementChanged;
      step.detail = p->second->reason;
      step.disks = held();
      // Live when it runs and both hosts have one arch; else it moves cold.
      const ObservedDomain* now_there = nullptr;
      for (const auto& [h, d] : r->second)
        if (h == *leaving) now_there = d;
      step.move_mode = now_there && now_there->state == "running" && seen.count(*leaving) &&
                               can_migrate_live(*seen[*leaving], *seen[host])
                           ? "live"
                           : "cold";
      groups_for_steps.insert(groups.begin(), groups.end());  // the target needs its groups
      plan.steps.push_back(step);
      continue;
    }
    if (here) {
      step.running_cpus = here->cpus;
      step.running_memory_mib = here->memory_mib;
    }
    if (!here && vm.adopted_from) {  // never created: the domain exists, unmanaged
      std::string why = adopt_step(vm, host, *seen[host], options, step);
      if (!why.empty()) {
        plan.errors.push_back("VirtualMachine " + key + ": " + why + "; not adopted");
        continue;
      }
      groups_for_steps.insert(groups.begin(), groups.end());
      plan.steps.push_back(step);
      continue;
    }
    if (!here) {
      step.action = StepAction::kCreate;
      if (p->second->moved) step.reason = StepReason::kPlacementChanged;
    } else if (here->spec_hash != vm.hash) {  // the hash decides; generations are informational
      step.action = StepAction::kUpdate;
      if (s != stored.end() && s->second.record.contains("domain")) {
        auto old = domain_spec_from_json(s->second.record["domain"]);
        if (old.ok()) {
          DomainDiff diff = diff_live_vs_restart(*old, redact_secrets(spec));
          step.live = diff.live;
          step.restart = diff.restart;
          step.disks = removed_disks(*old, spec);
        }
      }
    } else if (here->definition_drift) {
      step.action = StepAction::kUpdate;
      step.reason = StepReason::kDefinitionDrift;
    } else if (here->restart_pending && options.allow_restart) {
      step.action = StepAction::kUpdate;
      step.reason = StepReason::kRestartPending;
    } else if (here->restart_pending) {
      plan.warnings.push_back("VirtualMachine " + key + " on " + host +
                              ": a change waits for the guest's restart (apply --allow-restart)");
      plan.unchanged.push_back("VirtualMachine " + key + " on " + host + " (restart pending)");
      continue;
    } else if (here->cpus != spec.cpus || here->memory_mib != spec.memory_mib) {
      step.action = StepAction::kUpdate;
      step.reason = StepReason::kResizeDrift;
      step.detail =
          std::to_string(here->cpus) + " vCPU, " + std::to_string(here->memory_mib) + " MiB";
    } else if (spec.power == Power::kRunning && here->state != "running") {
      step.action = StepAction::kStart;
      step.reason = StepReason::kPowerDrift;
      step.detail = here->state;
    } else if (s != stored.end() && s->second.record.contains("meteredAs")) {
      step.action = StepAction::kRecord;
      step.reason = StepReason::kRestartApplied;
    } else if (s == stored.end() || s->second.host != host || s->second.hash != vm.hash ||
               s->second.manifest_set != options.manifest_set) {
      step.action = StepAction::kRecord;
      step.reason = StepReason::kAlreadyOnHost;
    } else {
      plan.unchanged.push_back("VirtualMachine " + key + " on " + host);
      continue;
    }
    if (step.action != StepAction::kRecord) groups_for_steps.insert(groups.begin(), groups.end());
    plan.steps.push_back(step);
  }

  // Networks the placed VMs need, on each of their hosts.
  std::map<std::string, const DesiredNetwork*> networks;
  for (const auto& n : desired.networks)
    networks[object_key(n.object->meta.tenant, n.object->meta.name)] = &n;
  std::set<std::string> wanted_network_names;
  for (const auto& [host, key] : networks_needed) {
    auto n = networks.find(key);
    if (n == networks.end()) continue;
    std::string lv =
        network_libvirt_name(n->second->object->meta.tenant, n->second->object->meta.name);
    wanted_network_names.insert(host + "|" + lv);
    if (seen[host]->networks.count(lv)) continue;
    plan.steps.push_back(object_step(StepAction::kCreateNetwork, Kind::kNetwork,
                                     n->second->object->meta, host, n->second->params));
  }

  // Security groups where their VMs run: ensured when the group changed since
  // the store recorded it, and where a VM using it is domain.ensure'd now and
  // the host does not hold it yet (the VM's filter references the group's,
  // which must exist first). An unchanged group a host already holds is left
  // alone. The executor runs them with the networks, before any VM step.
  const auto already_there = groups_on_hosts(stored, running);
  std::map<std::string, const DesiredSecurityGroup*> groups;
  for (const auto& g : desired.security_groups)
    groups[object_key(g.object->meta.tenant, g.object->meta.name)] = &g;
  for (const auto& [host, key] : groups_needed) {
    auto g = groups.find(key);
    if (g == groups.end()) continue;
    auto stored_group = options.stored_groups.find(key);
    bool changed =
        stored_group == options.stored_groups.end() || stored_group->second.hash != g->second->hash;
    if (!changed && (!groups_for_steps.count({host, key}) || already_there.count({host, key})))
      continue;
    PlanStep step = object_step(StepAction::kEnsureSecurityGroup, Kind::kSecurityGroup,
                                g->second->object->meta, host, g->second->params);
    step.hash = g->second->hash;
    if (stored_group == options.stored_groups.end())
      step.reason = StepReason::kNew;
    else if (changed)
      step.reason = StepReason::kRulesChanged;
    else
      step.reason = StepReason::kNeededByVm;
    plan.steps.push_back(step);
  }
  // Pruned groups: off every reachable host, after the VMs that used them.
  if (options.prune) {
    for (const auto& [key, stored_group] : options.stored_groups) {
      if (groups.count(key) || stored_group.manifest_set != options.manifest_set) continue;
      size_t slash = key.rfind('/');
      for (const auto& h : observed) {
        if (!h.reachable) continue;
        PlanStep del;
        del.action = StepAction::kDeleteSecurityGroup;
        del.kind = Kind::kSecurityGroup;
        del.tenant = key.substr(0, slash);
        del.name = key.substr(slash + 1);
        del.host = h.name;
        del.params = {{"tenant", del.tenant}, {"name", del.name}};
        del.reason = StepReason::kPruned;
        plan.steps.push_back(del);
      }
    }
  }

  // Domains xcloud owns that nothing declares: this set's pruned VMs and orphans.
  for (const auto& h : observed) {
    for (const auto& d : h.domains) {
      std::string key = object_key(d.tenant, d.vm);
      if (declared.count(key)) continue;
      auto s = stored.find(key);
      bool ours = s != stored.end() && s->second.manifest_set == options.manifest_set;
      std::string what = "VirtualMachine " + key + " on " + h.name;
      if (s == stored.end()) plan.orphans.push_back(what);
      if (s != stored.end() && s->second.manifest_set == kCloneSet &&
          options.manifest_set != kCloneSet)
        plan.warnings.push_back(what +
                                ": made by `xcloudctl vm clone` and not in these manifests; commit "
                                "its manifest (xcloudctl vm clone printed it) so apply adopts it");
      if (!options.prune || (s != stored.end() && !ours)) continue;
      plan.steps.push_back(vm_delete(d.tenant, d.vm, h.name, d.domain,
                                     ours ? StepReason::kPruned : StepReason::kOrphan, "",
                                     stored_disks(stored, key)));
    }
  }
  // Stored VMs of this set whose host shows no domain: forget them on prune.
  if (options.prune) {
    for (const auto& [key, s] : stored) {
      if (declared.count(key) || s.manifest_set != options.manifest_set || running.count(key))
        continue;
      auto h = seen.find(s.host);
      if (h != seen.end() && !h->second->reachable) continue;
      PlanStep forget;
      forget.action = StepAction::kForget;
      forget.tenant = s.tenant;
      forget.name = s.name;
      forget.host = s.host;
      forget.reason = StepReason::kGoneFromHost;
      plan.steps.push_back(forget);
    }
  }
  return plan;
}

}  // namespace xc
