// A credential the built-in rules certificate-expiring and credential-old
// watch: what it is, when it was issued and when it expires (certificates),
// and what renews it. Value type.
#pragma once

#include <cstdint>
#include <string>

namespace xc {

struct Credential {
  std::string object;         // "certificate/host/x86-01"
  std::string what;           // "agent certificate of host x86-01 (serial 3F...)"
  std::string host;           // for a host's certificates
  std::string renew;          // what renews it: "xcloudctl host renew x86-01"
  int64_t not_before_ms = 0;  // issued
  int64_t not_after_ms = 0;   // expires
  bool expires = true;        // false for a TOTP secret: only its age is watched
};

}  // namespace xc
