#include "ctl/alarms/alarm_rules.h"

#include <nlohmann/json.hpp>

namespace xc {

const char* rule_source_name(RuleSource source) {
  switch (source) {
    case RuleSource::kMetric:
      return "metric";
    case RuleSource::kEvent:
      return "event";
    case RuleSource::kHeartbeat:
      return "heartbeat";
    case RuleSource::kPoolAllocation:
      return "capacity";
    case RuleSource::kAuditChain:
      return "audit";
    case RuleSource::kCertificateExpiry:
    case RuleSource::kCredentialAge:
      return "credentials";
  }
  return "?";
}

const std::vector<AlarmRule>& builtin_alarm_rules() {
  static const std::vector<AlarmRule> rules = [] {
    std::vector<AlarmRule> r;
    auto add = [&r](const char* name, RuleSource source, const char* severity,
                    const char* summary) -> AlarmRuleSpec& {
      AlarmRule rule;
      rule.name = name;
      rule.builtin = true;
      rule.source = source;
      rule.spec.severity = severity;
      rule.spec.summary = summary;
      r.push_back(rule);
      return r.back().spec;
    };
    add(kRuleHostUnreachable, RuleSource::kHeartbeat, "critical",
        "the host's agent does not answer the heartbeat");
    add(kRuleVmCrashed, RuleSource::kEvent, "major", "the VM crashed").event = "crashed";
    add(kRuleVmPaused, RuleSource::kEvent, "major", "the VM is paused (I/O error or by hand)")
        .event = "paused";
    AlarmRuleSpec& used =
        add(kRulePoolUsed, RuleSource::kMetric, "major", "the host's storage pool is 90% used");
    used.metric = "host.pool-used";
    used.condition = {">=", 90};
    AlarmRuleSpec& allocated = add(kRulePoolAllocation, RuleSource::kPoolAllocation, "major",
                                   "the pool is 80% allocated: expansion is due within 7 days");
    allocated.condition = {">=", 80};
    add(kRuleAuditChain, RuleSource::kAuditChain, "critical", "the audit chain fails verify");
    // The tender's rotation duty: warned 30 days ahead, asked every six months.
    add(kRuleCertificateExpiring, RuleSource::kCertificateExpiry, "major",
        "a certificate expires within 30 days")
        .condition = {"<=", 30};
    add(kRuleCredentialOld, RuleSource::kCredentialAge, "minor",
        "a credential is older than six months: rotate it")
        .condition = {">=", 183};
    // The event the HA loop stores (ctl/ha/ha_round.h); cleared when the host is back.
    add("ha-fence-failed", RuleSource::kEvent, "critical",
        "HA: the host's fence command failed, so its VMs are not restarted elsewhere")
        .event = "ha-fence-failed";
    // The events the backup schedule stores (ctl/backup/backup_round.h):
    // fires at a failed scheduled backup, cleared by the VM's next event
    // (a backup that worked stores `backup-done`).
    add("backup-failed", RuleSource::kEvent, "major",
        "a scheduled backup of the VM failed; it is retried at a later round")
        .event = "backup-failed";
    return r;
  }();
  return rules;
}

Result<std::vector<AlarmRule>> alarm_rules(Store& store) {
  auto records = store.list_resources(std::string("AlarmRule"));
  if (!records.ok()) return records.status();
  std::vector<AlarmRule> out = builtin_alarm_rules();
  for (const ResourceRecord& r : *records) {
    nlohmann::json record = nlohmann::json::parse(r.spec_json, nullptr, false);
    if (!record.is_object() || !record.contains("manifest") || !record["manifest"].is_object())
      continue;
    AlarmRule rule;
    rule.name = r.name;
    rule.spec = alarm_rule_from_json(record["manifest"].value("spec", nlohmann::json::object()));
    rule.source = rule.spec.metric.empty() ? RuleSource::kEvent : RuleSource::kMetric;
    bool replaced = false;
    for (AlarmRule& b : out) {
      if (b.builtin && b.name == rule.name) {
        // Same source as the built-in's, the manifest's severity, scope and labels.
        b.spec.severity = rule.spec.severity;
        b.spec.scope = rule.spec.scope;
        b.spec.labels = rule.spec.labels;
        if (!rule.spec.summary.empty()) b.spec.summary = rule.spec.summary;
        b.builtin = false;
        replaced = true;
      }
    }
    if (!replaced) out.push_back(std::move(rule));
  }
  return out;
}

}  // namespace xc
