#include "ctl/store/sqlite_open.h"

#include <sys/stat.h>

namespace xc {
namespace {

Result<sqlite3*> open_flags(const std::string& name, const std::string& path, int flags) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(name.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return error(sqlite_code(rc), "state database " + path + ": " + message);
  }
  sqlite3_extended_result_codes(db, 1);
  return db;
}

// "file:" URI text for `path`: the characters a URI gives meaning to escaped.
std::string file_uri(const std::string& path, const char* query) {
  std::string out = "file:";
  for (unsigned char c : path) {
    if (c == '?' || c == '#' || c == '%' || c < 0x20) {
      const char* hex = "0123456789ABCDEF";
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "?" + query;
}

bool readable_schema(sqlite3* db) {
  return sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr) ==
         SQLITE_OK;
}

}  // namespace

Code sqlite_code(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Code::kUnavailable;
    case SQLITE_CONSTRAINT:
      return Code::kFailedPrecondition;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return Code::kIo;
    default:
      return Code::kInternal;
  }
}

Result<sqlite3*> open_sqlite_read_write(const std::string& path) {
  return open_flags(path, path, SQLITE_OPEN_READWRITE);
}

Result<sqlite3*> open_sqlite_read_only(const std::string& path) {
  Result<sqlite3*> db =
      open_flags(file_uri(path, "mode=ro"), path, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
  if (db.ok() && readable_schema(*db)) return db;
  std::string why = db.ok() ? sqlite3_errmsg(*db) : db.status().message();
  if (db.ok()) sqlite3_close_v2(*db);
  struct stat wal;
  if (::stat((path + "-wal").c_str(), &wal) == 0 && wal.st_size > 0) {
    return error(Code::kIo, "state database " + path + " is read-only and its write-ahead log " +
                                path + "-wal cannot be read without " + path + "-shm: " + why +
                                "; open it once where it is writable");
  }
  return open_flags(file_uri(path, "mode=ro&immutable=1"), path,
                    SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
}

}  // namespace xc
