// Test fixtures for the audit tests: a temporary state database, a stepping
// clock, record builders and a raw SQLite connection for tampering. One
// fixture per test; not shared between threads.
#pragma once

#include <doctest/doctest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "ctl/audit/audit_log.h"
#include "ctl/store/store.h"

namespace xc::test {

inline constexpr int64_t kAuditT0 = 1767225600000;  // 2026-01-01T00:00:00.000Z

// Each reading is `step_ms` after the previous one, from `start`.
struct SteppingClock {
  int64_t now;
  int64_t step_ms = 1000;
  int64_t operator()() {
    int64_t t = now;
    now += step_ms;
    return t;
  }
};

class AuditDir {
 public:
  // `in_memory`: under /dev/shm when there is one, for tests that open and
  // close hundreds of databases (each close syncs to disk otherwise).
  explicit AuditDir(bool in_memory = false) {
    std::filesystem::path base = std::filesystem::temp_directory_path();
    if (in_memory && std::filesystem::is_directory("/dev/shm")) base = "/dev/shm";
    std::string pattern = (base / "xc-audit-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    dir_ = pattern;
  }
  ~AuditDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  AuditDir(const AuditDir&) = delete;
  AuditDir& operator=(const AuditDir&) = delete;
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

 private:
  std::string dir_;
};

inline std::unique_ptr<Store> open_audit_store(const std::string& path,
                                               OpenMode mode = OpenMode::kCreate) {
  Result<std::unique_ptr<Store>> store = open_store(path, mode);
  REQUIRE_MESSAGE(store.ok(), store.status().message());
  return std::move(*store);
}

// A record as an apply step would write it, varied by `i`.
inline AuditRecord sample_record(int i) {
  static const char* kActors[] = {"ops", "root", "zhang"};
  static const char* kTenants[] = {"education", "education/schools", "health"};
  AuditRecord r;
  r.actor = kActors[i % 3];
  r.as_user = i % 5 == 0 ? "李四" : "";
  r.reason = i % 4 == 0 ? "CHG-" + std::to_string(1000 + i) : "";
  r.origin_host = "ctl-01";
  r.command = "xcloudctl apply -f manifests/ --reason CHG-" + std::to_string(i);
  r.kind = i % 7 == 0 ? "Network" : "VirtualMachine";
  r.tenant = kTenants[i % 3];
  r.name = "web-" + std::to_string(i % 40);
  r.action = i % 2 == 0 ? "update" : "create";
  r.hash_before = i % 2 == 0 ? "h" + std::to_string(i - 1) : "";
  r.hash_after = "h" + std::to_string(i);
  r.result = i % 11 == 0 ? kAuditError : kAuditOk;
  r.message = i % 11 == 0 ? "host kp-03 unreachable: 连接超时" : "";
  return r;
}

// A plain connection to the same file, to change what the store wrote.
class RawAuditDb {
 public:
  explicit RawAuditDb(const std::string& path) {
    REQUIRE(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
    sqlite3_busy_timeout(db_, 10000);
  }
  ~RawAuditDb() { sqlite3_close_v2(db_); }
  RawAuditDb(const RawAuditDb&) = delete;
  RawAuditDb& operator=(const RawAuditDb&) = delete;

  // "" on success, else SQLite's message.
  std::string exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) == SQLITE_OK) return "";
    std::string message = err ? err : "(no message)";
    sqlite3_free(err);
    return message;
  }
  // The first column of the first row as text.
  std::string query(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
    std::string out;
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return out;
  }
  sqlite3* get() { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace xc::test
