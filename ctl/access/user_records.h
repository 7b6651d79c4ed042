// An operator of the cloud as the state database keeps them. Plain data.
#pragma once

#include <cstdint>
#include <string>

namespace xc {

struct UserRecord {
  std::string name;          // a DNS label: "alice"
  std::string os_user;       // the login on the control host the socket maps to this user
  std::string roles;         // "sysadmin" or "tenant-admin,monitor" (checked_roles)
  std::string tenant_scope;  // for tenant roles: "education"
  std::string totp_secret;   // base32; "" until enrolled
  std::string totp_algorithm = "SHA1";
  int64_t last_totp_step = 0;  // a code is accepted once
  std::string cert_serial;     // the user's client certificate, hex
  bool disabled = false;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

struct SessionRecord {
  std::string token_digest;  // SHA-256 of the token; the token itself is never stored
  std::string user;
  int64_t os_uid = -1;  // the socket peer it is bound to; -1 for HTTPS
  int64_t created_ms = 0;
  int64_t expires_ms = 0;
};

}  // namespace xc
