#include "ctl/audit/audit_seal.h"

#include <fstream>
#include <sstream>

#include "common/sm_crypto.h"

namespace xc {
namespace {

// The chain checked against the file's last checkpoint, or why not.
Result<AuditVerification> verify_for_sealing(Store& store, const SealKey& key) {
  Result<std::optional<Checkpoint>> last =
      read_last_checkpoint(key.checkpoints_path, key.public_pem);
  if (!last.ok()) return last.status();
  std::vector<Checkpoint> checkpoints;
  if (last->has_value()) checkpoints.push_back(**last);
  return verify_audit_chain(store, checkpoints);
}

Status tampered(const std::string& refusal, const AuditVerification& v) {
  return error(Code::kFailedPrecondition, "audit log: " + refusal + ": first bad record seq " +
                                              std::to_string(v.first_bad_seq) + ": " + v.why);
}

Status append_checkpoint(const SealKey& key, const Checkpoint& c) {
  Result<std::string> line = checkpoint_line(c, key.private_pem);
  if (!line.ok()) return line.status();
  return append_checkpoint_line(key.checkpoints_path, *line);
}

}  // namespace

Result<SealKey> load_seal_key(const std::string& key_path, std::string checkpoints_path) {
  std::ifstream in(key_path);
  if (!in) return error(Code::kNotFound, "audit signing key " + key_path + ": cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  Result<std::string> public_pem = sm2_public_key_pem(text.str());
  if (!public_pem.ok()) {
    return error(public_pem.status().code(),
                 "audit signing key " + key_path + ": " + public_pem.status().message());
  }
  return SealKey{text.str(), *public_pem, std::move(checkpoints_path)};
}

Result<SealOutcome> seal_audit_chain(Store& store, const SealKey& key, const SealPolicy& policy,
                                     bool force, int64_t now_ms) {
  Result<AuditVerification> v = verify_for_sealing(store, key);
  if (!v.ok()) return v.status();
  if (!v->ok) return tampered("not sealing a tampered chain", *v);
  if (v->last_prune_seq > 0 && v->checkpoints == 0) {
    // Signing now would vouch for a prune nobody signed when it was made.
    return error(Code::kFailedPrecondition,
                 "audit log: not sealing: the chain has a prune at seq " +
                     std::to_string(v->last_prune_seq) + " but " + key.checkpoints_path +
                     " has no checkpoint; restore it from the off-site copy");
  }
  SealOutcome out;
  out.unsealed = v->unsealed;
  bool due =
      force || v->unsealed >= policy.every_records || now_ms - v->last_sealed_ms >= policy.every_ms;
  if (v->unsealed == 0 || !due) return out;
  out.checkpoint = {v->head.seq, v->head.digest, now_ms, ""};
  if (Status st = append_checkpoint(key, out.checkpoint); !st.ok()) return st;
  out.sealed = true;
  return out;
}

Result<PruneResult> prune_sealed(AuditLog& log, const SealKey& key, int64_t before_ms,
                                 AuditRecord record, int64_t now_ms) {
  Result<AuditVerification> v = verify_for_sealing(log.store(), key);
  if (!v.ok()) return v.status();
  if (!v->ok) return tampered("not pruning a tampered chain", *v);
  return log.prune(before_ms, std::move(record), [&](const AuditRecord& written) {
    return append_checkpoint(key, {written.seq, written.digest, now_ms, ""});
  });
}

}  // namespace xc
