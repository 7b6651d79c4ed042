// What the alarm rules find true now: one candidate per rule and object whose
// condition holds (a metric over its `for` window, an object's latest event,
// a host unreachable, a pool's allocation, the audit chain failing verify).
// Reads the store (and records the audit check's result in its meta table).
// Not thread-safe (one store).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ctl/alarms/alarm_rules.h"
#include "ctl/alarms/credential.h"
#include "ctl/alarms/pool_allocation.h"
#include "ctl/store/store.h"

namespace xc {

struct AlarmCandidate {
  std::string rule;
  std::string object;  // "host/x86-01", "vm/education/web-1", "pool/p1", "audit/chain"
  std::string host, pool, tenant;
  std::string severity;
  std::string summary;
  std::string value;  // "97.5", "crashed (panicked)"
  std::string labels_json = "{}";
  int64_t since_ms = 0;  // when the condition began, as far as known
};

struct CandidateOptions {
  PoolAllocationSource* allocations = nullptr;           // none: the allocation rule is quiet
  const std::vector<Credential>* credentials = nullptr;  // none: the credential rules are quiet
  int64_t audit_every_ms = 3'600'000;                    // how often the audit chain is verified
  int64_t event_lookback_ms = 30 * 86'400'000LL;         // events older than this are not read
  int64_t stale_metrics_ms = 5 * 60'000;  // an object's newest sample older than this fires nothing
};

inline constexpr const char* kAuditCheckMetaKey = "alarms.audit-check";

Result<std::vector<AlarmCandidate>> alarm_candidates(Store& store,
                                                     const std::vector<AlarmRule>& rules,
                                                     int64_t now_ms,
                                                     const CandidateOptions& options);

}  // namespace xc
