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
  int64_t totp_set_ms = 0;     // when the secret was made (credential-old watches it)
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

// A tenant's leave for one operator to open one of its VMs' consoles.
struct ConsoleGrant {
  int64_t id = 0;
  std::string tenant;      // "education"
  std::string vm;          // "edu-portal-web-1"
  std::string grantee;     // the xcloud user allowed
  std::string granted_by;  // the tenant-admin (or secadmin) who allowed it
  std::string reason;
  int64_t created_ms = 0;
  int64_t expires_ms = 0;
  int64_t revoked_ms = 0;  // 0 while not revoked
};

}  // namespace xc
