#include "ctl/alarms/alarm_candidates.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "common/model.h"
#include "common/time.h"
#include "ctl/audit/audit_verify.h"
#include "ctl/metrics/metric_columns.h"
#include "ctl/metrics/packed_values.h"

namespace xc {
namespace {

using nlohmann::json;
using Labels = std::map<std::string, std::string>;

struct HostInfo {
  std::string pool;
  Labels labels;
  bool maintenance = false;
  int64_t unreachable_since_ms = 0;
  std::string last_error;
};

struct VmInfo {
  Labels labels;
  std::string host;
};

struct World {
  std::map<std::string, HostInfo> hosts;
  std::map<std::string, VmInfo> vms;  // by "tenant/name"
};

json manifest_of(const ResourceRecord& r) {
  json record = json::parse(r.spec_json, nullptr, false);
  if (!record.is_object() || !record.contains("manifest") || !record["manifest"].is_object())
    return json::object();
  return record["manifest"];
}

Labels labels_of(const json& manifest) {
  Labels out;
  json labels = manifest.value("metadata", json::object()).value("labels", json::object());
  if (labels.is_object())
    for (const auto& [k, v] : labels.items())
      if (v.is_string()) out[k] = v.get<std::string>();
  return out;
}

Result<World> load_world(Store& store) {
  World w;
  auto hosts = store.list_hosts();
  if (!hosts.ok()) return hosts.status();
  for (const HostRecord& h : *hosts) {
    HostInfo& info = w.hosts[h.name];
    info.pool = h.pool;
    json facts = json::parse(h.facts_json, nullptr, false);
    if (facts.is_object()) {
      info.unreachable_since_ms = facts.value("unreachableSinceMs", int64_t{0});
      info.last_error = facts.value("lastError", "");
    }
  }
  auto declared = store.list_resources(std::string("Host"));
  if (!declared.ok()) return declared.status();
  for (const ResourceRecord& r : *declared) {
    auto it = w.hosts.find(r.name);
    if (it == w.hosts.end()) continue;
    json m = manifest_of(r);
    it->second.labels = labels_of(m);
    json spec = m.value("spec", json::object());
    it->second.maintenance = spec.is_object() && spec.value("maintenance", false);
  }
  auto vms = store.list_resources(std::string("VirtualMachine"));
  if (!vms.ok()) return vms.status();
  for (const ResourceRecord& r : *vms)
    w.vms[object_key(r.tenant, r.name)].labels = labels_of(manifest_of(r));
  auto placements = store.list_placements();
  if (!placements.ok()) return placements.status();
  for (const PlacementRecord& p : *placements) {
    auto it = w.vms.find(object_key(p.tenant, p.name));
    if (it != w.vms.end()) it->second.host = p.host;
  }
  return w;
}

bool in_scope(const AlarmScope& s, bool vm, const std::string& tenant, const std::string& host,
              const std::string& pool, const Labels& labels) {
  if (!s.tenant.empty() && (!vm || (tenant != s.tenant && tenant.rfind(s.tenant + "/", 0) != 0)))
    return false;
  if (!s.pool.empty() && pool != s.pool) return false;
  if (!s.host.empty() && host != s.host) return false;
  for (const auto& [k, v] : s.labels) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  return true;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

AlarmCandidate candidate_for(const AlarmRule& rule) {
  AlarmCandidate c;
  c.rule = rule.name;
  c.severity = rule.spec.severity;
  c.summary = rule.spec.summary;
  json labels = json::object();
  for (const auto& [k, v] : rule.spec.labels) labels[k] = v;
  c.labels_json = labels.dump();
  return c;
}

// One metric's value for row i of a packed table (VM or host columns).
double metric_value(const std::string& metric, const PackedTable& t, size_t i) {
  auto col = [&](size_t c) { return static_cast<double>(t.columns[c][i]); };
  auto pct = [](double part, double whole) { return whole > 0 ? 100.0 * part / whole : 0.0; };
  std::string m = metric.substr(metric.find('.') + 1);
  bool host = metric.rfind("host.", 0) == 0;
  if (m == "cpu") return pct(col(kCpuMilli) / 1000.0, host ? col(kHostCpus) : col(kVcpus));
  if (m == "memory") {
    if (!host) return pct(col(kMemoryUsedMiB), col(kMemoryMiB));
    double used = col(kHostMemoryFreeMiB) > 0 ? col(kHostMemoryMiB) - col(kHostMemoryFreeMiB)
                                              : col(kMemoryUsedMiB);
    return pct(used, col(kHostMemoryMiB));
  }
  if (m == "iops") return (col(kReadIopsMilli) + col(kWriteIopsMilli)) / 1000.0;
  if (m == "net") return col(kNetRxKiBps) + col(kNetTxKiBps);
  if (m == "pool-used")
    return pct(col(kPoolCapacityBytes) - col(kPoolAvailableBytes), col(kPoolCapacityBytes));
  return 0;
}

struct MetricState {
  bool seen = false;
  bool all_hold = true;
  int64_t newest_ms = 0;
  int64_t first_ms = 0;
  double newest = 0;
  int64_t host_id = 0;
};

Status metric_candidates(Store& store, const std::vector<const AlarmRule*>& rules,
                         const World& world, int64_t now, const CandidateOptions& o,
                         std::vector<AlarmCandidate>& out) {
  if (rules.empty()) return {};
  int64_t window = o.stale_metrics_ms;
  bool want_host = false, want_vm = false;
  for (const AlarmRule* r : rules) {
    window = std::max(window, r->spec.for_ms);
    (r->spec.metric.rfind("host.", 0) == 0 ? want_host : want_vm) = true;
  }
  std::vector<std::vector<MetricState>> state(rules.size());
  PackedTable table;
  Status bad;
  auto visit_table = [&](const MetricRow& row, bool host) {
    for (size_t r = 0; r < rules.size(); ++r) {
      const AlarmRule& rule = *rules[r];
      if ((rule.spec.metric.rfind("host.", 0) == 0) != host) continue;
      if (rule.spec.for_ms > 0 && row.time_ms < now - rule.spec.for_ms) continue;
      std::vector<MetricState>& states = state[r];
      for (size_t i = 0; i < table.ids.size(); ++i) {
        auto id = static_cast<size_t>(table.ids[i]);
        if (id >= states.size()) states.resize(id + 1);
        MetricState& s = states[id];
        double v = metric_value(rule.spec.metric, table, i);
        bool holds = rule.spec.condition.holds(v);
        // for 0: only the newest sample counts.
        s.all_hold = rule.spec.for_ms > 0 ? (s.all_hold && holds) : holds;
        if (!s.seen) s.first_ms = row.time_ms;
        s.seen = true;
        s.newest_ms = row.time_ms;
        s.newest = v;
        s.host_id = row.host_id;
      }
    }
  };
  Status scanned = store.scan_metric_rows(now - window, now + 1, false, [&](const MetricRow& row) {
    for (bool host : {true, false}) {
      if (host ? !want_host : !want_vm) continue;
      bad = unpack_table(host ? row.host_values : row.vm_values, {}, table);
      if (bad.ok() && table.columns.size() < (host ? size_t{kHostColumns} : size_t{kVmColumns}))
        bad = error(Code::kInternal, "metric values: a row has too few columns");
      if (!bad.ok()) return false;
      visit_table(row, host);
    }
    return true;
  });
  if (!scanned.ok()) return scanned;
  if (!bad.ok()) return bad;
  auto objects = store.list_metric_objects();
  if (!objects.ok()) return objects.status();
  std::map<int64_t, const MetricObject*> by_id;
  for (const MetricObject& m : *objects) by_id[m.id] = &m;
  for (size_t r = 0; r < rules.size(); ++r) {
    const AlarmRule& rule = *rules[r];
    for (size_t id = 0; id < state[r].size(); ++id) {
      const MetricState& s = state[r][id];
      if (!s.seen || !s.all_hold || s.newest_ms < now - o.stale_metrics_ms) continue;
      auto obj = by_id.find(static_cast<int64_t>(id));
      auto host_obj = by_id.find(s.host_id);
      if (obj == by_id.end() || host_obj == by_id.end()) continue;
      const std::string& host = host_obj->second->name;
      auto h = world.hosts.find(host);
      std::string pool = h == world.hosts.end() ? "" : h->second.pool;
      AlarmCandidate c = candidate_for(rule);
      c.host = host;
      c.pool = pool;
      c.since_ms = rule.spec.for_ms > 0 ? s.first_ms : s.newest_ms;
      c.value = number(s.newest);
      if (obj->second->kind == "host") {
        static const Labels kNone;
        if (!in_scope(rule.spec.scope, false, "", host, pool,
                      h == world.hosts.end() ? kNone : h->second.labels))
          continue;
        c.object = "host/" + host;
      } else {
        auto vm = world.vms.find(object_key(obj->second->tenant, obj->second->name));
        if (vm == world.vms.end()) continue;  // deleted since
        if (!in_scope(rule.spec.scope, true, obj->second->tenant, host, pool, vm->second.labels))
          continue;
        c.tenant = obj->second->tenant;
        c.object = "vm/" + object_key(obj->second->tenant, obj->second->name);
      }
      if (c.summary.empty()) c.summary = rule.spec.metric + " " + rule.spec.condition.text();
      out.push_back(std::move(c));
    }
  }
  return {};
}

Status event_candidates(Store& store, const std::vector<const AlarmRule*>& rules,
                        const World& world, int64_t now, const CandidateOptions& o,
                        std::vector<AlarmCandidate>& out) {
  if (rules.empty()) return {};
  EventFilter filter;
  filter.since_ms = now - o.event_lookback_ms;
  filter.newest_per_object = true;
  auto events = store.list_events(filter);
  if (!events.ok()) return events.status();
  // The latest event by object and stream; events come oldest first. A
  // backup's events are a stream of their own: a backup of a crashed VM must
  // not clear vm-crashed, nor a reboot clear backup-failed.
  std::map<std::pair<std::string, bool>, const EventRecord*> latest;
  for (const EventRecord& e : *events) {
    bool backup = is_backup_event(e.type);
    if (!e.vm.empty())
      latest[{"vm/" + object_key(e.tenant, e.vm), backup}] = &e;
    else if (e.domain.empty())
      latest[{"host/" + e.host, backup}] = &e;
  }
  for (const AlarmRule* rule : rules) {
    for (const auto& [key, e] : latest) {
      const std::string& object = key.first;
      if (e->type != rule->spec.event) continue;
      int64_t age = now - e->time_ms;
      if (age < rule->spec.for_ms) continue;
      if (rule->spec.clear_after_ms > 0 && age >= rule->spec.clear_after_ms) continue;
      bool vm = !e->vm.empty();
      auto h = world.hosts.find(e->host);
      if (h == world.hosts.end()) continue;
      const Labels* labels = &h->second.labels;
      if (vm) {
        auto v = world.vms.find(object_key(e->tenant, e->vm));
        if (v == world.vms.end()) continue;  // deleted since
        labels = &v->second.labels;
      }
      if (!in_scope(rule->spec.scope, vm, e->tenant, e->host, h->second.pool, *labels)) continue;
      AlarmCandidate c = candidate_for(*rule);
      c.object = object;
      c.host = e->host;
      c.pool = h->second.pool;
      c.tenant = e->tenant;
      c.since_ms = e->time_ms;
      c.value = e->type + (e->detail.empty() ? "" : " (" + e->detail + ")");
      out.push_back(std::move(c));
    }
  }
  return {};
}

void heartbeat_candidates(const AlarmRule& rule, const World& world, int64_t now,
                          std::vector<AlarmCandidate>& out) {
  for (const auto& [name, h] : world.hosts) {
    if (h.maintenance || h.unreachable_since_ms <= 0) continue;
    if (now - h.unreachable_since_ms < rule.spec.for_ms) continue;
    if (!in_scope(rule.spec.scope, false, "", name, h.pool, h.labels)) continue;
    AlarmCandidate c = candidate_for(rule);
    c.object = "host/" + name;
    c.host = name;
    c.pool = h.pool;
    c.since_ms = h.unreachable_since_ms;
    c.value = h.last_error;
    out.push_back(std::move(c));
  }
}

Status allocation_candidates(Store& store, const AlarmRule& rule, int64_t now,
                             const CandidateOptions& o, std::vector<AlarmCandidate>& out) {
  if (o.allocations == nullptr) return {};
  auto pools = o.allocations->pool_allocations(store);
  if (!pools.ok()) return pools.status();
  for (const auto& [pool, a] : *pools) {
    double pct = 100.0 * a.fraction;
    if (!rule.spec.condition.holds(pct)) continue;
    if (!rule.spec.scope.pool.empty() && rule.spec.scope.pool != pool) continue;
    AlarmCandidate c = candidate_for(rule);
    c.object = "pool/" + pool;
    c.pool = pool;
    c.since_ms = now;
    c.value = number(pct) + "% " + a.resource;
    c.summary = "pool " + pool + " is " + number(pct) + "% allocated (" + a.resource +
                "): expansion is due within 7 days, by " + format_time_ms(now + 7 * kMsPerDay);
    out.push_back(std::move(c));
  }
  return {};
}

Status audit_candidates(Store& store, const AlarmRule& rule, int64_t now, const CandidateOptions& o,
                        std::vector<AlarmCandidate>& out) {
  auto meta = store.get_meta(kAuditCheckMetaKey);
  if (!meta.ok()) return meta.status();
  json check = *meta ? json::parse(**meta, nullptr, false) : json();
  if (!check.is_object() || now - check.value("checkedMs", int64_t{0}) >= o.audit_every_ms ||
      check.value("checkedMs", int64_t{0}) > now) {
    auto verified = verify_audit_chain(store, {});
    if (!verified.ok()) return verified.status();
    int64_t failing_since =
        check.is_object() && !check.value("ok", true) ? check.value("failingSinceMs", now) : now;
    check = {{"checkedMs", now},
             {"ok", verified->ok},
             {"why", verified->why},
             {"firstBadSeq", verified->first_bad_seq},
             {"failingSinceMs", verified->ok ? int64_t{0} : failing_since}};
    if (Status s = store.put_meta(kAuditCheckMetaKey, check.dump()); !s.ok()) return s;
  }
  if (check.value("ok", true)) return {};
  AlarmCandidate c = candidate_for(rule);
  c.object = "audit/chain";
  c.since_ms = check.value("failingSinceMs", now);
  c.value = "record " + std::to_string(check.value("firstBadSeq", int64_t{0})) + ": " +
            check.value("why", "");
  out.push_back(std::move(c));
  return {};
}

// Days as the rules compare them: whole days, rounded down.
int64_t whole_days(int64_t ms) {
  return ms >= 0 ? ms / kMsPerDay : -((-ms + kMsPerDay - 1) / kMsPerDay);
}

void credential_candidates(const AlarmRule& rule, int64_t now, const CandidateOptions& o,
                           std::vector<AlarmCandidate>& out) {
  if (o.credentials == nullptr) return;
  const bool expiry = rule.source == RuleSource::kCertificateExpiry;
  const auto limit = static_cast<int64_t>(rule.spec.condition.threshold);
  for (const Credential& c : *o.credentials) {
    if (expiry && !c.expires) continue;
    const int64_t days =
        expiry ? whole_days(c.not_after_ms - now) : whole_days(now - c.not_before_ms);
    if (!rule.spec.condition.holds(static_cast<double>(days))) continue;
    if (!rule.spec.scope.host.empty() && rule.spec.scope.host != c.host) continue;
    AlarmCandidate ac = candidate_for(rule);
    ac.object = c.object;
    ac.host = c.host;
    if (expiry) {
      ac.since_ms = std::min(now, c.not_after_ms - limit * kMsPerDay);
      ac.value = days < 0 ? "expired on " + format_time_ms(c.not_after_ms)
                          : "expires " + format_time_ms(c.not_after_ms) + " (in " +
                                std::to_string(days) + " days)";
      ac.summary =
          c.what +
          (days < 0 ? " has expired" : " expires within " + std::to_string(limit) + " days") +
          "; renew: " + c.renew;
    } else {
      ac.since_ms = std::min(now, c.not_before_ms + limit * kMsPerDay);
      ac.value =
          "issued " + format_time_ms(c.not_before_ms) + " (" + std::to_string(days) + " days ago)";
      ac.summary = c.what + " is " + std::to_string(days) + " days old (rotation after " +
                   std::to_string(limit) + "); rotate it: " + c.renew;
    }
    out.push_back(std::move(ac));
  }
}

}  // namespace

Result<std::vector<AlarmCandidate>> alarm_candidates(Store& store,
                                                     const std::vector<AlarmRule>& rules,
                                                     int64_t now, const CandidateOptions& o) {
  auto world = load_world(store);
  if (!world.ok()) return world.status();
  std::vector<const AlarmRule*> metric, event;
  std::vector<AlarmCandidate> out;
  for (const AlarmRule& r : rules) {
    Status s;
    switch (r.source) {
      case RuleSource::kMetric:
        metric.push_back(&r);
        break;
      case RuleSource::kEvent:
        event.push_back(&r);
        break;
      case RuleSource::kHeartbeat:
        heartbeat_candidates(r, *world, now, out);
        break;
      case RuleSource::kPoolAllocation:
        s = allocation_candidates(store, r, now, o, out);
        break;
      case RuleSource::kAuditChain:
        s = audit_candidates(store, r, now, o, out);
        break;
      case RuleSource::kCertificateExpiry:
      case RuleSource::kCredentialAge:
        credential_candidates(r, now, o, out);
        break;
    }
    if (!s.ok()) return s;
  }
  if (Status s = metric_candidates(store, metric, *world, now, o, out); !s.ok()) return s;
  if (Status s = event_candidates(store, event, *world, now, o, out); !s.ok()) return s;
  return out;
}

}  // namespace xc
