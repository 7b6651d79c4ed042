#include "ctl/metrics/collect.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "ctl/metrics/counter_rates.h"
#include "ctl/metrics/metric_columns.h"
#include "ctl/metrics/packed_values.h"
#include "ctl/metrics/rollups.h"

namespace xc {
namespace {

using nlohmann::json;

// A peer's reply is bounded before it is believed.
constexpr size_t kMaxDomainsPerHost = 10'000;
const std::string kCountersKey = "metrics.counters.";

int64_t ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t)
      .count();
}

uint64_t u64(const json& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || !it->is_number_integer()) return 0;
  return it->is_number_unsigned() ? it->get<uint64_t>()
                                  : static_cast<uint64_t>(std::max<int64_t>(0, it->get<int64_t>()));
}

uint64_t kib(uint64_t bytes) {
  return (bytes + 512) / 1024;
}

CounterReading reading_of(const json& d, int64_t time_ms) {
  CounterReading r;
  r.domain_id = d.value("id", int64_t{-1});
  r.time_ms = time_ms;
  r.cpu_time_ns = u64(d, "cpuTimeNs");
  r.disk_read_bytes = u64(d, "diskReadBytes");
  r.disk_write_bytes = u64(d, "diskWriteBytes");
  r.disk_read_ops = u64(d, "diskReadOps");
  r.disk_write_ops = u64(d, "diskWriteOps");
  r.net_rx_bytes = u64(d, "netRxBytes");
  r.net_tx_bytes = u64(d, "netTxBytes");
  return r;
}

// The previous readings, kept in the meta table as one small JSON value per
// host: {"d": {domain: [id, time, cpu, rd bytes, wr bytes, rd ops, wr ops, rx, tx]}}.
json counters_json(const CounterReading& r) {
  return json::array({r.domain_id, r.time_ms, r.cpu_time_ns, r.disk_read_bytes, r.disk_write_bytes,
                      r.disk_read_ops, r.disk_write_ops, r.net_rx_bytes, r.net_tx_bytes});
}

std::optional<CounterReading> reading_from(const json& a) {
  if (!a.is_array() || a.size() != 9) return std::nullopt;
  for (const auto& v : a)
    if (!v.is_number_integer()) return std::nullopt;
  CounterReading r;
  r.domain_id = a[0].get<int64_t>();
  r.time_ms = a[1].get<int64_t>();
  uint64_t* fields[] = {&r.cpu_time_ns,   &r.disk_read_bytes, &r.disk_write_bytes,
                        &r.disk_read_ops, &r.disk_write_ops,  &r.net_rx_bytes,
                        &r.net_tx_bytes};
  for (size_t i = 0; i < 7; ++i) *fields[i] = a[i + 2].get<uint64_t>();
  return r;
}

class ObjectIds {
 public:
  explicit ObjectIds(Store& store) : store_(store) {}
  Status load() {
    auto all = store_.list_metric_objects();
    if (!all.ok()) return all.status();
    for (const auto& o : *all) ids_[key(o.kind, o.tenant, o.name)] = o.id;
    return {};
  }
  Result<int64_t> get(const std::string& kind, const std::string& tenant, const std::string& name) {
    std::string k = key(kind, tenant, name);
    if (auto it = ids_.find(k); it != ids_.end()) return it->second;
    auto id = store_.metric_object_id(kind, tenant, name);
    if (id.ok()) ids_[k] = *id;
    return id;
  }

 private:
  static std::string key(const std::string& kind, const std::string& tenant,
                         const std::string& name) {
    return kind + '\0' + tenant + '\0' + name;
  }
  Store& store_;
  std::map<std::string, int64_t> ids_;
};

