#include "ctl/access/command_stream.h"

#include <doctest/doctest.h>

#include <string>

namespace xc {
namespace {

TEST_CASE("a command stream carries stdout, stderr and the exit code byte for byte") {
  std::string binary("a\0\xff\n", 4);
  std::string wire = stream_frame(StreamKind::kStdout, binary) +
                     stream_frame(StreamKind::kStderr, "warning\n") + exit_frame(3);
  // Fed one byte at a time, as a slow network may deliver it.
  StreamDecoder d;
  std::string out, err;
  for (char ch : wire) {
    auto frames = d.feed(std::string_view(&ch, 1));
    REQUIRE(frames.ok());
    for (const auto& f : *frames) (f.kind == StreamKind::kStdout ? out : err) += f.data;
  }
  CHECK(out == binary);
  CHECK(err == "warning\n");
  REQUIRE(d.exit_code());
  CHECK(*d.exit_code() == 3);
  CHECK_FALSE(d.partial());
}

TEST_CASE("a command stream without its exit frame has no exit code") {
  StreamDecoder d;
  std::string wire = stream_frame(StreamKind::kStdout, "half");
  REQUIRE(d.feed(wire.substr(0, 6)).ok());
  CHECK(d.partial());
  CHECK_FALSE(d.exit_code());
}

TEST_CASE("a command stream refuses unknown kinds, huge frames and data after the exit") {
  StreamDecoder unknown;
  CHECK_FALSE(unknown.feed(std::string("z\0\0\0\0", 5)).ok());

  StreamDecoder huge;
  CHECK_FALSE(huge.feed(std::string("1\x7f\xff\xff\xff", 5)).ok());

  StreamDecoder after;
  CHECK_FALSE(after.feed(exit_frame(0) + "1").ok());

  StreamDecoder bad_code;
  CHECK_FALSE(bad_code.feed(stream_frame(StreamKind::kExit, "-1")).ok());
  StreamDecoder empty_code;
  CHECK_FALSE(empty_code.feed(stream_frame(StreamKind::kExit, "")).ok());
}

}  // namespace
}  // namespace xc
