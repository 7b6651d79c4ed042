// The metric tables of the SQLite store (migration 8), in a file of their
// own; SqliteStore forwards MetricStore's calls here. Used by one thread at a
// time, as the store is.
#pragma once

#include <sqlite3.h>

#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "ctl/store/metric_records.h"

namespace xc {

class SqliteMetricRows {
 public:
  SqliteMetricRows(sqlite3* db, const std::string& path) : db_(db), path_(path) {}

  Result<int64_t> object_id(const std::string& kind, const std::string& tenant,
                            const std::string& name);
  Result<std::vector<MetricObject>> list_objects();
  Status put_rows(const std::vector<MetricRow>& rows, bool rollups);
  Status scan_rows(int64_t from_ms, int64_t to_ms, bool rollups,
                   const std::function<bool(const MetricRow&)>& visit);
  Result<MetricPrune> prune(int64_t raw_before_ms, int64_t rollups_before_ms);

 private:
  Status fail(int rc, const std::string& context) const;

  sqlite3* db_;
  const std::string& path_;
};

}  // namespace xc
