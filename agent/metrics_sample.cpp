#include "agent/metrics_sample.h"

#include <chrono>
#include <cstdlib>
#include <pugixml.hpp>
#include <string_view>

#include "agent/domain_inventory.h"
#include "agent/storage_pool.h"

namespace xc {
namespace {

using nlohmann::json;

struct StatsFree {
  void operator()(virDomainStatsRecordPtr* records) const { virDomainStatsRecordListFree(records); }
};

uint64_t unsigned_value(const virTypedParameter& p) {
  switch (p.type) {
    case VIR_TYPED_PARAM_INT:
      return p.value.i < 0 ? 0 : static_cast<uint64_t>(p.value.i);
    case VIR_TYPED_PARAM_UINT:
      return p.value.ui;
    case VIR_TYPED_PARAM_LLONG:
      return p.value.l < 0 ? 0 : static_cast<uint64_t>(p.value.l);
    case VIR_TYPED_PARAM_ULLONG:
      return p.value.ul;
    default:
      return 0;
  }
}

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

// What the bulk record held; the test:/// driver's records carry only the
// state, so the rest is then read one call at a time.
struct Seen {
  bool cpu = false, vcpus = false, memory = false, used = false, devices = false;
};

Seen read_record(const virDomainStatsRecord& record, DomainCounters& d) {
  Seen seen;
  uint64_t available = 0, usable = 0, rss = 0;
  bool has_available = false, has_usable = false, has_rss = false;
  for (int k = 0; k < record.nparams; ++k) {
    const virTypedParameter& p = record.params[k];
    std::string_view f = p.field;
    uint64_t v = unsigned_value(p);
    if (f == "state.state") {
      d.state = domain_state_name(static_cast<int>(v));
    } else if (f == "cpu.time") {
      d.cpu_time_ns = v, seen.cpu = true;
    } else if (f == "vcpu.current") {
      d.vcpus = static_cast<int64_t>(v), seen.vcpus = true;
    } else if (f == "balloon.current") {
      d.memory_kib = static_cast<int64_t>(v), seen.memory = true;
    } else if (f == "balloon.available") {
      available = v, has_available = true;
    } else if (f == "balloon.usable") {
      usable = v, has_usable = true;
    } else if (f == "balloon.rss") {
      rss = v, has_rss = true;
    } else if (f == "block.count" || f == "net.count") {
      seen.devices = true;
    } else if (f.rfind("block.", 0) == 0) {
      if (ends_with(f, ".rd.bytes")) d.disk_read_bytes += v;
      if (ends_with(f, ".wr.bytes")) d.disk_write_bytes += v;
      if (ends_with(f, ".rd.reqs")) d.disk_read_ops += v;
      if (ends_with(f, ".wr.reqs")) d.disk_write_ops += v;
    } else if (f.rfind("net.", 0) == 0) {
      if (ends_with(f, ".rx.bytes")) d.net_rx_bytes += v;
      if (ends_with(f, ".tx.bytes")) d.net_tx_bytes += v;
    }
  }
  if (has_available && has_usable && available >= usable) {
    d.memory_used_kib = static_cast<int64_t>(available - usable), seen.used = true;
  } else if (has_rss) {
    d.memory_used_kib = static_cast<int64_t>(rss), seen.used = true;
  }
  return seen;
}

// Per-device reads for drivers whose bulk stats lack them: disks by target,
// NICs by MAC address.
void read_devices(virDomainPtr dom, DomainCounters& d) {
  pugi::xml_document doc;
  doc.load_string(take_string(virDomainGetXMLDesc(dom, 0)).c_str());
  for (auto t : doc.select_nodes("/domain/devices/disk/target[@dev]")) {
    virDomainBlockStatsStruct s{};
    if (virDomainBlockStats(dom, t.node().attribute("dev").as_string(), &s, sizeof s) == 0) {
      d.disk_read_bytes += s.rd_bytes > 0 ? static_cast<uint64_t>(s.rd_bytes) : 0;
      d.disk_write_bytes += s.wr_bytes > 0 ? static_cast<uint64_t>(s.wr_bytes) : 0;
      d.disk_read_ops += s.rd_req > 0 ? static_cast<uint64_t>(s.rd_req) : 0;
      d.disk_write_ops += s.wr_req > 0 ? static_cast<uint64_t>(s.wr_req) : 0;
    } else {
      virResetLastError();
    }
  }
  for (auto m : doc.select_nodes("/domain/devices/interface/mac[@address]")) {
    virDomainInterfaceStatsStruct s{};
    if (virDomainInterfaceStats(dom, m.node().attribute("address").as_string(), &s, sizeof s) ==
        0) {
      d.net_rx_bytes += s.rx_bytes > 0 ? static_cast<uint64_t>(s.rx_bytes) : 0;
      d.net_tx_bytes += s.tx_bytes > 0 ? static_cast<uint64_t>(s.tx_bytes) : 0;
    } else {
      virResetLastError();
    }
  }
}

void read_memory_stats(virDomainPtr dom, DomainCounters& d) {
  virDomainMemoryStatStruct stats[VIR_DOMAIN_MEMORY_STAT_NR];
  int n = virDomainMemoryStats(dom, stats, VIR_DOMAIN_MEMORY_STAT_NR, 0);
  if (n < 0) return virResetLastError();
  uint64_t available = 0, usable = 0, rss = 0;
  for (int i = 0; i < n; ++i) {
    if (stats[i].tag == VIR_DOMAIN_MEMORY_STAT_AVAILABLE) available = stats[i].val;
    if (stats[i].tag == VIR_DOMAIN_MEMORY_STAT_USABLE) usable = stats[i].val;
    if (stats[i].tag == VIR_DOMAIN_MEMORY_STAT_RSS) rss = stats[i].val;
  }
  if (available > 0 && usable > 0 && available >= usable)
    d.memory_used_kib = static_cast<int64_t>(available - usable);
  else if (rss > 0)
    d.memory_used_kib = static_cast<int64_t>(rss);
}

void read_metadata(virDomainPtr dom, DomainCounters& d) {
  std::string xml = xcloud_metadata_xml(dom);
  if (xml.empty()) return;
  pugi::xml_document doc;
  if (!doc.load_string(xml.c_str())) return;
  d.tenant = doc.first_child().attribute("tenant").as_string();
  d.vm = doc.first_child().attribute("name").as_string();
}

void read_host(AgentContext& ctx, HostCounters& h) {
  virNodeInfo info{};
  if (virNodeGetInfo(ctx.conn, &info) == 0) {
    h.cpus = info.cpus;
    h.memory_kib = static_cast<int64_t>(info.memory);
  } else {
    virResetLastError();
  }
  unsigned long long free_bytes = virNodeGetFreeMemory(ctx.conn);
  if (free_bytes == 0) virResetLastError();
  h.memory_free_kib = static_cast<int64_t>(free_bytes / 1024);
  // The pool appears with the first volume; before that there is nothing to report.
  auto pool = storage_pool_info(ctx);
  if (pool.ok()) {
    h.has_pool = true;
    h.pool = (*pool)["pool"].get<std::string>();
    h.pool_capacity_bytes = (*pool)["capacityBytes"].get<int64_t>();
    h.pool_allocation_bytes = (*pool)["allocationBytes"].get<int64_t>();
    h.pool_available_bytes = (*pool)["availableBytes"].get<int64_t>();
  }
}

}  // namespace

Result<MetricsSample> read_metrics_sample(AgentContext& ctx) {
  MetricsSample out;
  out.host.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  virDomainStatsRecordPtr* raw = nullptr;
  unsigned stats = VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_CPU_TOTAL | VIR_DOMAIN_STATS_BALLOON |
                   VIR_DOMAIN_STATS_VCPU | VIR_DOMAIN_STATS_BLOCK | VIR_DOMAIN_STATS_INTERFACE;
  int n = virConnectGetAllDomainStats(ctx.conn, stats, &raw, 0);
  if (n < 0) return libvirt_error("metrics: ");
  std::unique_ptr<virDomainStatsRecordPtr, StatsFree> records(raw);
  out.domains.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    virDomainPtr dom = raw[i]->dom;
    DomainCounters d;
    d.domain = virDomainGetName(dom);
    int id = virDomainGetID(dom);
    d.id = id < 0 ? -1 : id;
    Seen seen = read_record(*raw[i], d);
    read_metadata(dom, d);
    if (d.state != "running" && d.state != "paused") {
      out.domains.push_back(std::move(d));
      continue;  // a stopped domain has no live counters
    }
    if (!seen.cpu || !seen.vcpus || !seen.memory) {
      virDomainInfo info;
      if (virDomainGetInfo(dom, &info) == 0) {
        if (!seen.cpu) d.cpu_time_ns = info.cpuTime;
        if (!seen.vcpus) d.vcpus = info.nrVirtCpu;
        if (!seen.memory) d.memory_kib = static_cast<int64_t>(info.memory);
      } else {
        virResetLastError();
      }
    }
    if (!seen.used) read_memory_stats(dom, d);
    if (!seen.devices) read_devices(dom, d);
    out.domains.push_back(std::move(d));
  }
  read_host(ctx, out.host);
  return out;
}

