// One prepared SQLite statement with values bound by parameter, shared by
// the store's SQL files. Used by one thread at a time, like its connection.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>

#include "ctl/store/records.h"

namespace xc {

// One prepared statement; values go in through bind() only. Bind errors are
// kept and reported by step(), so call sites stay linear.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(const std::string& value) {
    if (rc_ == SQLITE_OK) {
      rc_ = sqlite3_bind_text(stmt_, ++index_, value.data(), static_cast<int>(value.size()),
                              SQLITE_TRANSIENT);
    }
    return *this;
  }
  Statement& bind(int64_t value) {
    if (rc_ == SQLITE_OK) rc_ = sqlite3_bind_int64(stmt_, ++index_, value);
    return *this;
  }
  Statement& bind(const ResourceKey& key) { return bind(key.kind).bind(key.tenant).bind(key.name); }
  Statement& bind_blob(const std::string& value) {
    if (rc_ == SQLITE_OK) {
      rc_ = sqlite3_bind_blob(stmt_, ++index_, value.data(), static_cast<int>(value.size()),
                              SQLITE_TRANSIENT);
    }
    return *this;
  }

  Statement& bind_null() {
    if (rc_ == SQLITE_OK) rc_ = sqlite3_bind_null(stmt_, ++index_);
    return *this;
  }

  // For the next row of a batch: the statement runs again with new values.
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    index_ = 0;
    rc_ = SQLITE_OK;
  }

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() {
    if (rc_ == SQLITE_OK || rc_ == SQLITE_ROW) rc_ = sqlite3_step(stmt_);
    return rc_;
  }
  std::string text(int column) {
    const unsigned char* p = sqlite3_column_text(stmt_, column);
    if (p == nullptr) return "";
    return std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, column));
  }
  int64_t int64(int column) { return sqlite3_column_int64(stmt_, column); }
  bool is_null(int column) { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::string blob(int column) {
    const void* p = sqlite3_column_blob(stmt_, column);
    if (p == nullptr) return "";
    return std::string(static_cast<const char*>(p), sqlite3_column_bytes(stmt_, column));
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_OK;
  int index_ = 0;
};

}  // namespace xc
