#include "ctl/webhooks/webhook_events.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "ctl/audit/audit_json.h"

namespace xc {

std::string webhook_event_class(const AuditRecord& r) {
  if (r.kind == "Alarm") return "alarm";
  if (r.action == "denied") return "denied";
  if (r.kind == "User" && (r.action.rfind("login", 0) == 0 || r.action == "logout")) return "login";
  return "change";
}

bool webhook_wants(const WebhookSpec& spec, const AuditRecord& r) {
  if (spec.events.empty()) return true;
  return std::find(spec.events.begin(), spec.events.end(), webhook_event_class(r)) !=
         spec.events.end();
}

std::string webhook_body(const std::string& webhook, const std::vector<AuditRecord>& events) {
  nlohmann::ordered_json body;
  body["webhook"] = webhook;
  body["events"] = nlohmann::ordered_json::array();
  for (const AuditRecord& r : events) {
    nlohmann::ordered_json e;
    e["event"] = webhook_event_class(r);
    e.update(audit_link_json(r));
    body["events"].push_back(std::move(e));
  }
  // Text from users is kept as sent; invalid UTF-8 is replaced, never thrown on.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

int64_t webhook_retry_delay_ms(int64_t attempts) {
  constexpr int64_t kMaxMs = 300'000;
  if (attempts <= 0) return 0;
  if (attempts > 20) return kMaxMs;
  return std::min<int64_t>(kMaxMs, int64_t{1000} << (attempts - 1));
}

}  // namespace xc
