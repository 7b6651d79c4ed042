// The room a restore needs where it writes, checked before it starts so that
// a full disk never stops it half-way. Each restored disk is a sparse raw
// file holding at most the bytes its chunks carry over the whole chain (and
// never more than its size). Pure, but free_bytes (statvfs).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "ctl/backup/backup_manifest.h"

namespace xc {

struct RestoreSize {
  int64_t total = 0;    // all restored disks, bytes
  int64_t largest = 0;  // the largest one
};

// The disks of the chain's last backup, bounded as above.
RestoreSize restore_size(const std::vector<BackupManifest>& chain);

// The bytes an unprivileged writer may still use in the filesystem of `dir`.
Result<int64_t> free_bytes(const std::string& dir);

// "" when `free` holds `need`; otherwise why not, in GiB with one decimal
// ("needs 12.5 GiB in /var/lib/xcloud (...), 3.0 GiB free").
std::string room_problem(const std::string& dir, const std::string& for_what, int64_t need,
                         int64_t free);

// room_problem against what `dir`'s filesystem has free now:
// kFailedPrecondition with it, or kIo when statvfs fails.
Status check_room(const std::string& dir, const std::string& for_what, int64_t need);

}  // namespace xc
