// The SQL of RequestStore for SqliteStore: the requests table (migration 13).
// Used by one thread at a time, like its connection.
#pragma once

#include <sqlite3.h>

#include <string>
#include <vector>

#include "common/status.h"
#include "ctl/store/request_records.h"

namespace xc {

class SqliteRequests {
 public:
  SqliteRequests(sqlite3* db, const std::string& path) : db_(db), path_(path) {}

  Result<int64_t> insert(const RequestRecord& request);
  Result<RequestRecord> get(int64_t id);
  Result<std::vector<RequestRecord>> list(int64_t updated_since_ms);
  Status update(const RequestRecord& request, const std::string& from_state);

 private:
  Status fail(int rc, const std::string& context) const;

  sqlite3* db_;
  const std::string& path_;
};

}  // namespace xc
