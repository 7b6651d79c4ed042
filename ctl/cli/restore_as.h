// `xcloudctl backup restore VM --as NEW`: NEW is made on VM's host from the
// disks of one of VM's backups, as `vm clone` makes a clone (new MAC,
// addresses and seed, the manifest set "vm-clone", quotas checked first,
// billed from then); VM itself is not touched. CLI wiring and host calls;
// one run per process.
#pragma once

#include <string>
#include <vector>

#include "ctl/backup/backup_manifest.h"
#include "ctl/backup/chunk_seal.h"
#include "ctl/cli/cli.h"

namespace xc {

struct RestoreAsRequest {
  std::string vm, tenant;             // the source VM as the operator named it
  std::string name;                   // NEW
  std::string target;                 // the backup directory
  std::vector<BackupManifest> chain;  // full first, the chosen backup last
  BackupKey key;
  bool start = false;
  std::string output = "table";
};

// Prints what it made (or why not) and sets ctx.exit_code: 0 made, 1
// refused (over quota, the backup lacks a disk) or a host failed (nothing
// kept), 2 bad usage.
void restore_as_new_vm(CliContext& ctx, const CLI::App& cmd, const RestoreAsRequest& request);

}  // namespace xc
