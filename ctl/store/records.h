// The rows the store keeps: hosts, resources, placements, audit records,
// meter intervals, closed months, bill adjustments, address allocations and
// events. Plain value types,
// shared by the store and the concerns above it (audit, billing) so the store depends on none of
// them.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xc {

// A host as last seen: the inventory the scheduler works from.
struct HostRecord {
  std::string name;
  std::string address;    // "host" or "host:port"
  std::string transport;  // "tls" or "ssh"
  std::string pool;
  std::string zone;
  std::string arch;  // as the agent reports it: "x86_64", "aarch64"
  std::string facts_json = "{}";
  int64_t updated_at_ms = 0;

  bool operator==(const HostRecord&) const = default;
};

// Names one desired object. `kind` is kind_name() ("VirtualMachine"); `tenant`
// is empty for global kinds.
struct ResourceKey {
  std::string kind;
  std::string tenant;
  std::string name;

  bool operator==(const ResourceKey&) const = default;
};

// `VirtualMachine "education/web-1"`: how messages name a resource.
inline std::string to_string(const ResourceKey& key) {
  return key.kind + " \"" + (key.tenant.empty() ? "" : key.tenant + "/") + key.name + "\"";
}

// A desired object as applied from manifests.
struct ResourceRecord {
  std::string kind;
  std::string tenant;
  std::string name;
  std::string spec_json;
  std::string spec_hash;
  int64_t generation = 0;     // kept by the store: 1, then +1 per spec_hash change
  std::string manifest_set;   // which apply owns it, for --prune
  int64_t updated_at_ms = 0;  // when the generation last changed

  ResourceKey key() const { return {kind, tenant, name}; }
  bool operator==(const ResourceRecord&) const = default;
};

// Which host a resource lives on.
struct PlacementRecord {
  std::string kind;
  std::string tenant;
  std::string name;
  std::string host;

  ResourceKey key() const { return {kind, tenant, name}; }
  bool operator==(const PlacementRecord&) const = default;
};

// Which audit records to read. Empty fields match everything.
struct AuditFilter {
  // seq > after_seq; by default every row, those with seq <= 0 too: a row
  // outside the chain must show, not hide.
  int64_t after_seq = std::numeric_limits<int64_t>::min();
  std::optional<int64_t> since_ms;  // time_ms >= since_ms
  std::optional<int64_t> until_ms;  // time_ms < until_ms
  std::string actor;                // the OS user or the --as user
  std::string tenant;               // this tenant and the tenants below it
  std::string kind;                 // with `object`: one object
  std::string object;               // NAME or TENANT/NAME (for Tenant: its path)
};

// One change xcloudctl made or tried to make. `seq`, `time_ms`,
// `prev_digest` and `digest` are set by AuditLog::append (ctl/audit/audit_log.h).
struct AuditRecord {
  int64_t seq = 0;
  int64_t time_ms = 0;      // UTC, milliseconds since the epoch
  std::string actor;        // the OS user running xcloudctl
  std::string as_user;      // --as USER, else ""
  std::string reason;       // --reason TICKET, else ""
  std::string origin_host;  // the machine xcloudctl ran on
  std::string command;      // argv joined, secrets redacted (redact_command)
  std::string kind;         // the object changed: kind, tenant (may be ""), name
  std::string tenant;
  std::string name;
  std::string action;       // "create", "update", "delete", "power-on", "enroll", "prune", ...
  std::string hash_before;  // spec hash before and after; "" when there was none
  std::string hash_after;
  std::string result;       // "ok" or "error"
  std::string message;      // the error, or a note; may be ""
  std::string prev_digest;  // 32 raw bytes: the previous record's digest
  std::string digest;       // 32 raw bytes: SM3(prev_digest || canonical_encoding(*this))

  bool operator==(const AuditRecord&) const = default;
};

inline constexpr const char* kAuditOk = "ok";
inline constexpr const char* kAuditError = "error";

