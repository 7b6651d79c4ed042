// metrics.sample: one reading of every domain's counters (CPU time, memory,
// disk and network bytes and requests) and the host's capacity and storage
// pool use, from libvirt's bulk stats call; also the source of GET /metrics.
// Thread-safe (libvirt is).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "agent/rpc_service.h"

namespace xc {

// Counters of one domain. Cumulative counters (the _total ones) restart from
// zero when the domain's QEMU process restarts; `id` changes then too.
struct DomainCounters {
  std::string domain, tenant, vm;  // tenant and vm empty: not xcloud's
  std::string state;               // domain_state_name()
  int64_t id = -1;                 // libvirt's domain id; -1 when not running
  int64_t vcpus = 0;
  int64_t memory_kib = 0;       // allocated (balloon current)
  int64_t memory_used_kib = 0;  // in use by the guest, as well as libvirt knows
  uint64_t cpu_time_ns = 0;
  uint64_t disk_read_bytes = 0, disk_write_bytes = 0;
  uint64_t disk_read_ops = 0, disk_write_ops = 0;
  uint64_t net_rx_bytes = 0, net_tx_bytes = 0;
};

struct HostCounters {
  int64_t time_ms = 0;  // the agent's wall clock when it read the counters
  int64_t cpus = 0;
  int64_t memory_kib = 0, memory_free_kib = 0;
  bool has_pool = false;  // the storage pool exists (it is made on first use)
  std::string pool;
  int64_t pool_capacity_bytes = 0, pool_allocation_bytes = 0, pool_available_bytes = 0;
};

struct MetricsSample {
  HostCounters host;
  std::vector<DomainCounters> domains;
};

Result<MetricsSample> read_metrics_sample(AgentContext& ctx);

// The metrics.sample reply (schemas/agent/metrics.sample.result.schema.json).
nlohmann::json metrics_sample_json(const MetricsSample& sample);

}  // namespace xc
