// The manifest of one backup: which VM, when, full or incremental (and its
// parent), the key it was sealed with (by id), and every chunk with the SM3
// of its plaintext. Stored as {"manifest": ..., "sm3": ..., "mac": ...}: the
// SM3 digest of the manifest text and its HMAC-SM3 under the backup key.
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "ctl/backup/chunk_seal.h"

namespace xc {

inline constexpr int64_t kDefaultChunkBytes = 4 << 20;
inline constexpr const char* kManifestFormat = "xcloud-backup/1";

struct BackupChunk {
  std::string disk;
  int64_t offset = 0;
  int64_t length = 0;
  std::string sm3;  // of the plaintext, hex
};

struct BackupDisk {
  std::string name;  // the disk's target on its host ("vda")
  int64_t size = 0;  // virtual size in bytes
};

struct BackupManifest {
  std::string tenant, vm, id;
  std::string kind = "full";  // or "incremental"
  std::string parent;         // the previous backup's id (incremental)
  std::string checkpoint;     // the libvirt checkpoint this backup made ("" when none)
  std::string method;         // how the host produced the data, for the operator
  std::string key_id;
  int64_t time_ms = 0;
  int64_t chunk_bytes = kDefaultChunkBytes;
  std::vector<BackupDisk> disks;
  std::vector<BackupChunk> chunks;

  int64_t stored_bytes() const;
};

nlohmann::json manifest_json(const BackupManifest& m);
Result<BackupManifest> manifest_from_json(const nlohmann::json& j);

// The file's text: manifest, its SM3 and its MAC under `key`.
Result<std::string> seal_manifest(const BackupManifest& m, const BackupKey& key);
// Checks the SM3 and then the MAC: a wrong key fails here, before anything
// else is read ("sealed with key K, the key store has key L").
Result<BackupManifest> open_manifest(const std::string& text, const BackupKey& key);

// Where a chunk lives under the backup's directory, and the label its MAC
// binds: "TENANT/VM/ID/DISK@OFFSET+LENGTH".
std::string chunk_file_name(const BackupChunk& c);
std::string chunk_label(const BackupManifest& m, const BackupChunk& c);

}  // namespace xc
