// Where a disk-only snapshot's overlay lives, and how a disk source that is
// an overlay is recognised: `<disk>.qcow2` gains `<disk>.snap-NAME.qcow2`
// for snapshot NAME. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace xc {

inline constexpr size_t kMaxSnapshotName = 40;
inline constexpr int kDefaultSnapshotLimit = 8;
inline constexpr int kMaxSnapshotLimit = 64;

// A DNS label of at most kMaxSnapshotName characters.
bool is_snapshot_name(std::string_view name);

// "/d/x.root.qcow2" + "s1" -> "/d/x.root.snap-s1.qcow2".
std::string overlay_path(const std::string& disk_path, const std::string& snapshot);

// The disk a source belongs to: `source` itself, or the base disk when
// `source` is one of its snapshot overlays ("/d/x.root.snap-s1.qcow2" ->
// "/d/x.root.qcow2"). nullopt for a name that is neither.
std::optional<std::string> base_disk_of(const std::string& source);

// True when `source` is `disk_path` or a snapshot overlay of it.
bool is_disk_or_overlay(const std::string& source, const std::string& disk_path);

}  // namespace xc
