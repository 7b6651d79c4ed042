#include "ctl/audit/audit_verify.h"

#include <algorithm>

#include "common/time.h"

namespace xc {
namespace {

std::string signed_at(const Checkpoint& c) {
  return "the checkpoint at seq " + std::to_string(c.seq) + " signed " + format_time_ms(c.time_ms) +
         (c.where.empty() ? "" : " (" + c.where + ")");
}

}  // namespace

Result<AuditVerification> verify_audit_chain(Store& store, std::vector<Checkpoint> checkpoints) {
  AuditLog log(store);
  AuditVerification v;
  Result<AuditHead> anchor = log.anchor();
  if (!anchor.ok()) {
    v.ok = false;
    v.first_bad_seq = 1;
    v.why = anchor.status().message();
    return v;
  }
  std::stable_sort(checkpoints.begin(), checkpoints.end(),
                   [](const Checkpoint& a, const Checkpoint& b) { return a.seq < b.seq; });
  auto bad = [&](int64_t seq, std::string why) {
    v.ok = false;
    v.first_bad_seq = seq;
    v.why = std::move(why);
    return false;
  };

  v.head = *anchor;
  int64_t vouched = anchor->seq;  // the last seq a matching checkpoint (or the anchor) covers
  size_t next = 0;
  // Checkpoints before the anchor cover pruned records: only their
  // signatures can be checked. One at the anchor must match it.
  for (; next < checkpoints.size() && checkpoints[next].seq <= anchor->seq; ++next) {
    const Checkpoint& c = checkpoints[next];
    if (c.seq == anchor->seq && c.digest != anchor->digest) {
      bad(anchor->seq + 1, "the prune anchor at seq " + std::to_string(anchor->seq) +
                               " differs from " + signed_at(c));
      return v;
    }
    ++v.checkpoints;
  }

  bool anchor_accounted = anchor->seq == 0;
  const std::string anchor_text = format_anchor(*anchor);
  int64_t last_prune = 0;  // the last successful prune record on the chain
  int64_t vouched_ms = 0;
  Status scan = store.scan_audit_records({}, [&](const AuditRecord& r) {
    int64_t expected = v.head.seq + 1;
    if (r.seq > expected) {
      return bad(expected, "record seq " + std::to_string(expected) +
                               " is missing (the next is seq " + std::to_string(r.seq) + ")");
    }
    if (r.seq < expected) {
      return bad(r.seq, "record seq " + std::to_string(r.seq) +
                            " lies before the chain's start at seq " + std::to_string(expected));
    }
    if (r.prev_digest != v.head.digest) {
      return bad(r.seq, v.head.seq == anchor->seq && anchor->seq == 0
                            ? "it does not start the chain (its previous digest is not zero)"
                            : "it does not follow record seq " + std::to_string(v.head.seq) +
                                  " (its previous digest differs)");
    }
    Result<std::string> digest = chain_digest(r.prev_digest, r);
    if (!digest.ok()) return bad(r.seq, digest.status().message());
    if (*digest != r.digest) return bad(r.seq, "its contents do not match its digest");
    ++v.records;
    v.head = {r.seq, r.digest};
    if (r.action == "prune" && r.result == kAuditOk) last_prune = r.seq;
    if (r.action == "prune" && r.hash_after == anchor_text) anchor_accounted = true;
    for (; next < checkpoints.size() && checkpoints[next].seq == r.seq; ++next) {
      if (checkpoints[next].digest != r.digest) {
        return bad(vouched + 1,
                   "records " + std::to_string(vouched + 1) + ".." + std::to_string(r.seq) +
                       " do not match " + signed_at(checkpoints[next]) +
                       ": the chain was rewritten after seq " + std::to_string(vouched));
      }
      vouched = r.seq;
      vouched_ms = std::max(vouched_ms, checkpoints[next].time_ms);
      ++v.checkpoints;
    }
    return true;
  });
  if (!scan.ok()) return scan;
  if (!v.ok) return v;
  if (next < checkpoints.size()) {
    const Checkpoint& c = checkpoints[next];
    bad(v.head.seq + 1, "record seq " + std::to_string(v.head.seq + 1) +
                            " is missing: the chain ends at seq " + std::to_string(v.head.seq) +
                            " but " + signed_at(c) + " covers it");
  } else if (!anchor_accounted) {
    bad(anchor->seq + 1, "the chain starts after seq " + std::to_string(anchor->seq) +
                             " but no prune record accounts for the records before it");
  } else if (!checkpoints.empty() && last_prune > vouched) {
    bad(last_prune, "the prune at seq " + std::to_string(last_prune) +
                        " is not covered by any checkpoint (a prune signs one as it is made): "
                        "records were removed without the signing key");
  }
  v.sealed_through = vouched;
  v.unsealed = v.head.seq - vouched;
  v.last_sealed_ms = vouched_ms;
  v.last_prune_seq = last_prune;
  return v;
}

}  // namespace xc
