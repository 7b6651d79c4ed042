// Which disk image format a file holds, read from its bytes (magic numbers),
// never from its name: qcow2, vmdk, vhdx, vpc (VHD), an OVA (a tar) or raw.
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace xc {

// qemu-img's names: "qcow2", "vmdk", "vhdx", "vpc" (VHD), "raw"; and "ova".
// `head` is the file's first bytes (up to 4 KiB), `tail` its last 512 bytes
// (a fixed VHD has only a footer), `size` its length. A file with no known
// header is kNotFound: raw disks have none, so raw is only ever what the
// caller declares. Truncated headers are kInvalidArgument.
Result<std::string> detect_disk_format(std::string_view head, std::string_view tail, int64_t size);

// The --format word a user gives (vmdk, vhd, vhdx, qcow2, raw, ova) as
// qemu-img's name, or "" when it is none of them.
std::string qemu_format_name(std::string_view user_word);

// The user's word for qemu-img's name: "vpc" is "vhd".
std::string user_format_name(std::string_view qemu_name);

}  // namespace xc
