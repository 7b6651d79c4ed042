// Reading an OVA (a tar of an .ovf descriptor and its .vmdk disks) without
// trusting it: the tar listing is parsed and every member must be a regular
// file with a plain name (no directory, no "..", no link), the sizes within
// limits; the OVF gives the disk files in order and the CPU and memory it
// asks for. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace xc {

inline constexpr size_t kMaxOvaMembers = 64;

struct OvaMember {
  std::string name;
  int64_t bytes = 0;
};

// Parses `tar --list --verbose --numeric-owner --full-time` output:
// "-rw-r--r-- 0/0 1114112 2026-12-04 14:04:39 disk.vmdk" per line.
// kInvalidArgument names the first member that is not a plain regular file,
// or a total over `max_bytes`.
Result<std::vector<OvaMember>> parse_ova_listing(std::string_view listing, int64_t max_bytes);

struct OvfHints {
  std::vector<std::string> disk_files;  // the DiskSection's disks' file hrefs, in order
  int cpus = 0;                         // 0: not said
  int64_t memory_mib = 0;
};

// The OVF descriptor's disks and virtual hardware (pugixml); kInvalidArgument
// when it is not XML or names no file.
Result<OvfHints> parse_ovf(std::string_view xml);

}  // namespace xc
