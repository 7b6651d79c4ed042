// The SQLite state schema as an ordered list of migrations, keyed by
// PRAGMA user_version. Append only: a released migration is never edited.
// Immutable data; safe to read from any thread.
#pragma once

#include <string>
#include <vector>

namespace xc {

struct Migration {
  int version;  // user_version after it is applied; 1, 2, 3, ... in order
  std::string description;
  std::string sql;  // SQLite statements; no values from outside
};

const std::vector<Migration>& schema_migrations();
int latest_schema_version();

}  // namespace xc
