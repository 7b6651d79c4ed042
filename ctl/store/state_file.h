// Checks on the state database file made before SQLite opens it, so a user
// reads what is wrong with the file rather than SQLite's "unable to open
// database file". Stateless functions; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "common/status.h"

namespace xc {

// Ok when `path` exists and is not empty; else kNotFound "state database
// PATH does not exist; run 'xcloudctl init' first" or kFailedPrecondition
// "state database PATH is empty (not an xcloud state); run 'xcloudctl init'
// first". Only init creates a state.
Status check_state_file_exists(const std::string& path);

// Why this process cannot write the state at `path`, or nullopt when it can:
// "it is on a read-only file system", "the file is read-only", or "its
// directory DIR is read-only (SQLite keeps PATH-wal and PATH-shm there)".
std::optional<std::string> why_state_read_only(const std::string& path);

}  // namespace xc
