// The SQLite implementation of Store (WAL, foreign keys on, busy timeout so a
// second process waits). Open one per thread; processes share the file safely.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ctl/store/store.h"
#include "ctl/store/store_migrations.h"

namespace xc {

// open_store() with the migration list and the version to stop at made
// explicit, so tests can build databases at earlier versions or feed a
// migration that fails. A database newer than migrations.back() is refused.
Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path, OpenMode mode,
                                                 const std::vector<Migration>& migrations,
                                                 int target_version);

}  // namespace xc
