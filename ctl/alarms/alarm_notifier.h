// The real AlarmNotifier: mail through the report's SMTP client, webhooks and
// SMS gateways as JSON POSTs over libcurl (webhooks signed with HMAC-SM3 in
// X-Xcloud-Signature), syslog as RFC 5424 over the audit export's TCP/TLS
// connection, SNMPv2c traps through net-snmp's snmptrap. Also the texts
// they send, pure. Thread-safe (no shared state).
#pragma once

#include <string>
#include <vector>

#include "ctl/alarms/alarm_delivery.h"

namespace xc {

// {"status", "repeat", "route", "receiver", "alarm": alarm_json, "labels"}.
std::string webhook_body(const AlarmReceiver& receiver, const AlarmNotice& notice);

// The SMS text: the receiver's template (or the default) with {severity},
// {rule}, {object}, {state}, {summary} and {value} replaced.
std::string sms_text(const AlarmReceiver& receiver, const AlarmNotice& notice);

// "[xcloud] FIRING critical host-unreachable host/x86-01".
std::string alarm_subject(const AlarmNotice& notice);

// <PRI>1 TIME HOST xcloudctl - alarm [xcloudAlarm@32473 id=.. rule=.. ...] BOM summary
std::string alarm_syslog_message(const AlarmNotice& notice, int64_t now_ms,
                                 const std::string& host);

// The alarm traps' OIDs, under the enterprise number 32473 (RFC 5612's, for
// documentation) the syslog message uses: KIND.0.1 fired (or repeated),
// KIND.0.2 cleared; the variables KIND.1.N are strings: 1 id, 2 rule,
// 3 object, 4 severity, 5 status, 6 summary, 7 value (the last two cut at
// 255 bytes).
inline constexpr const char* kAlarmTrapOid = "1.3.6.1.4.1.32473.1";

// snmptrap's argv for the notice: -v 2c -c COMMUNITY udp:HOST:PORT '' OID
// then OID s VALUE per variable.
std::vector<std::string> snmp_trap_arguments(const AlarmReceiver& receiver,
                                             const AlarmNotice& notice);

class NetworkNotifier final : public AlarmNotifier {
 public:
  explicit NetworkNotifier(long timeout_seconds = 10) : timeout_seconds_(timeout_seconds) {}
  Status notify(const AlarmReceiver& receiver, const AlarmNotice& notice) override;

 private:
  long timeout_seconds_;
};

}  // namespace xc
