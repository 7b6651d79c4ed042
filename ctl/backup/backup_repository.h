// A backup target directory: TARGET/TENANT/VM/ID/ holds one backup's
// manifest.json and its sealed chunks (DISK/OFFSET.chunk). Writing a backup
// (the manifest last: a backup without one does not exist), listing,
// verifying every chunk, restoring a chain to raw disk files, and removing.
// Not thread-safe; one writer per VM directory (the caller holds the state
// lock).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ctl/backup/backup_manifest.h"

namespace xc {

// Where a disk's data comes from while a backup is written (the agent on
// the VM's host, or a fake in tests).
class BackupSource {
 public:
  virtual ~BackupSource() = default;
  virtual Result<std::string> read(const std::string& disk, int64_t offset, int64_t length) = 0;
};

struct DiskExtent {
  int64_t offset = 0;
  int64_t length = 0;
};

struct RestoredDisk {
  std::string name, file;
  int64_t size = 0;
  std::string sm3;  // of the whole restored disk, hex ("" unless asked for)
};

class BackupRepository {
 public:
  explicit BackupRepository(std::string root) : root_(std::move(root)) {}

  // TARGET/TENANT/VM ('/' in a tenant path becomes '.', "" becomes "_").
  std::string vm_dir(const std::string& tenant, const std::string& vm) const;
  std::string backup_dir(const BackupManifest& m) const;

  // Reads `extents` of each disk from `source` in chunks of m.chunk_bytes
  // (split at chunk boundaries), seals and writes them, then the manifest.
  // `m` carries everything but the chunks; the result has them.
  Result<BackupManifest> write(BackupManifest m,
                               const std::map<std::string, std::vector<DiskExtent>>& extents,
                               BackupSource& source, const BackupKey& key) const;

  // The VM's backups, oldest first. A manifest that does not open (wrong
  // key, changed) fails the whole list, naming it.
  Result<std::vector<BackupManifest>> list(const std::string& tenant, const std::string& vm,
                                           const BackupKey& key) const;

  // Re-reads and authenticates every chunk; the error names each bad chunk.
  Status verify(const BackupManifest& m, const BackupKey& key) const;

  // The chain that gives the disk at backup `id`: its full backup first.
  static Result<std::vector<BackupManifest>> chain_to(const std::vector<BackupManifest>& all,
                                                      const std::string& id);

  // Writes each disk of the chain's last backup as OUT_DIR/DISK.raw. Every
  // chunk is authenticated before it is written; on any failure the partial
  // files are removed and the error names the chunk. With `digest`, the SM3
  // of each whole restored disk (it reads the whole disk back, holes too).
  // `progress(done, total)`, when given, after each chunk: bytes restored
  // so far of all the chain's chunks for these disks.
  Result<std::vector<RestoredDisk>> restore(
      const std::vector<BackupManifest>& chain, const BackupKey& key, const std::string& out_dir,
      bool digest = false, const std::function<void(int64_t, int64_t)>& progress = nullptr) const;

  Status remove(const BackupManifest& m) const;

 private:
  Result<std::string> read_chunk(const BackupManifest& m, const BackupChunk& c,
                                 const BackupKey& key) const;
  std::string root_;
};

}  // namespace xc
