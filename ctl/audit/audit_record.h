// One audit record, its canonical encoding and its link in the SM3 digest
// chain; plus who is acting and the redacted command line every record
// carries. Value types and pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "ctl/store/records.h"

namespace xc {

// What the digest covers, version 1 (a change here breaks every stored chain):
//   the 15 bytes "xcloud-audit-v1", then for each field in this order
//     seq, time_ms, actor, as_user, reason, origin_host, command, kind,
//     tenant, name, action, hash_before, hash_after, result, message
//   its length as 4 bytes big-endian, then its bytes. Integers are written
//   in decimal ASCII ("0", "-5", "1767225600000"); text is stored UTF-8 as
//   given, without normalisation. prev_digest and digest are not included.
// The length prefixes make the encoding injective: no two records share it.
std::string canonical_encoding(const AuditRecord& record);

// 32 zero bytes: the prev_digest of the very first record.
std::string zero_digest();

// SM3(prev_digest || canonical_encoding(record)), 32 raw bytes. Fails only
// when the SM self-test does.
Result<std::string> chain_digest(std::string_view prev_digest, const AuditRecord& record);

// argv joined by spaces, each argument shell-quoted when it needs to be, with
// secrets replaced by "***": the value of every option whose name contains
// "password", "passwd", "secret", "token" or "credential", or ends in "key"
// (--api-key, --access-key), in both "--opt VALUE" and "--opt=VALUE" forms;
// and the password in a URL's user information (scheme://user:***@host).
// Options naming files keep their values: those ending in "-file", "-path"
// or "-dir", and xcloud's own path options --key, --pubkey, --ca, --cert.
// argv[0] is reduced to its base name.
std::string redact_command(const std::vector<std::string>& argv);

// Who acts, from where, with which command: the fields every record shares.
struct AuditIdentity {
  std::string actor;
  std::string as_user;
  std::string reason;
  std::string origin_host;
  std::string command;

  // A record for one change of (kind, tenant, name), result still unset.
  AuditRecord record(std::string kind, std::string tenant, std::string name,
                     std::string action) const;
};

// The effective OS user's name (its uid as text when it has none), this
// host's name, and redact_command(argv).
AuditIdentity current_identity(const std::vector<std::string>& argv, std::string as_user,
                               std::string reason);

// This process's argv, from /proc/self/cmdline (Linux); empty if unreadable.
std::vector<std::string> process_argv();

}  // namespace xc