json metrics_sample_json(const MetricsSample& sample) {
  const HostCounters& h = sample.host;
  json host = {{"timeMs", h.time_ms},
               {"cpus", h.cpus},
               {"memoryKiB", h.memory_kib},
               {"memoryFreeKiB", h.memory_free_kib}};
  if (h.has_pool)
    host["pool"] = {{"name", h.pool},
                    {"capacityBytes", h.pool_capacity_bytes},
                    {"allocationBytes", h.pool_allocation_bytes},
                    {"availableBytes", h.pool_available_bytes}};
  json domains = json::array();
  for (const DomainCounters& d : sample.domains) {
    json entry = {{"domain", d.domain}, {"state", d.state}, {"id", d.id}};
    if (!d.vm.empty()) entry["tenant"] = d.tenant, entry["vm"] = d.vm;
    if (d.id >= 0) {
      entry["vcpus"] = d.vcpus;
      entry["memoryKiB"] = d.memory_kib;
      entry["memoryUsedKiB"] = d.memory_used_kib;
      entry["cpuTimeNs"] = d.cpu_time_ns;
      entry["diskReadBytes"] = d.disk_read_bytes;
      entry["diskWriteBytes"] = d.disk_write_bytes;
      entry["diskReadOps"] = d.disk_read_ops;
      entry["diskWriteOps"] = d.disk_write_ops;
      entry["netRxBytes"] = d.net_rx_bytes;
      entry["netTxBytes"] = d.net_tx_bytes;
    }
    domains.push_back(std::move(entry));
  }
  return json{{"host", host}, {"domains", domains}};
}

}  // namespace xc
