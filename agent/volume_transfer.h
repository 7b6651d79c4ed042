// Moving a volume's bytes through the agent for a cold migration: chunks read
// from the source host's file, written to a ".part" file on the target, and
// committed (renamed over the volume) only when the whole file's SHA-256 is
// the one the controller read. Pure file I/O under the storage directory;
// thread-safe (each call opens its own file; the caller serialises writers).
#pragma once

#include <cstdint>
#include <string>

#include "common/base64.h"
#include "common/status.h"

namespace xc {

// The most bytes one volume.read or volume.write carries (base64 in JSON must
// stay under the agent's 4 MiB request limit).
constexpr int64_t kMaxTransferChunk = 2 << 20;

struct VolumeChunk {
  std::string data;  // raw bytes
  int64_t size = 0;  // the whole file's size
  bool eof = false;  // data ends the file
};

// "<dir>/<volume>.qcow2"; the name is checked with valid_volume_name first.
Result<std::string> volume_file(const std::string& storage_dir, const std::string& volume);

Result<VolumeChunk> read_volume_chunk(const std::string& path, int64_t offset, int64_t length);
// Writes at `offset` into "<path>.part"; offset 0 starts the file afresh.
Status write_volume_chunk(const std::string& path, int64_t offset, const std::string& data);
// Checks "<path>.part" is `size` bytes with SHA-256 `sha256`, then renames it
// over `path`. kIo (the part file removed) when it is not.
Status commit_volume_part(const std::string& path, int64_t size, const std::string& sha256);
// Renames "<path>.part" (synced, checked) over `path`.
Status place_volume_part(const std::string& path);

}  // namespace xc
