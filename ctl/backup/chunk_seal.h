// Encryption of backup chunks with SM4 (OpenSSL 3): SM4-CTR under a random
// IV, then HMAC-SM3 over what was encrypted (encrypt-then-MAC). The MAC also
// binds the chunk's identity (backup, disk, offset), so a chunk moved to
// another place does not authenticate. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace xc {

// 16 bytes of SM4 key and 32 of HMAC-SM3 key, from one 48-byte key file.
struct BackupKey {
  std::string enc;  // 16 bytes
  std::string mac;  // 32 bytes
  // A name for the key that reveals nothing of it: hex of the first 8 bytes
  // of SM3("xcloud-backup-key-id" || enc || mac). Recorded in manifests.
  std::string id() const;
};

inline constexpr size_t kBackupKeyBytes = 48;
inline constexpr size_t kSealOverhead = 16 + 32;  // IV + tag

// From 48 raw bytes; kInvalidArgument otherwise.
Result<BackupKey> backup_key_from_bytes(std::string_view raw);

// IV(16) || SM4-CTR(plain) || HMAC-SM3(label || IV || ciphertext).
Result<std::string> seal_chunk(const BackupKey& key, std::string_view label,
                               std::string_view plain);
// The plaintext, or kPermissionDenied "does not authenticate" when the tag
// does not match (a changed byte, another key or another label).
Result<std::string> open_chunk(const BackupKey& key, std::string_view label,
                               std::string_view sealed);

// HMAC-SM3 of `data` under the key's MAC half, as lowercase hex.
Result<std::string> backup_mac_hex(const BackupKey& key, std::string_view data);

}  // namespace xc
