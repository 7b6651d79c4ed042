// The SQL of AlarmStore for SqliteStore: the alarms, alarm_notes and
// alarm_deliveries tables (migration 9). Used by one thread at a time, like
// its connection.
#pragma once

#include <sqlite3.h>

#include <string>
#include <vector>

#include "common/status.h"
#include "ctl/store/alarm_records.h"

namespace xc {

class SqliteAlarms {
 public:
  SqliteAlarms(sqlite3* db, const std::string& path) : db_(db), path_(path) {}

  Result<int64_t> insert(const AlarmRecord& alarm);
  Status update(const AlarmRecord& alarm);
  Result<AlarmRecord> get(int64_t id);
  Result<std::vector<AlarmRecord>> list(bool active_only, int64_t since_ms);
  Status add_note(const AlarmNote& note);
  Result<std::vector<AlarmNote>> notes(int64_t alarm_id);
  Result<std::vector<AlarmDelivery>> deliveries(int64_t alarm_id);
  Status put_delivery(const AlarmDelivery& delivery);

 private:
  Status fail(int rc, const std::string& context) const;

  sqlite3* db_;
  const std::string& path_;
};

}  // namespace xc
