#include "agent/private_key_mode.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include "tests/support/temp_dir.h"

namespace xc {
namespace {

TEST_CASE("private key mode: a key open to group or others is refused, naming file and mode") {
  test::TempDir dir;
  std::string key = dir.file("agent.key", "-----BEGIN PRIVATE KEY-----\n");
  REQUIRE(::chmod(key.c_str(), 0600) == 0);
  CHECK(check_private_key_mode(key).ok());
  REQUIRE(::chmod(key.c_str(), 0400) == 0);
  CHECK(check_private_key_mode(key).ok());
  for (mode_t mode : {0644, 0640, 0604, 0601, 0610}) {
    CAPTURE(mode);
    REQUIRE(::chmod(key.c_str(), mode) == 0);
    Status status = check_private_key_mode(key);
    CHECK(status.code() == Code::kFailedPrecondition);
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode));
    CHECK(status.message() == "key " + key + " has mode " + octal +
                                  ": a private key must not be open to group or others (chmod "
                                  "600 " +
                                  key + ")");
  }
  CHECK(check_private_key_mode(dir.path("missing.key")).code() == Code::kNotFound);
}

}  // namespace
}  // namespace xc
