#include "ctl/audit/audit_log.h"

#include "common/sm_crypto.h"

namespace xc {
namespace {

Result<AuditHead> parse_anchor(const std::string& text) {
  size_t colon = text.find(':');
  std::optional<std::string> digest;
  if (colon != std::string::npos) digest = from_hex(text.substr(colon + 1));
  int64_t seq = 0;
  try {
    size_t used = 0;
    if (colon != std::string::npos) seq = std::stoll(text.substr(0, colon), &used);
    if (used != colon) digest.reset();
  } catch (const std::exception&) {
    digest.reset();
  }
  if (!digest || digest->size() != 32 || seq < 0) {
    return error(Code::kFailedPrecondition,
                 "audit log: the prune anchor \"" + text + "\" in the meta table is malformed");
  }
  return AuditHead{seq, *digest};
}

}  // namespace

std::string format_anchor(const AuditHead& head) {
  return std::to_string(head.seq) + ":" + to_hex(head.digest);
}

AuditLog::AuditLog(Store& store, Clock now) : store_(store), now_(std::move(now)) {}

Result<AuditHead> AuditLog::anchor() {
  Result<std::optional<std::string>> text = store_.get_meta(kAuditAnchorKey);
  if (!text.ok()) return text.status();
  if (!text->has_value()) return AuditHead{};
  return parse_anchor(**text);
}

Result<AuditHead> AuditLog::head() {
  Result<std::optional<AuditRecord>> last = store_.last_audit_record();
  if (!last.ok()) return last.status();
  if (!last->has_value()) return anchor();
  return AuditHead{(*last)->seq, (*last)->digest};
}

Result<AuditRecord> AuditLog::append(AuditRecord record) {
  Status st = store_.transact([&]() -> Status {
    Result<AuditHead> h = head();
    if (!h.ok()) return h.status();
    record.seq = h->seq + 1;
    record.time_ms = now_();
    record.prev_digest = h->digest;
    Result<std::string> digest = chain_digest(record.prev_digest, record);
    if (!digest.ok()) return digest.status();
    record.digest = *digest;
    return store_.insert_audit_record(record);
  });
  if (!st.ok()) return error(st.code(), "audit log: cannot write a record: " + st.message());
  return record;
}

Result<std::vector<AuditRecord>> AuditLog::list(const AuditFilter& filter) {
  std::vector<AuditRecord> out;
  Status st = store_.scan_audit_records(filter, [&](const AuditRecord& r) {
    out.push_back(r);
    return true;
  });
  if (!st.ok()) return st;
  return out;
}

Status AuditLog::check_writable() {
  Status st = store_.transact([&] { return head().status(); });
  if (!st.ok()) return error(st.code(), "audit log: cannot be written: " + st.message());
  return {};
}

Result<PruneResult> AuditLog::prune(int64_t before_ms, AuditRecord record,
                                    const std::function<Status(const AuditRecord&)>& seal) {
  record.action = "prune";
  auto refuse = [&](const Status& failure) -> Status {
    record.result = kAuditError;
    record.message = failure.message();
    record.hash_before.clear();
    record.hash_after.clear();
    Result<AuditRecord> written = append(record);
    if (!written.ok()) {
      return error(failure.code(), failure.message() + "; and the attempt was not recorded: " +
                                       written.status().message());
    }
    return failure;
  };
  int64_t latest = now_() - kAuditRetentionMs;
  if (before_ms > latest) {
    return refuse(error(Code::kInvalidArgument,
                        "audit log: refusing to prune records younger than 365 days (asked for "
                        "records before " +
                            format_time_ms(before_ms) + "; the latest allowed now is " +
                            format_time_ms(latest) + ")"));
  }
  PruneResult result;
  bool append_failed = false;
  Status st = store_.transact([&]() -> Status {
    Result<AuditHead> old_anchor = anchor();
    if (!old_anchor.ok()) return old_anchor.status();
    result.anchor = *old_anchor;
    // A prefix only: a record stamped out of order (clock skew between
    // operators' machines) stops the prune rather than leaving a hole.
    Status scan = store_.scan_audit_records({}, [&](const AuditRecord& r) {
      if (r.time_ms >= before_ms) return false;
      result.anchor = {r.seq, r.digest};
      ++result.removed;
      return true;
    });
    if (!scan.ok() || result.removed == 0) return scan;
    if (Status del = store_.delete_audit_records_through(result.anchor.seq); !del.ok()) return del;
    if (Status put = store_.put_meta(kAuditAnchorKey, format_anchor(result.anchor)); !put.ok()) {
      return put;
    }
    record.hash_before = old_anchor->seq == 0 ? "" : format_anchor(*old_anchor);
    record.hash_after = format_anchor(result.anchor);
    record.result = kAuditOk;
    record.message = "removed records " + std::to_string(old_anchor->seq + 1) + ".." +
                     std::to_string(result.anchor.seq) + " (older than " +
                     format_time_ms(before_ms) + ")";
    Result<AuditRecord> written = append(record);
    append_failed = !written.ok();
    if (!written.ok() || !seal) return written.status();
    return seal(*written);
  });
  if (!st.ok()) return append_failed ? st : refuse(st);
  return result;
}

Status record_change(AuditLog& log, AuditRecord record, const std::function<Status()>& host_change,
                     const std::function<Status()>& store_change,
                     const std::function<void(AuditRecord&)>& after_host) {
  if (Status st = log.check_writable(); !st.ok()) return st;
  auto record_failure = [&](const Status& failure) -> Status {
    record.result = kAuditError;
    record.message = failure.message();
    Result<AuditRecord> written = log.append(record);
    if (!written.ok()) {
      return error(failure.code(), failure.message() + "; and the failure was not recorded: " +
                                       written.status().message());
    }
    return failure;
  };
  if (host_change) {
    if (Status st = host_change(); !st.ok()) return record_failure(st);
    if (after_host) after_host(record);
  }
  bool store_failed = false;
  Status st = log.store().transact([&]() -> Status {
    if (store_change) {
      if (Status s = store_change(); !s.ok()) {
        store_failed = true;
        return s;
      }
    }
    record.result = kAuditOk;
    return log.append(record).status();
  });
  if (st.ok()) return {};
  if (store_failed) return record_failure(st);
  return error(st.code(), st.message() + "; the change was not recorded in the state database");
}

}  // namespace xc
