#include "common/file_write.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

namespace xc {
namespace {

// A temporary file, removed with its descriptor.
struct ScratchFile {
  std::string path = "/tmp/xc-file-write-XXXXXX";
  int fd = ::mkstemp(path.data());
  ~ScratchFile() {
    ::close(fd);
    ::unlink(path.c_str());
  }
  std::string contents() const {
    std::string out;
    char buf[65536];
    for (off_t at = 0;;) {
      ssize_t n = ::pread(fd, buf, sizeof buf, at);
      if (n <= 0) return out;
      out.append(buf, static_cast<size_t>(n));
      at += n;
    }
  }
};

// 3 MiB and 5 bytes of a pattern that differs in every slice.
std::string pattern() {
  std::string data(3 * kFileWriteSlice + 5, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 7 + i / 4099) & 0xff);
  return data;
}

TEST_CASE("pwrite_all writes a buffer larger than a slice whole, at its offset") {
  ScratchFile f;
  REQUIRE(f.fd >= 0);
  const std::string data = pattern();
  REQUIRE(pwrite_all(f.fd, "head", 0));
  REQUIRE(pwrite_all(f.fd, data, 4));
  CHECK(f.contents() == "head" + data);
}

TEST_CASE("write_all appends a buffer larger than a slice whole") {
  ScratchFile f;
  REQUIRE(f.fd >= 0);
  const std::string data = pattern();
  REQUIRE(write_all(f.fd, data));
  REQUIRE(write_all(f.fd, "tail"));
  CHECK(f.contents() == data + "tail");
}

TEST_CASE("a write that cannot happen is false with errno set") {
  ScratchFile f;
  REQUIRE(f.fd >= 0);
  int read_only = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(read_only >= 0);
  errno = 0;
  CHECK_FALSE(pwrite_all(read_only, "x", 0));
  CHECK(errno == EBADF);
  errno = 0;
  CHECK_FALSE(write_all(read_only, "x"));
  CHECK(errno == EBADF);
  CHECK(pwrite_all(read_only, "", 0));  // nothing to write is done at once
  ::close(read_only);
}

}  // namespace
}  // namespace xc
