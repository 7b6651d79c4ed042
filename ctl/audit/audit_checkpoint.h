// Signed checkpoints of the audit chain's head: one JSON line each, appended
// to a file that operators ship off the machine, signed with an SM2 key that
// never enters the database. Stateless functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace xc {

struct Checkpoint {
  int64_t seq = 0;      // the chain head's seq when signed
  std::string digest;   // its digest, 32 raw bytes
  int64_t time_ms = 0;  // when it was signed
  std::string where;    // "FILE:LINE" once read back, for messages

  bool operator==(const Checkpoint& o) const {
    return seq == o.seq && digest == o.digest && time_ms == o.time_ms;
  }
};

// The bytes the signature covers:
//   "xcloud-audit-checkpoint-v1\nseq=N\ndigest=HEX\ntime=2026-01-02T03:04:05.006Z\n"
std::string checkpoint_message(const Checkpoint& checkpoint);

// {"seq":N,"digest":"HEX","time":"...Z","sm2_id":"1234567812345678","signature":"HEX of DER"}
// signed with the SM2 private key `private_pem`.
Result<std::string> checkpoint_line(const Checkpoint& checkpoint, const std::string& private_pem);

// Appends `line` and a newline to `path` in one write, creating the file with
// mode 0644, and syncs it.
Status append_checkpoint_line(const std::string& path, const std::string& line);

// Every checkpoint in `path` (blank lines skipped), each signature checked
// with `public_pem`. A line that does not parse or whose signature does not
// verify is kPermissionDenied: "checkpoint FILE:LINE: signature does not
// verify" (the file was tampered with, or signed by another key). A missing
// file is kNotFound.
Result<std::vector<Checkpoint>> read_checkpoints(const std::string& path,
                                                 const std::string& public_pem);

// The last checkpoint in `path`, its signature checked as read_checkpoints
// does; nullopt when the file is missing or has none. For routine sealing,
// which needs only the newest: it covers the earlier ones through the chain.
Result<std::optional<Checkpoint>> read_last_checkpoint(const std::string& path,
                                                       const std::string& public_pem);

}  // namespace xc
