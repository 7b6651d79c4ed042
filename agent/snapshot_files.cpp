#include "agent/snapshot_files.h"

#include "common/domain_spec.h"

namespace xc {
namespace {

constexpr std::string_view kQcow2 = ".qcow2";
constexpr std::string_view kSnap = ".snap-";

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

}  // namespace

bool is_snapshot_name(std::string_view name) {
  return is_dns_label(name, kMaxSnapshotName);
}

std::string overlay_path(const std::string& disk_path, const std::string& snapshot) {
  std::string stem = disk_path;
  if (ends_with(stem, kQcow2)) stem.resize(stem.size() - kQcow2.size());
  return stem + std::string(kSnap) + snapshot + std::string(kQcow2);
}

std::optional<std::string> base_disk_of(const std::string& source) {
  if (!ends_with(source, kQcow2)) return std::nullopt;
  std::string_view stem(source.data(), source.size() - kQcow2.size());
  auto slash = stem.rfind('/');
  auto mark = stem.rfind(kSnap);
  if (mark == std::string_view::npos || (slash != std::string_view::npos && mark < slash))
    return source;
  std::string_view name = stem.substr(mark + kSnap.size());
  if (!is_snapshot_name(name)) return source;
  return std::string(stem.substr(0, mark)) + std::string(kQcow2);
}

bool is_disk_or_overlay(const std::string& source, const std::string& disk_path) {
  auto base = base_disk_of(source);
  return base && *base == disk_path;
}

}  // namespace xc
