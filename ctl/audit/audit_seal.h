// Routine sealing of the audit chain: a signed checkpoint of its head after
// every apply, and after any other change once N records or an hour have
// gone unsealed; and the prune, sealed in the same transaction that removes
// the records. Use from the Store's thread, under the state lock (so the
// checkpoint file is appended in order).
#pragma once

#include <cstdint>
#include <string>

#include "ctl/audit/audit_checkpoint.h"
#include "ctl/audit/audit_log.h"
#include "ctl/audit/audit_verify.h"

namespace xc {

// The controller's signing key and where its checkpoints go.
struct SealKey {
  std::string private_pem;
  std::string public_pem;  // derived from the private key
  std::string checkpoints_path;
};

// Reads the SM2 private key at `key_path` ("audit signing key PATH: why" on
// failure).
Result<SealKey> load_seal_key(const std::string& key_path, std::string checkpoints_path);

struct SealPolicy {
  int64_t every_records = 1000;
  int64_t every_ms = 3'600'000;
};

struct SealOutcome {
  bool sealed = false;    // a checkpoint was appended
  Checkpoint checkpoint;  // the one appended
  int64_t unsealed = 0;   // records after the last checkpoint before this call
};

// Verifies the chain against the last checkpoint of the file (earlier ones
// are covered by it through the digest chain) and, when records are
// unsealed and `force`, `policy.every_records` or `policy.every_ms` says so,
// appends a checkpoint of the head signed at `now_ms`. A chain that does not
// verify is never signed: kFailedPrecondition "audit log: not sealing a
// tampered chain: first bad record seq N: why".
Result<SealOutcome> seal_audit_chain(Store& store, const SealKey& key, const SealPolicy& policy,
                                     bool force, int64_t now_ms);

// AuditLog::prune with proof: the chain is verified first (a tampered chain
// is not pruned), and the prune record is signed into a checkpoint before
// its transaction commits, so verify with checkpoints can tell it from a
// forged one. If the checkpoint cannot be written nothing is pruned.
Result<PruneResult> prune_sealed(AuditLog& log, const SealKey& key, int64_t before_ms,
                                 AuditRecord record, int64_t now_ms);

}  // namespace xc
