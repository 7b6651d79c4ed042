// One backup of a VM through its host's agent: backup.begin (incremental
// since the last backup's checkpoint when it has one, full otherwise or when
// the host lost the checkpoint), the data extents read with backup.read and
// stored by the repository, then backup.end. Not thread-safe.
#pragma once

#include <string>
#include <vector>

#include "ctl/backup/backup_repository.h"
#include "ctl/hosts/host_clients.h"

namespace xc {

struct HostBackupRequest {
  std::string tenant, vm, host, domain;
  std::string id;  // new backup id (also the new checkpoint's name)
  int64_t time_ms = 0;
  int64_t chunk_bytes = kDefaultChunkBytes;
};

struct HostBackupResult {
  BackupManifest manifest;
  std::string note;  // why it is full when an incremental was possible
};

// `history`: the VM's earlier backups, oldest first.
Result<HostBackupResult> run_host_backup(HostClients& clients, const BackupRepository& repo,
                                         const BackupKey& key, const HostBackupRequest& req,
                                         const std::vector<BackupManifest>& history);

// "20261203T211502123Z": a backup id from a time (UTC, ms).
std::string backup_id_for(int64_t time_ms);

}  // namespace xc
