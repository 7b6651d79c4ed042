// Reading a domain's disks and its disk-only snapshots (libvirt's snapshot
// metadata), and merging an overlay into its backing file, online (block
// commit) or offline (qemu-img). Used by snapshot_methods.cpp. Thread-safe
// per domain when the caller holds the domain's object lock.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "agent/libvirt_handle.h"
#include "common/status.h"

namespace xc {

// A disk of the domain (device='disk'): its target ("vda") and the file it
// reads and writes now (the top of its chain).
struct DomainDiskFile {
  std::string target;
  std::string source;
};

// One snapshot: its overlay per disk target, in chain order (parent first).
struct SnapshotInfo {
  std::string name;
  std::string parent;  // "" for the first
  int64_t created_unix = 0;
  bool quiesced = false;
  std::string note;  // why it was not quiesced
  std::vector<DomainDiskFile> overlays;
  int64_t bytes = 0;  // allocated bytes of its overlays
};

// `live`: the running definition; else the persistent one.
std::vector<DomainDiskFile> domain_disk_files(virDomainPtr d, bool live);
// Other disks (CD-ROMs): their targets, excluded from snapshots.
std::vector<std::string> other_disk_targets(virDomainPtr d, bool live);

// Every snapshot of the domain, parent first.
Result<std::vector<SnapshotInfo>> list_snapshots(virDomainPtr d);

// Sets the persistent definition's source of disk `target` to `file`.
Status set_disk_source(virConnectPtr conn, virDomainPtr d, const std::string& target,
                       const std::string& file);

// Merges `top` into `base` for disk `target` of a running domain: an active
// commit with pivot when `top` is the active layer, else a plain commit.
// Returns when the job is done and checks that `top` left the chain.
Status commit_online(virDomainPtr d, const std::string& target, const std::string& top,
                     const std::string& base, bool active);

// As commit_online for a stopped domain: qemu-img commit, then the next
// overlay (`child`, "" when `top` was the active layer) is rebased onto
// `base` (the caller repoints the definition for an active layer).
Status commit_offline(const std::string& top, const std::string& base, const std::string& child);

// Allocated bytes of a file (0 when absent).
int64_t allocated_bytes(const std::string& path);

}  // namespace xc
