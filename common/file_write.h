// Writing a whole buffer to a file descriptor, in slices of at most 1 MiB.
//
// Why slices: a single write of 2 MiB or more into the page cache gets 2 MiB
// folios, and on virtual machines that hand free 2 MiB blocks back to their
// host (free page reporting) filling those ran about 6x slower than 1 MiB
// writes (bench/README.md, "cold moves"). The result is the same either way.
#pragma once

#include <cstdint>
#include <string_view>

namespace xc {

inline constexpr size_t kFileWriteSlice = 1 << 20;

// True when all of `data` went to `fd` at `offset` (pwrite, retried on
// EINTR and short writes); false with errno set otherwise.
bool pwrite_all(int fd, std::string_view data, int64_t offset);

// The same at the file's current position (write).
bool write_all(int fd, std::string_view data);

}  // namespace xc
