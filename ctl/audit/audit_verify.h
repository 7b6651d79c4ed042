// Recomputes the audit chain from its anchor and checks it against signed
// checkpoints, naming the first record that cannot be trusted. Reads the
// store only; use from the Store's thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ctl/audit/audit_checkpoint.h"
#include "ctl/audit/audit_log.h"

namespace xc {

struct AuditVerification {
  bool ok = true;
  int64_t records = 0;      // records whose digests were recomputed
  int64_t checkpoints = 0;  // checkpoints that matched (or predate the anchor)
  int64_t first_bad_seq = 0;
  std::string why;  // when !ok
  AuditHead head;   // the last record checked: what a new checkpoint signs
  // The last seq a matching checkpoint covers (the anchor's when none does)
  // and the records after it: intact, but nothing yet proves they were not
  // cut off or rewritten by someone with write access to the database.
  int64_t sealed_through = 0;
  int64_t unsealed = 0;
  // When the last matching checkpoint was signed (0 when none matched).
  int64_t last_sealed_ms = 0;
  int64_t last_prune_seq = 0;  // the last successful prune record (0: none)
};

// The chain must run from anchor + 1 without gaps; each record's
// prev_digest must be the previous digest (the anchor's for the first) and
// its digest SM3(prev_digest || canonical encoding). `checkpoints` (their
// signatures already checked, see read_checkpoints) must each equal the
// chain's digest at their seq, and none may lie beyond the chain's end.
// A prune anchor must be accounted for by a "prune" record on the chain.
// Every row of the table takes part: one with seq <= the anchor (or <= 0)
// is an error, not skipped.
// With checkpoints, every "prune" record on the chain must be covered by a
// matching checkpoint (prune signs one as it commits): a prune nobody
// signed is how a chain is shortened by someone without the key.
//
// first_bad_seq is the first record the evidence condemns:
//   - a changed, inserted or reordered record: its own seq (a row inserted
//     with consistently recomputed digests shows at the next seq, whose
//     stored digest covers its old position);
//   - a missing record: its seq (from a gap, or past the end when a
//     checkpoint covers more records than the chain has);
//   - a chain rewritten consistently (digests recomputed, no key to re-sign):
//     the first record after the last checkpoint that still matches, since
//     every record from there up to the mismatching checkpoint is suspect;
//   - a prune no checkpoint covers: the prune record.
// Errors are for failures to read; tampering is reported in the result.
Result<AuditVerification> verify_audit_chain(Store& store, std::vector<Checkpoint> checkpoints);

}  // namespace xc
