// The real AlarmNotifier: mail through the report's SMTP client, webhooks and
// SMS gateways as JSON POSTs over libcurl (webhooks signed with HMAC-SM3 in
// X-Xcloud-Signature), syslog as RFC 5424 over the audit export's TCP/TLS
// connection. Also the texts they send, pure. Thread-safe (no shared state).
#pragma once

#include <string>

#include "ctl/alarms/alarm_delivery.h"

namespace xc {

// The signature header's name and value prefix: "X-Xcloud-Signature: sm3=HEX".
inline constexpr const char* kAlarmSignatureHeader = "X-Xcloud-Signature";

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

class NetworkNotifier final : public AlarmNotifier {
 public:
  explicit NetworkNotifier(long timeout_seconds = 10) : timeout_seconds_(timeout_seconds) {}
  Status notify(const AlarmReceiver& receiver, const AlarmNotice& notice) override;

 private:
  long timeout_seconds_;
};

}  // namespace xc
