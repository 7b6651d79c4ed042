// The rules alarms come from: the built-in ones (host unreachable, VM crashed,
// VM paused, storage pool >= 90% used, pool allocation >= 80%, audit chain
// failing verify, a certificate expiring within 30 days, a credential older
// than six months) and the applied AlarmRule manifests. Not thread-safe (one store).
#pragma once

#include <string>
#include <vector>

#include "common/alarm_spec.h"
#include "ctl/store/store.h"

namespace xc {

// How a rule is evaluated.
enum class RuleSource {
  kMetric,             // spec.metric against the collected samples
  kEvent,              // spec.event: the object's latest event
  kHeartbeat,          // a host unreachable by the heartbeat's stored state
  kPoolAllocation,     // PoolAllocationSource's fractions
  kAuditChain,         // verify_audit_chain
  kCertificateExpiry,  // days until a credential expires (CandidateOptions::credentials)
  kCredentialAge,      // days since a credential was issued
};
const char* rule_source_name(RuleSource source);  // "metric", "event", ...

struct AlarmRule {
  std::string name;
  bool builtin = false;
  RuleSource source = RuleSource::kMetric;
  AlarmRuleSpec spec;
};

inline constexpr const char* kRuleHostUnreachable = "host-unreachable";
inline constexpr const char* kRuleVmCrashed = "vm-crashed";
inline constexpr const char* kRuleVmPaused = "vm-paused";
inline constexpr const char* kRulePoolUsed = "pool-used-90";
inline constexpr const char* kRulePoolAllocation = "pool-allocation-80";
inline constexpr const char* kRuleAuditChain = "audit-chain";
inline constexpr const char* kRuleCertificateExpiring = "certificate-expiring";
inline constexpr const char* kRuleCredentialOld = "credential-old";

const std::vector<AlarmRule>& builtin_alarm_rules();

// The built-in rules, then the stored AlarmRule objects by name (one named
// like a built-in rule replaces it, so its severity or scope can be changed).
Result<std::vector<AlarmRule>> alarm_rules(Store& store);

}  // namespace xc
