// Audit export to a syslog receiver: RFC 5424 messages, octet-counted over TCP
// (RFC 6587) or TLS (RFC 5425), resuming from a per-destination cursor in the
// meta table. A sink is used by one thread; export runs on the Store's.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "ctl/audit/audit_record.h"
#include "ctl/store/store.h"

namespace xc {

// Where export writes frames; the real one is a socket, tests use their own.
class SyslogSink {
 public:
  virtual ~SyslogSink() = default;
  virtual Status send(std::string_view frame) = 0;
};

struct SyslogTarget {
  std::string host;  // a name, an IPv4 address or an IPv6 address without brackets
  std::string port;
};

// "logs.example:6514", "10.0.0.9:514", "[fd00::9]:6514".
Result<SyslogTarget> parse_syslog_target(const std::string& host_port);

struct SyslogTls {
  bool enabled = false;
  std::string ca_file;  // trust these CAs; empty: the system's
};

// Connects over TCP, then TLS 1.2+ when asked, checking the receiver's
// certificate against the CAs and the host name or IP address.
Result<std::unique_ptr<SyslogSink>> connect_syslog(const SyslogTarget& target,
                                                   const SyslogTls& tls);

// The SD-ID carrying the record. 32473 is the documentation enterprise
// number of RFC 5612: replace it with xcloud's own once registered.
inline constexpr const char* kAuditSdId = "xcloudAudit@32473";

// One RFC 5424 message for `record`:
//   <PRI>1 TIME HOST xcloudctl - audit [xcloudAudit@32473 seq="1" ...] BOM text
// facility 13 (log audit), severity info for "ok" and warning otherwise;
// TIME is the record's, HOST its origin host ("-" if not printable ASCII).
// The structured data holds every field (seq time actor as reason origin
// command kind tenant name action hashBefore hashAfter result message
// digest), values UTF-8 with '"', '\' and ']' escaped by '\'.
std::string syslog_message(const AuditRecord& record);

// RFC 5424 pieces shared with alarm notifications: a PARAM-VALUE with '"',
// '\' and ']' escaped, and a HOSTNAME (1-255 printable US-ASCII characters,
// else "-").
std::string sd_escape(const std::string& value);
std::string syslog_host(const std::string& host);

// RFC 6587 octet counting: "LENGTH SP MESSAGE".
std::string octet_counted(std::string_view message);

// The meta key of the last seq sent to `destination` (as given on the command line).
std::string export_cursor_key(const std::string& destination);

struct ExportResult {
  int64_t sent = 0;
  int64_t last_seq = 0;  // the cursor after this run
};

// Sends every record after the destination's cursor, in seq order, saving
// the cursor after each batch that was written. Delivery is at least once:
// a run cut short resends from the last saved cursor, and receivers can drop
// repeats by seq.
Result<ExportResult> export_to_syslog(Store& store, const std::string& destination,
                                      SyslogSink& sink);

}  // namespace xc
