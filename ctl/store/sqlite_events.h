// The SQL of EventStore for SqliteStore: the events and event_cursors tables
// (migration 7). Used by one thread at a time, like its connection.
#pragma once

#include <sqlite3.h>

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "ctl/store/records.h"

namespace xc {

class SqliteEvents {
 public:
  SqliteEvents(sqlite3* db, const std::string& path) : db_(db), path_(path) {}

  Status insert(const std::vector<EventRecord>& events);
  Result<std::vector<EventRecord>> list(const EventFilter& filter);
  Result<int64_t> prune(int64_t before_ms);
  Result<std::optional<EventCursor>> get_cursor(const std::string& host);
  Status put_cursor(const EventCursor& cursor);

 private:
  Status fail(int rc, const std::string& context) const;

  sqlite3* db_;
  const std::string& path_;
};

}  // namespace xc
