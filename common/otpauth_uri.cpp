#include "common/otpauth_uri.h"

#include "common/base32.h"
#include "common/printable.h"
#include "common/utf8.h"

namespace xc::totp {
namespace {

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

Status check_label(const char* what, std::string_view text) {
  const std::string shown = printable(excerpt(text, 40));
  if (text.empty() || text.size() > kMaxLabelBytes)
    return error(Code::kInvalidArgument, std::string("otpauth ") + what + " \"" + shown +
                                             "\" must be 1 to " + std::to_string(kMaxLabelBytes) +
                                             " bytes");
  if (!is_valid_utf8(text) || !is_printable(text))
    return error(Code::kInvalidArgument,
                 std::string("otpauth ") + what + " \"" + shown + "\" must be printable UTF-8");
  if (text.find(':') != std::string_view::npos)
    return error(Code::kInvalidArgument,
                 std::string("otpauth ") + what + " \"" + shown + "\" must not contain ':'");
  return {};
}

}  // namespace

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (unreserved(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Result<std::string> otpauth_uri(std::string_view issuer, std::string_view account,
                                std::string_view secret, const Params& params) {
  if (Status st = check_label("issuer", issuer); !st.ok()) return st;
  if (Status st = check_label("account", account); !st.ok()) return st;
  if (Status st = check_params(params); !st.ok()) return st;
  if (Status st = check_secret(secret); !st.ok()) return st;
  const std::string encoded_issuer = percent_encode(issuer);
  return "otpauth://totp/" + encoded_issuer + ":" + percent_encode(account) +
         "?secret=" + base32_encode(secret) + "&issuer=" + encoded_issuer +
         "&algorithm=" + algorithm_name(params.algorithm) +
         "&digits=" + std::to_string(params.digits) + "&period=" + std::to_string(params.period_s);
}

}  // namespace xc::totp
