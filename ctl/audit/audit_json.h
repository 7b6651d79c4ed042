// An audit record as JSON, the one shape `audit list -o json`, the
// supervision API and webhooks send: digests in hex, the time in RFC 3339
// and, with the chain's links, what a reader needs to recompute each digest.
// Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "ctl/store/records.h"

namespace xc {

// seq, time, actor, as, reason, origin_host, command, kind, tenant, name,
// action, hash_before, hash_after, result, message, digest.
nlohmann::ordered_json audit_record_json(const AuditRecord& record);

// The same with time_ms and prev_digest (canonical_encoding takes time_ms;
// a reader starts a chain from the first record's prev_digest).
nlohmann::ordered_json audit_link_json(const AuditRecord& record);

}  // namespace xc
