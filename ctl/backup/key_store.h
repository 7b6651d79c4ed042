// The controller's backup key: 48 random bytes in KEYS_DIR/backup.key (0600,
// in a 0700 directory beside the state database). It never goes into a
// backup; a manifest names it only by id. Not thread-safe (one process).
#pragma once

#include <string>

#include "common/status.h"
#include "ctl/backup/chunk_seal.h"

namespace xc {

// STATE_DIR/keys/backup.key
std::string backup_key_path(const std::string& state_dir);

// Reads the key; with `create`, makes one when the file does not exist. A
// key file readable by group or others is refused.
Result<BackupKey> load_backup_key(const std::string& path, bool create);

}  // namespace xc