// Stores one host's reading; fills `out`'s counts.
Status store_host(Store& store, ObjectIds& ids, const json& reply, int64_t round_ms,
                  CollectedHost& out) {
  if (!reply.is_object() || !reply.contains("host") || !reply["host"].is_object() ||
      !reply.contains("domains") || !reply["domains"].is_array())
    return error(Code::kInvalidArgument,
                 "metrics.sample: the agent's reply has no host or domains");
  const json& host = reply["host"];
  const json& domains = reply["domains"];
  if (domains.size() > kMaxDomainsPerHost)
    return error(Code::kInvalidArgument,
                 "metrics.sample: more than " + std::to_string(kMaxDomainsPerHost) + " domains");
  const int64_t agent_ms = host.value("timeMs", int64_t{0});
  auto host_id = ids.get("host", "", out.host);
  if (!host_id.ok()) return host_id.status();

  json previous;
  auto stored = store.get_meta(kCountersKey + out.host);
  if (!stored.ok()) return stored.status();
  if (*stored) previous = json::parse(**stored, nullptr, false);
  const json* before = previous.is_object() && previous.contains("d") && previous["d"].is_object()
                           ? &previous["d"]
                           : nullptr;

  std::vector<uint64_t> sums(kHostColumns, 0);
  std::vector<std::pair<int64_t, std::vector<uint64_t>>> vms;
  json now = json::object();
  bool any_rated = false;
  for (const json& d : domains) {
    if (!d.is_object() || !d.contains("domain") || !d["domain"].is_string()) continue;
    int64_t id = d.value("id", int64_t{-1});
    if (id < 0) continue;  // not running: no counters
    const std::string domain = d["domain"].get<std::string>();
    CounterReading reading = reading_of(d, agent_ms);
    now[domain] = counters_json(reading);
    const std::string vm =
        d.contains("vm") && d["vm"].is_string() ? d["vm"].get<std::string>() : "";
    const std::string tenant =
        d.contains("tenant") && d["tenant"].is_string() ? d["tenant"].get<std::string>() : "";
    if (!vm.empty()) ++out.vms;
    std::vector<uint64_t> v(kVmColumns, 0);
    v[kVcpus] = u64(d, "vcpus");
    v[kMemoryMiB] = u64(d, "memoryKiB") / 1024;
    v[kMemoryUsedMiB] = u64(d, "memoryUsedKiB") / 1024;
    std::optional<CounterRates> rates;
    if (before && before->contains(domain)) {
      if (auto b = reading_from((*before)[domain]))
        rates = counter_rates(*b, reading, static_cast<int64_t>(v[kVcpus]));
    }
    if (rates) {
      v[kCpuMilli] = rates->cpu_milli;
      v[kDiskReadKiBps] = kib(rates->disk_read_bps);
      v[kDiskWriteKiBps] = kib(rates->disk_write_bps);
      v[kReadIopsMilli] = rates->read_iops_milli;
      v[kWriteIopsMilli] = rates->write_iops_milli;
      v[kNetRxKiBps] = kib(rates->net_rx_bps);
      v[kNetTxKiBps] = kib(rates->net_tx_bps);
      any_rated = true;
    }
    for (size_t c = 0; c < kVmColumns; ++c) sums[c] += v[c];
    if (vm.empty() || !rates) continue;
    ++out.rated;
    auto vm_id = ids.get("vm", tenant, vm);
    if (!vm_id.ok()) return vm_id.status();
    vms.emplace_back(*vm_id, std::move(v));
  }
  Status saved = store.put_meta(kCountersKey + out.host, json{{"d", now}}.dump());
  if (!saved.ok()) return saved;
  // The first reading after a start (or after every VM restarted) has
  // nothing to rate against: only its counters are kept.
  if (!any_rated) return {};

  sums[kHostCpus] = u64(host, "cpus");
  sums[kHostMemoryMiB] = u64(host, "memoryKiB") / 1024;
  sums[kHostMemoryFreeMiB] = u64(host, "memoryFreeKiB") / 1024;
  if (host.contains("pool") && host["pool"].is_object()) {
    sums[kPoolCapacityBytes] = u64(host["pool"], "capacityBytes");
    sums[kPoolAllocationBytes] = u64(host["pool"], "allocationBytes");
    sums[kPoolAvailableBytes] = u64(host["pool"], "availableBytes");
  }
  PackedTable host_table;
  host_table.ids = {*host_id};
  for (uint64_t v : sums) host_table.columns.push_back({v});
  std::sort(vms.begin(), vms.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  PackedTable vm_table;
  vm_table.clear(kVmColumns);
  for (auto& [id, values] : vms) {
    if (!vm_table.ids.empty() && vm_table.ids.back() == id) continue;  // one VM, two domains
    vm_table.ids.push_back(id);
    for (size_t c = 0; c < kVmColumns; ++c) vm_table.columns[c].push_back(values[c]);
  }
  return store.put_metric_rows(
      {MetricRow{round_ms, *host_id, pack_table(host_table), pack_table(vm_table)}}, false);
}

}  // namespace

Result<MetricsRound> collect_metrics(Store& store, HostClients& clients,
                                     const std::vector<std::string>& hosts, const Clock& clock) {
  MetricsRound round;
  round.time_ms = clock();
  auto started = std::chrono::steady_clock::now();
  std::vector<std::future<Result<json>>> calls;
  calls.reserve(hosts.size());
  for (const std::string& host : hosts)
    calls.push_back(std::async(std::launch::async, [&clients, host] {
      return clients.call(host, "metrics.sample", json::object());
    }));
  std::vector<Result<json>> replies;
  replies.reserve(hosts.size());
  for (auto& c : calls) replies.push_back(c.get());
  round.call_ms = ms_since(started);

  started = std::chrono::steady_clock::now();
  Status done = store.transact([&]() -> Status {
    ObjectIds ids(store);
    if (Status s = ids.load(); !s.ok()) return s;
    round.hosts.clear();
    for (size_t i = 0; i < hosts.size(); ++i) {
      CollectedHost h{hosts[i], {}, 0, 0};
      if (!replies[i].ok()) {
        h.status = replies[i].status();
      } else {
        Status s = store_host(store, ids, *replies[i], round.time_ms, h);
        // A bad reply is the host's problem; a store failure ends the round.
        if (!s.ok() && s.code() != Code::kInvalidArgument) return s;
        h.status = s;
      }
      round.hosts.push_back(std::move(h));
    }
    auto rolled = roll_up_metrics(store, round.time_ms);
    if (!rolled.ok()) return rolled.status();
    round.rolled_up_hours = *rolled;
    auto pruned =
        store.prune_metric_rows(round.time_ms - kRawMetricsKeepMs, round.time_ms - kRollupsKeepMs);
    if (!pruned.ok()) return pruned.status();
    round.pruned = *pruned;
    return {};
  });
  if (!done.ok()) return done;
  round.store_ms = ms_since(started);
  return round;
}

}  // namespace xc
