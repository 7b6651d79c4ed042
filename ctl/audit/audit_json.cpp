#include "ctl/audit/audit_json.h"

#include "common/sm_crypto.h"
#include "common/time.h"

namespace xc {

nlohmann::ordered_json audit_record_json(const AuditRecord& r) {
  nlohmann::ordered_json j;
  j["seq"] = r.seq;
  j["time"] = format_time_ms(r.time_ms);
  j["actor"] = r.actor;
  j["as"] = r.as_user;
  j["reason"] = r.reason;
  j["origin_host"] = r.origin_host;
  j["command"] = r.command;
  j["kind"] = r.kind;
  j["tenant"] = r.tenant;
  j["name"] = r.name;
  j["action"] = r.action;
  j["hash_before"] = r.hash_before;
  j["hash_after"] = r.hash_after;
  j["result"] = r.result;
  j["message"] = r.message;
  j["digest"] = to_hex(r.digest);
  return j;
}

nlohmann::ordered_json audit_link_json(const AuditRecord& r) {
  nlohmann::ordered_json j = audit_record_json(r);
  j["time_ms"] = r.time_ms;
  j["prev_digest"] = to_hex(r.prev_digest);
  return j;
}

}  // namespace xc
