#include "ctl/ha/ha_round.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>

#include "common/domain_spec.h"
#include "ctl/audit/audit_log.h"
#include "ctl/controller/watched_hosts.h"
#include "ctl/ha/fence_command.h"
#include "ctl/ha/ha_inventory.h"
#include "ctl/images/image_supply.h"
#include "ctl/images/image_supply_audit.h"

namespace xc {

using nlohmann::json;

namespace {

constexpr int64_t kClaimMs = 5 * 60'000;
std::string claim_meta_key(const std::string& key) {
  return "ha.claim." + key;
}

constexpr const char* kRestartedKey = "ha.restarted";  // {"tenant/name": {from, domain, ...}}

Result<json> restarted_list(Store& store) {
  auto kept = store.get_meta(kRestartedKey);
  if (!kept.ok()) return kept.status();
  json list = *kept ? json::parse(**kept, nullptr, false) : json::object();
  return list.is_object() ? list : json::object();
}

EventRecord event(int64_t now, const std::string& host, const std::string& type,
                  const std::string& detail) {
  EventRecord e;
  e.time_ms = e.received_ms = now;
  e.host = host;
  e.type = type;
  e.detail = detail;
  return e;
}

class Round {
 public:
  Round(LoopWorld& w, const HaRoundOptions& o, HaMemory* memory)
      : w_(w), o_(o), memory_(memory), log_(w.store) {}

  Status remove_stale_copies(const HaInventory& inv);
  // True when the host is now fenced.
  bool fence(const HaInventory& inv, const HaAction& a);
  void restart(const HaInventory& inv, const HaAction& a);
  void cannot(const HaAction& a);
  // The domain's state on the host ("" when it holds none); nullopt when
  // the host does not answer.
  std::optional<std::string> state_on(const std::string& host, const std::string& domain);
  // After a failed restart: a definition the target kept without running it
  // (defined, then the start failed) is undefined, its disks kept; "" or what
  // was done.
  std::string remove_failed_definition(const HaAction& a, const std::string& domain,
                                       const std::string& state);
  std::vector<HaStep> steps;

