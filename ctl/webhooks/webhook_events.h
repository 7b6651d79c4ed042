// What a Webhook is sent, pure: the class of each audit record (change,
// alarm, login, denied), whether a subscription wants it, the body of one
// POST (the records as the audit list shows them, chain links included, so
// a receiver can verify the SM3 chain), and the wait before a retry.
// Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/webhook_spec.h"
#include "ctl/store/records.h"

namespace xc {

// "alarm" for kind Alarm; "login" for a User's login, login-failed,
// login-locked, login-refused and logout; "denied" for a command the
// controller refused; "change" for everything else.
std::string webhook_event_class(const AuditRecord& record);

// Its class is subscribed to (every class when spec.events is empty); the
// tenant scope is applied by the audit scan.
bool webhook_wants(const WebhookSpec& spec, const AuditRecord& record);

// {"webhook": NAME, "events": [{"event": CLASS, "seq": .., ...audit fields, "prev_digest"}]}
std::string webhook_body(const std::string& webhook, const std::vector<AuditRecord>& events);

// After `attempts` failures in a row: 1 s, 2 s, 4 s ... at most 5 minutes.
int64_t webhook_retry_delay_ms(int64_t attempts);

}  // namespace xc
