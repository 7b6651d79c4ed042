// The SQL of BackupRunStore for SqliteStore: the backup_runs table
// (migration 12). Used by one thread at a time, like its connection.
#pragma once

#include <sqlite3.h>

#include <string>
#include <vector>

#include "common/status.h"
#include "ctl/store/backup_run_records.h"

namespace xc {

class SqliteBackupRuns {
 public:
  SqliteBackupRuns(sqlite3* db, const std::string& path) : db_(db), path_(path) {}

  Status put(const BackupRunRecord& run);
  Result<std::vector<BackupRunRecord>> list();

 private:
  Status fail(int rc, const std::string& context) const;

  sqlite3* db_;
  const std::string& path_;
};

}  // namespace xc
