// What a Debian package file says about itself (its control file's Package,
// Version and Architecture), read with the local `dpkg-deb -f`, and the pure
// helpers that compare it with what an agent reports. Thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace xc {

struct DebPackage {
  std::string path;
  std::string shown;         // as the operator named it (path, or what it is a copy of)
  std::string name;          // "xcloud-agent"
  std::string version;       // as in the control file, "0.2.1-1"
  std::string architecture;  // "amd64", "arm64", "all"
  uint64_t size_bytes = 0;
};

// Packages larger than this are refused before anything is copied.
inline constexpr uint64_t kMaxPackageBytes = 512ull << 20;

// Reads `path`'s control fields. A missing or unreadable file, one larger
// than kMaxPackageBytes or one dpkg-deb does not accept is kInvalidArgument
// naming the path.
// `shown` names the file in errors (the path as the operator typed it when
// `path` is the controller's copy of it); `path` when empty.
Result<DebPackage> read_deb_package(const std::string& path, const std::string& shown = "");

// Parses `dpkg-deb -f` output ("Field: value" lines) into `package`;
// false when Package or Version is missing.
bool parse_control_fields(const std::string& text, DebPackage& package);

// The upstream part of a Debian version, as the agent reports it:
// "1:0.2.1-1" -> "0.2.1", "0.2.1" -> "0.2.1".
std::string upstream_version(const std::string& debian_version);

}  // namespace xc