// One resource allocated to a VM over [start_ms, end_ms); end_ms is empty
// while the allocation is still open. Instants are ms since the Unix epoch.
struct MeterInterval {
  std::string tenant;  // VDC path, e.g. "education/schools"
  std::string system;  // the VM's `system` label, may be empty
  std::string vm;
  std::string item;  // price item: vcpu, memory (GB), storage-normal (GB), gpu-16g, ...
  int64_t quantity = 0;
  int64_t start_ms = 0;
  std::optional<int64_t> end_ms;
  bool running = true;  // false: the VM was stopped during this interval
};

// A month whose bill is frozen (`xcloudctl bill close`). bill_json holds the
// bill's lines in fen (ctl/billing/closed_month.h); digest is SM3 over it,
// 32 raw bytes, checked whenever the month is read.
struct ClosedMonthRecord {
  std::string month;  // "YYYY-MM", Asia/Shanghai
  int64_t closed_at_ms = 0;
  std::string bill_json;
  std::string digest;

  bool operator==(const ClosedMonthRecord&) const = default;
};

// A late correction (`xcloudctl bill adjust`): its own line in the bill of
// `month`, the first open month when it was made. Negative for a credit.
struct BillAdjustmentRecord {
  int64_t id = 0;  // set by the store
  std::string month;
  std::string tenant;
  std::string item;
  int64_t amount_fen = 0;
  std::string reason;
  int64_t created_at_ms = 0;
  std::string actor;

  bool operator==(const BillAdjustmentRecord&) const = default;
};

// An address the allocator gave one NIC (ctl/reconcile/ip_allocation.h):
// kept across applies and moves (not keyed by host), released when the VM or
// the NIC goes. One per NIC and family.
struct AddressAllocation {
  std::string tenant;
  std::string vm;
  int64_t nic = 0;      // index in the VM's nics
  std::string family;   // "ipv4" or "ipv6"
  std::string network;  // "tenant/name"
  std::string address;  // canonical text, e.g. "10.20.1.2"

  bool operator==(const AddressAllocation&) const = default;
};

// Something that happened on a host, as `xcloudctl serve` learnt it: a VM's
// lifecycle event from its agent ("crashed", "paused"), or the controller's
// own note about a host ("host-unreachable", "agent-restarted").
struct EventRecord {
  int64_t id = 0;           // set by the store
  int64_t time_ms = 0;      // when it happened (the agent's clock for VM events)
  int64_t received_ms = 0;  // when the controller stored it
  std::string host;
  std::string tenant;  // with `vm`: the VM the domain is, or "" (unmanaged, host events)
  std::string vm;
  std::string domain;  // the libvirt domain name, "" for host events
  std::string type;
  std::string detail;
  std::string boot_id;    // the agent run the event came from ("" for the controller's own)
  int64_t agent_seq = 0;  // its sequence number in that run (0 for the controller's own)

  bool operator==(const EventRecord&) const = default;
};

// Which events to read. Empty fields match everything.
struct EventFilter {
  std::string host;
  std::string tenant;  // with vm: one VM
  std::string vm;
  std::optional<int64_t> since_ms;  // time_ms >= since_ms
  int64_t limit = 0;                // > 0: only the newest `limit` (still oldest first)
  // Only the newest event of each object (a VM, or a host's own events, or an
  // unmanaged domain's) in each stream: "backup-*" events are one stream,
  // every other type the lifecycle stream. Alarms need no more.
  bool newest_per_object = false;
};

// Backup events ("backup-ok", "backup-failed") are a stream of their own
// beside a VM's lifecycle (SqliteEvents' newest_per_object says the same in SQL).
inline bool is_backup_event(std::string_view type) {
  return type.rfind("backup-", 0) == 0;
}

// How far a host's events have been read: the agent run and its sequence number.
struct EventCursor {
  std::string host;
  std::string boot_id;
  int64_t seq = 0;
  int64_t updated_at_ms = 0;

  bool operator==(const EventCursor&) const = default;
};

}  // namespace xc
