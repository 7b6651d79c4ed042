// Opening the SQLite file behind the store: read-write, or read-only in a way
// that works for a WAL database in a directory this process cannot write.
// Stateless functions; thread-safe.
#pragma once

#include <sqlite3.h>

#include <string>

#include "common/status.h"

namespace xc {

// The Status code for an SQLite result code.
Code sqlite_code(int rc);

// A connection with extended result codes on; errors are
// "state database PATH: sqlite's message".
Result<sqlite3*> open_sqlite_read_write(const std::string& path);

// A WAL database needs its -shm file to be read. In a read-only directory
// SQLite can use existing -wal and -shm files but cannot create them; when
// there is no -wal (the last writer closed cleanly, so the file holds
// everything) the database is opened as immutable instead. A -wal left by a
// writer that died cannot be read without its -shm, and reading around it
// would show old data: that is refused.
Result<sqlite3*> open_sqlite_read_only(const std::string& path);

}  // namespace xc
