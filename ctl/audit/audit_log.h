// The audit trail over a Store: the SM3 chain's appends, reads and prunes, and
// the rule tying each change to its record. Use from the Store's thread;
// processes share one chain safely (each append is one write transaction).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/time.h"
#include "ctl/audit/audit_record.h"
#include "ctl/store/store.h"

namespace xc {

// Where the chain continues from: the last record, or the prune anchor.
struct AuditHead {
  int64_t seq = 0;
  std::string digest = zero_digest();
};

// 等保三级 asks for at least six months; the tender asks for a year.
inline constexpr int64_t kAuditRetentionMs = 365 * kMsPerDay;

// The meta key holding the prune anchor, "SEQ:HEX": the seq and digest of
// the last pruned record. Absent until the first prune.
inline constexpr const char* kAuditAnchorKey = "audit.anchor";

std::string format_anchor(const AuditHead& head);

struct PruneResult {
  int64_t removed = 0;
  AuditHead anchor;  // the new anchor (unchanged when nothing was removed)
};

class AuditLog {
 public:
  explicit AuditLog(Store& store, Clock now = system_now_ms);

  // Stamps time_ms from the clock, sets seq to the head's + 1 and
  // prev_digest to the head's digest, computes the digest and inserts, all in
  // one write transaction (a savepoint inside the caller's, if any): two
  // processes appending at once are serialised by the database's write lock
  // and so keep one chain. Returns the record as stored.
  Result<AuditRecord> append(AuditRecord record);

  Result<AuditHead> head();
  // {0, 32 zero bytes} until records are pruned; then the last pruned one.
  Result<AuditHead> anchor();

  Result<std::vector<AuditRecord>> list(const AuditFilter& filter);

  // Ok when the audit log can be written now (takes and releases the write
  // lock), so a change can be refused before anything outside is touched.
  Status check_writable();

  // Removes the oldest records, up to (not including) the first one at or
  // after `before_ms`, in one transaction that also stores the new anchor
  // and appends `record` (action "prune", its hashes the old and new
  // anchors), so verify can start from the anchor and a prune is itself on
  // the chain. Refused (kInvalidArgument) when `before_ms` is less than 365
  // days ago: "audit log: refusing to prune records younger than 365 days
  // (asked for records before T1; the latest allowed now is T2)". A refused
  // or failed prune is recorded too (result "error"): attempts to remove
  // audit records are what auditors look for. Nothing old enough:
  // removed == 0 and no record is written. `seal` (may be null) runs inside
  // the transaction with the prune record as written, before the commit:
  // prune_sealed (audit_seal.h) signs it into a checkpoint there, and its
  // failure undoes the prune.
  Result<PruneResult> prune(int64_t before_ms, AuditRecord record,
                            const std::function<Status(const AuditRecord&)>& seal = nullptr);

  Store& store() { return store_; }

 private:
  Store& store_;
  Clock now_;
};

// One change, one record, and no change without its record. The rule:
//   1. check_writable() first: if the audit log cannot be written, nothing
//      is done and the error is returned.
//   2. `host_change` runs (the call to an agent; null for a change that
//      lives only in the store).
//   3. If it succeeded, `store_change` (may be null) and the append of
//      `record` with result "ok" run in ONE transaction: if the append
//      fails, the store is not updated and the error is returned. The host
//      may then already be changed, but the state does not say so: the next
//      apply re-reads the host and its idempotent ensure converges, writing
//      the record then. For store-only changes the guarantee is exact.
//   4. If `host_change` failed, a record with result "error" and its message
//      is appended and the host's error returned. If `store_change` failed,
//      its transaction is rolled back and an "error" record appended. A
//      failed attempt is thus recorded too; if even that append fails, the
//      returned message says so.
// `record` carries who, what and the hashes; result, message, seq, time and
// digests are filled here. `after_host`, when given, runs once `host_change`
// succeeded and may complete the record with what the host reported.
Status record_change(AuditLog& log, AuditRecord record, const std::function<Status()>& host_change,
                     const std::function<Status()>& store_change,
                     const std::function<void(AuditRecord&)>& after_host = nullptr);

}  // namespace xc