 private:
  void audit(AuditRecord a, bool ok, const std::string& message) {
    a.result = ok ? kAuditOk : kAuditError;
    a.message = message;
    (void)log_.append(a);  // best effort: the step's own outcome is reported either way
  }
  LoopWorld& w_;
  const HaRoundOptions& o_;
  HaMemory* memory_;
  AuditLog log_;
};

Status Round::remove_stale_copies(const HaInventory& inv) {
  auto list = restarted_list(w_.store);
  if (!list.ok()) return list.status();
  std::map<std::string, const HaHost*> hosts;
  for (const HaHost& h : inv.world.hosts) hosts[h.name] = &h;
  std::map<std::string, std::string> placed;
  for (const HaVm& v : inv.world.vms)
    placed[object_key(v.demand.tenant, v.demand.name)] = v.demand.current_host;
  bool changed = false;
  for (auto it = list->begin(); it != list->end();) {
    const json& entry = it.value();
    const std::string from = entry.value("from", ""), domain = entry.value("domain", "");
    auto h = hosts.find(from);
    if (h != hosts.end() && !h->second->reachable) {
      ++it;
      continue;  // still down: its copy cannot run
    }
    auto p = placed.find(it.key());
    bool gone = h == hosts.end() || p == placed.end() || p->second == from;  // moved back, deleted
    if (!gone) {
      auto state = state_on(from, domain);
      if (!state) {
        ++it;
        continue;  // the next round tries again
      }
      bool present = !state->empty();
      HaStep step;
      step.action = {HaActionKind::kRemoveStale, from,      entry.value("tenant", ""),
                     entry.value("name", ""),    p->second, ""};
      if (present && o_.dry_run) {
        step.detail = "would stop and undefine the stale copy (disks kept)";
        steps.push_back(step);
        ++it;
        continue;
      }
      if (present) {
        auto removed =
            w_.hosts.call(from, "domain.delete", {{"name", domain}, {"keep_disks", true}});
        AuditRecord a = o_.who.record("VirtualMachine", step.action.tenant, step.action.name,
                                      "ha-remove-stale-copy");
        std::string what = "host " + from + " came back holding domain " + domain +
                           ", which runs on " + p->second + " since HA restarted it";
        audit(a, removed.ok(),
              what + (removed.ok() ? ": stopped and undefined, disks kept"
                                   : ": " + removed.status().message()));
        step.status = removed.ok() ? Status{} : removed.status();
        step.detail = removed.ok() ? "stale copy stopped and undefined, disks kept"
                                   : removed.status().message();
        steps.push_back(step);
        w_.log.event("ha: " + what +
                     (removed.ok() ? ": stale copy removed (disks kept)"
                                   : ": " + removed.status().message()));
        if (!removed.ok()) {
          ++it;
          continue;
        }
        EventRecord e = event(w_.clock(), from, kHaStaleRemovedEvent, "runs on " + p->second);
        e.tenant = step.action.tenant;
        e.vm = step.action.name;
        e.domain = domain;
        (void)w_.store.insert_events({e});
      }
    }
    if (o_.dry_run) {
      ++it;
      continue;
    }
    it = list->erase(it);
    changed = true;
  }
  if (changed)
    if (Status s = w_.store.put_meta(kRestartedKey, list->dump()); !s.ok()) return s;
  if (o_.dry_run) return {};
  for (const HaHost& h : inv.world.hosts)  // a fence holds for one outage only
    if (h.reachable && h.fenced_ms > 0)
      if (Status s = w_.store.put_meta(fenced_meta_key(h.name), "0"); !s.ok()) return s;
  return {};
}

bool Round::fence(const HaInventory& inv, const HaAction& a) {
  const int64_t now = w_.clock();
  int64_t retry = std::max<int64_t>(o_.decide.after_ms, 1000);
  if (memory_) {
    auto tried = memory_->fence_tried_ms.find(a.host);
    if (tried != memory_->fence_tried_ms.end() && now - tried->second < retry) return false;
    memory_->fence_tried_ms[a.host] = now;
  }
  HaStep step{a, {}, ""};
  const auto& argv = inv.fence.at(a.host);
  if (o_.dry_run) {
    step.detail = "would run the fence command (" + argv[0] + ", " + std::to_string(argv.size()) +
                  " argument(s))";
    steps.push_back(step);
    return false;
  }
  auto run = run_fence_command(argv, a.host, o_.fence_timeout);
  AuditRecord record = o_.who.record("Host", "", a.host, "fence");
  std::string message;
  bool fenced = run.ok() && run->fenced;
  if (!run.ok()) {
    message = "fence command could not run: " + run.status().message();
  } else {
    message = "fence command " + run->summary();
    std::string output = run->output;
    while (!output.empty() && std::isspace(static_cast<unsigned char>(output.back())))
      output.pop_back();
    if (!output.empty()) message += "; output: " + output;
  }
  audit(record, fenced, message);
  step.detail = run.ok() ? run->summary() : run.status().message();
  if (!fenced) step.status = error(Code::kFailedPrecondition, "host " + a.host + ": " + message);
  steps.push_back(step);
  if (fenced) {
    Status saved = w_.store.put_meta(fenced_meta_key(a.host), std::to_string(w_.clock()));
    if (!saved.ok()) {
      w_.log.event("ha: host " + a.host + ": fenced, but the record failed: " + saved.message());
      return false;
    }
  }
  (void)w_.store.insert_events(
      {event(now, a.host, fenced ? kHaFencedEvent : kHaFenceFailedEvent,
             fenced ? step.detail : message.substr(0, 1000) + "; its VMs are not restarted")});
  w_.log.event("ha: host " + a.host + (fenced ? " fenced: " : " NOT fenced, nothing restarts: ") +
               message);
  return fenced;
}

void Round::restart(const HaInventory& inv, const HaAction& a) {
  HaStep step{a, {}, ""};
  const std::string key = object_key(a.tenant, a.name);
  auto spec_json = inv.domains.find(key);
  Result<DomainSpec> spec = spec_json == inv.domains.end()
                                ? Result<DomainSpec>(error(Code::kNotFound, "no stored spec"))
                                : domain_spec_from_json(spec_json->second);
  if (!spec.ok()) {
    step.status =
        error(spec.status().code(), "VirtualMachine " + key + ": " + spec.status().message());
    steps.push_back(step);
    return;
  }
  const std::string domain = domain_name(*spec);
  if (o_.dry_run) {
    step.detail = "would restart on " + a.to_host;
    steps.push_back(step);
    return;
  }
  // serve and `host evacuate` may decide at once: the first to claim the VM
  // (still placed on the failed host, no live claim) restarts it; a claim
  // outlives a crashed claimant by kClaimMs at most.
  const int64_t started = w_.clock();
  Status claimed = w_.store.transact([&]() -> Status {
    auto placed = w_.store.get_placement({"VirtualMachine", a.tenant, a.name});
    if (!placed.ok()) return placed.status();
    if (placed->host != a.host)
      return error(Code::kFailedPrecondition,
                   "VirtualMachine " + key + ": now placed on " + placed->host);
    auto claim = w_.store.get_meta(claim_meta_key(key));
    if (!claim.ok()) return claim.status();
    int64_t at = *claim ? std::atoll((*claim)->c_str()) : 0;
    if (at > 0 && started - at < kClaimMs)
      return error(Code::kFailedPrecondition,
                   "VirtualMachine " + key + ": being restarted by another run");
    return w_.store.put_meta(claim_meta_key(key), std::to_string(started));
  });
  if (!claimed.ok()) {
    step.status = claimed;
    steps.push_back(step);
    return;
  }
  // The new host's image directory may be its own: the image goes first.
  ImageSupplier images(w_.hosts, o_.image_store);
  Status supplied = o_.image_store.empty() ? Status() : images.supply(a.to_host, spec_json->second);
  if (auto sent = audit_supplied_images(w_.store, log_, o_.who, images.sent(), "ha restart");
      sent.ok())
    for (const std::string& line : *sent) w_.log.event("ha: " + line);  // the log escapes
  auto ensured = supplied.ok()
                     ? w_.hosts.call(a.to_host, "domain.ensure",
                                     {{"spec", spec_json->second}, {"allow_restart", false}})
                     : Result<json>(supplied);
  AuditRecord record = o_.who.record("VirtualMachine", a.tenant, a.name, "ha-restart");
  std::string what = "host " + a.host + " (fenced) -> " + a.to_host;
  // The reply may be lost after the domain started: then the restart is done.
  auto there = ensured.ok() ? std::optional<std::string>() : state_on(a.to_host, domain);
  if (there && *there == "running") {
    w_.log.event("ha: " + key + ": domain.ensure on " + a.to_host + " failed (" +
                 ensured.status().message() + ") but " + domain + " runs there: restarted");
  } else if (!ensured.ok()) {
    std::string removed = there ? remove_failed_definition(a, domain, *there) : "";
    (void)w_.store.put_meta(claim_meta_key(key), "0");  // the next round tries again
    step.status = ensured.status();
    step.detail = removed;
    steps.push_back(step);
    if (memory_) {  // retried every round; audited and logged once per reason
      auto& last = memory_->reported["restart/" + key];
      if (last == ensured.status().message()) return;
      last = ensured.status().message();
    }
    audit(record, false, what + ": " + ensured.status().message());
    w_.log.event("ha: restart of " + key + " on " + a.to_host +
                 " failed: " + ensured.status().message());
    return;
  }
  Status saved = w_.store.transact([&]() -> Status {
    if (auto stored = w_.store.get_resource({"VirtualMachine", a.tenant, a.name}); stored.ok()) {
      record.hash_before = record.hash_after = stored->spec_hash;
    }
    if (Status s = w_.store.set_placement({"VirtualMachine", a.tenant, a.name}, a.to_host); !s.ok())
      return s;
    if (Status s = w_.store.put_meta(claim_meta_key(key), "0"); !s.ok()) return s;
    auto list = restarted_list(w_.store);
    if (!list.ok()) return list.status();
    (*list)[key] = {{"tenant", a.tenant}, {"name", a.name},   {"from", a.host},
                    {"to", a.to_host},    {"domain", domain}, {"atMs", w_.clock()}};
    if (Status s = w_.store.put_meta(kRestartedKey, list->dump()); !s.ok()) return s;
    record.result = kAuditOk;
    record.message = what + " in " + std::to_string(w_.clock() - started) + " ms";
    if (auto appended = log_.append(record); !appended.ok()) return appended.status();
    EventRecord e = event(w_.clock(), a.to_host, kHaRestartedEvent, "from " + a.host);
    e.tenant = a.tenant;
    e.vm = a.name;
    e.domain = domain;
    return w_.store.insert_events({e});
  });
  step.status = saved;
  step.detail = saved.ok() ? "restarted on " + a.to_host : saved.message();
  steps.push_back(step);
  w_.log.event(
      "ha: " + key + ": " +
      (saved.ok() ? what : "restarted on " + a.to_host + " but not recorded: " + saved.message()));
}

std::optional<std::string> Round::state_on(const std::string& host, const std::string& domain) {
  auto listed = w_.hosts.call(host, "domains.list", json::object());
  if (!listed.ok()) return std::nullopt;
  for (const auto& d : listed->value("managed", json::array()))
    if (d.value("domain", "") == domain) return d.value("state", std::string("unknown"));
  return std::string();
}

std::string Round::remove_failed_definition(const HaAction& a, const std::string& domain,
                                            const std::string& state) {
  // Only a definition that is not running is removed: a running or paused
  // domain may hold the guest, which a forced stop would kill.
  if (state != "stopped" && state != "crashed") return "";
  // Its disks are the shared ones the VM keeps: only the definition goes.
  auto removed =
      w_.hosts.call(a.to_host, "domain.delete", {{"name", domain}, {"keep_disks", true}});
  std::string what = "restart on " + a.to_host + " failed after domain " + domain +
                     " was defined there: " +
                     (removed.ok() ? "stopped and undefined, disks kept"
                                   : "could not undefine it: " + removed.status().message());
  audit(o_.who.record("VirtualMachine", a.tenant, a.name, "ha-remove-failed-restart"), removed.ok(),
        what);
  w_.log.event("ha: " + object_key(a.tenant, a.name) + ": " + what);
  return what;
}

void Round::cannot(const HaAction& a) {
  steps.push_back({a, {}, a.reason});
  const std::string object =
      a.name.empty() ? "host/" + a.host : "vm/" + object_key(a.tenant, a.name);
  if (memory_) {
    auto& last = memory_->reported[object];
    if (last == a.reason) return;
    last = a.reason;
  }
  if (o_.dry_run) return;
  EventRecord e = event(w_.clock(), a.host, kHaCannotEvent, a.reason);
  e.tenant = a.tenant;
  e.vm = a.name;
  (void)w_.store.insert_events({e});
  w_.log.event("ha: " + (a.name.empty() ? "host " + a.host : object_key(a.tenant, a.name)) +
               " not restarted: " + a.reason);
}

}  // namespace

Result<std::vector<HaStep>> ha_round(LoopWorld& w, const HaRoundOptions& o, HaMemory* memory) {
  Round round(w, o, memory);
  // Every stored host reachable through the clients (one applied since is too).
  if (auto hosts = watched_hosts(w.store, w.hosts); !hosts.ok()) return hosts.status();
  auto inv = load_ha_inventory(w.store);
  if (!inv.ok()) return inv.status();
  if (Status s = round.remove_stale_copies(*inv); !s.ok()) return s;
  // A host fenced in this round has its VMs restarted in the same round.
  for (int pass = 0; pass < 2; ++pass) {
    bool fenced = false;
    for (const HaAction& a : decide_ha(inv->world, w.clock(), o.decide)) {
      switch (a.kind) {
        case HaActionKind::kFence:
          fenced |= round.fence(*inv, a);
          break;
        case HaActionKind::kRestart:
          round.restart(*inv, a);
          break;
        case HaActionKind::kCannot:
        case HaActionKind::kRemoveStale:
          round.cannot(a);
          break;
      }
    }
    if (!fenced) break;
    inv = load_ha_inventory(w.store);
    if (!inv.ok()) return inv.status();
  }
  return std::move(round.steps);
}

}  // namespace xc
