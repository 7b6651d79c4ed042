// The file side of a cold move's disk copy: chunks, the .part file, and the
// commit that keeps a copy only when its size and SHA-256 are the ones read.
#include "agent/volume_transfer.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/digest.h"
#include "tests/support/temp_dir.h"

namespace xc {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("a volume file read in chunks and written to .part commits only with its digest") {
  test::TempDir dir;
  std::string content(3 * 1000 * 1000 + 17, '\0');
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 31 + 7);
  std::string src = dir.file("a.qcow2", content);
  std::string dst = dir.file("b.qcow2", "old bytes");
  int64_t offset = 0;
  for (;;) {
    auto chunk = read_volume_chunk(src, offset, 1 << 20);
    REQUIRE(chunk.ok());
    CHECK(chunk->size == static_cast<int64_t>(content.size()));
    REQUIRE(write_volume_chunk(dst, offset, chunk->data).ok());
    offset += static_cast<int64_t>(chunk->data.size());
    if (chunk->eof) break;
  }
  CHECK(offset == static_cast<int64_t>(content.size()));
  CHECK(slurp(dst) == "old bytes");  // untouched until the commit
  Status wrong = commit_volume_part(dst, offset, sha256_hex("something else"));
  CHECK(wrong.code() == Code::kIo);
  CHECK(wrong.message().find("expected " + std::to_string(offset) + " bytes") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dst + ".part"));  // a bad copy is not kept
  CHECK(slurp(dst) == "old bytes");
  // Again, whole, with the right digest.
  for (offset = 0; offset < static_cast<int64_t>(content.size()); offset += 1 << 20) {
    auto chunk = read_volume_chunk(src, offset, 1 << 20);
    REQUIRE(write_volume_chunk(dst, offset, chunk->data).ok());
  }
  REQUIRE(commit_volume_part(dst, static_cast<int64_t>(content.size()), sha256_hex(content)).ok());
  CHECK(slurp(dst) == content);
}

TEST_CASE("volume transfer refuses bad names, ranges and base64, and reports a missing file") {
  CHECK(volume_file("/d", "../etc").status().code() == Code::kInvalidArgument);
  CHECK(*volume_file("/d", "xc-education.web-1.root") == "/d/xc-education.web-1.root.qcow2");
  CHECK(read_volume_chunk("/nonexistent/x.qcow2", 0, 10).status().code() == Code::kNotFound);
  CHECK(read_volume_chunk("/dev/null", 0, kMaxTransferChunk + 1).status().code() ==
        Code::kInvalidArgument);
  CHECK(read_volume_chunk("/dev/null", -1, 10).status().code() == Code::kInvalidArgument);
  for (const std::string& s :
       std::vector<std::string>{"", "a", "ab", "abc", std::string("\0\xff\x10", 3)})
    CHECK(*base64_decode(base64_encode(s)) == s);
  CHECK(base64_encode("abcd") == "YWJjZA==");
  CHECK_FALSE(base64_decode("YWJjZA=").ok());
  CHECK_FALSE(base64_decode("Y!Jj").ok());
}

}  // namespace xc
