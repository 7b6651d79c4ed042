// JSON POSTs over libcurl for what xcloud sends out besides mail: alarm
// webhooks, SMS gateways and Webhook subscriptions. http and https only;
// a status outside 200-299 is an error. Thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace xc {

// The signature header's name: "X-Xcloud-Signature: sm3=HEX".
inline constexpr const char* kSignatureHeader = "X-Xcloud-Signature";

// POSTs `body` with Content-Type application/json and `headers` ("Name: value").
Status post_json(const std::string& url, const std::string& body,
                 const std::vector<std::string>& headers, long timeout_seconds);

// "X-Xcloud-Signature: sm3=HEX": HMAC-SM3 of `body` with the key in
// `secret_file` (without one trailing newline, as read_password_file reads it).
Result<std::string> signature_header(const std::string& secret_file, std::string_view body);

}  // namespace xc
