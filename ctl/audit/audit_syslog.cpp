#include "ctl/audit/audit_syslog.h"

#include <utility>
#include <vector>

#include "common/sm_crypto.h"
#include "common/time.h"

namespace xc {
namespace {

constexpr int kFacilityLogAudit = 13;
constexpr int kSeverityWarning = 4;
constexpr int kSeverityInfo = 6;
constexpr size_t kBatch = 500;

std::string object_text(const AuditRecord& r) {
  std::string object = r.kind;
  std::string path = r.tenant.empty() ? r.name : r.tenant + "/" + r.name;
  if (!path.empty()) object += (object.empty() ? "" : " ") + path;
  return object;
}

}  // namespace

std::string sd_escape(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '"' || c == '\\' || c == ']') out += '\\';
    out += c;
  }
  return out;
}

std::string syslog_host(const std::string& host) {
  if (host.empty() || host.size() > 255) return "-";
  for (unsigned char c : host) {
    if (c < 33 || c > 126) return "-";
  }
  return host;
}

Result<SyslogTarget> parse_syslog_target(const std::string& text) {
  auto bad = [&] {
    return error(Code::kInvalidArgument,
                 "syslog destination \"" + text + "\": expected HOST:PORT or [IPV6]:PORT");
  };
  SyslogTarget t;
  size_t colon;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return bad();
    t.host = text.substr(1, close - 1);
    colon = close + 1;
  } else {
    colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon) return bad();
    t.host = text.substr(0, colon);
  }
  t.port = text.substr(colon + 1);
  bool numeric = !t.port.empty() && t.port.size() <= 5 &&
                 t.port.find_first_not_of("0123456789") == std::string::npos;
  if (t.host.empty() || !numeric || std::stoi(t.port) < 1 || std::stoi(t.port) > 65535) {
    return bad();
  }
  return t;
}

std::string syslog_message(const AuditRecord& r) {
  int severity = r.result == kAuditOk ? kSeverityInfo : kSeverityWarning;
  std::string out = "<" + std::to_string(kFacilityLogAudit * 8 + severity) + ">1 " +
                    format_time_ms(r.time_ms) + " " + syslog_host(r.origin_host) +
                    " xcloudctl - audit [" + kAuditSdId;
  const std::pair<const char*, std::string> params[] = {
      {"seq", std::to_string(r.seq)},
      {"time", format_time_ms(r.time_ms)},
      {"actor", r.actor},
      {"as", r.as_user},
      {"reason", r.reason},
      {"origin", r.origin_host},
      {"command", r.command},
      {"kind", r.kind},
      {"tenant", r.tenant},
      {"name", r.name},
      {"action", r.action},
      {"hashBefore", r.hash_before},
      {"hashAfter", r.hash_after},
      {"result", r.result},
      {"message", r.message},
      {"digest", to_hex(r.digest)},
  };
  for (const auto& [name, value] : params)
    out += std::string(" ") + name + "=\"" + sd_escape(value) + "\"";
  out += "] \xEF\xBB\xBF";  // the BOM marks MSG as UTF-8 (RFC 5424 section 6.4)
  std::string who = r.actor + (r.as_user.empty() ? "" : " as " + r.as_user);
  out += who + " " + r.action + " " + object_text(r) + ": " + r.result;
  if (!r.message.empty()) out += ": " + r.message;
  return out;
}

std::string octet_counted(std::string_view message) {
  return std::to_string(message.size()) + " " + std::string(message);
}

std::string export_cursor_key(const std::string& destination) {
  return "audit.export.syslog:" + destination;
}

Result<ExportResult> export_to_syslog(Store& store, const std::string& destination,
                                      SyslogSink& sink) {
  const std::string key = export_cursor_key(destination);
  Result<std::optional<std::string>> cursor = store.get_meta(key);
  if (!cursor.ok()) return cursor.status();
  ExportResult result;
  if (cursor->has_value()) {
    try {
      result.last_seq = std::stoll(**cursor);
    } catch (const std::exception&) {
      return error(Code::kFailedPrecondition, "audit export to " + destination + ": the cursor \"" +
                                                  **cursor + "\" in the meta table is malformed");
    }
  }
  for (;;) {
    std::vector<AuditRecord> batch;
    AuditFilter filter;
    filter.after_seq = result.last_seq;
    Status scan = store.scan_audit_records(filter, [&](const AuditRecord& r) {
      batch.push_back(r);
      return batch.size() < kBatch;
    });
    if (!scan.ok()) return scan;
    if (batch.empty()) return result;
    int64_t through = result.last_seq;
    for (const AuditRecord& r : batch) {
      if (Status st = sink.send(octet_counted(syslog_message(r))); !st.ok()) {
        // Keep what was written; the rest goes next time.
        if (through > result.last_seq) (void)store.put_meta(key, std::to_string(through));
        return error(st.code(), "audit export to " + destination + ": " + st.message());
      }
      ++result.sent;
      through = r.seq;
    }
    result.last_seq = through;
    if (Status st = store.put_meta(key, std::to_string(result.last_seq)); !st.ok()) return st;
  }
}

}  // namespace xc
