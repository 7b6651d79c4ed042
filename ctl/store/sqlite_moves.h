// The SQL of MoveStore for SqliteStore: the vm_moves table (migration 11).
// Used by one thread at a time, like its connection.
#pragma once

#include <sqlite3.h>

#include <string>
#include <vector>

#include "common/status.h"
#include "ctl/store/move_records.h"

namespace xc {

class SqliteMoves {
 public:
  SqliteMoves(sqlite3* db, const std::string& path) : db_(db), path_(path) {}

  Status put(const MoveRecord& move);
  Result<std::vector<MoveRecord>> list();
  Status remove(const std::string& tenant, const std::string& name);

 private:
  Status fail(int rc, const std::string& context) const;

  sqlite3* db_;
  const std::string& path_;
};

}  // namespace xc
