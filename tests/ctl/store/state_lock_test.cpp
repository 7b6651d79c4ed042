// The state lock in one process: flock(2) locks belong to open file
// descriptions, so a second acquire here conflicts as another process would.
#include "ctl/store/state_lock.h"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "tests/support/temp_dir.h"

using namespace xc;

namespace {

struct LockDir {
  test::TempDir dir;
  std::string state() const { return dir.path("state.db"); }
};

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const LockHolder kAlice{"apply", "alice", 1234, 1'767'225'600'000};

}  // namespace

TEST_CASE("a held state lock refuses a second holder at once without waiting, naming the first") {
  LockDir d;
  Result<StateLock> first = StateLock::acquire(d.state(), kAlice, false, nullptr, 0);
  REQUIRE_MESSAGE(first.ok(), first.status().message());
  CHECK(read_all(d.state() + ".lock") ==
        "command=apply\nuser=alice\npid=1234\nstarted_ms=1767225600000\n");
  Result<StateLock> second =
      StateLock::acquire(d.state(), {"delete", "bob", 99, 0}, false, nullptr, 0);
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == Code::kUnavailable);
  CHECK(second.status().message().rfind(
            "state database " + d.state() + " is in use by the apply by alice (pid 1234) started ",
            0) == 0);
  *first = StateLock();  // released
  CHECK(read_all(d.state() + ".lock").empty());
  CHECK(StateLock::acquire(d.state(), {"delete", "bob", 99, 0}, false, nullptr, 0).ok());
}

TEST_CASE("a lock file left by a dead holder is taken over") {
  LockDir d;
  { std::ofstream(d.state() + ".lock") << "command=apply\nuser=alice\npid=1234\n"; }
  Result<StateLock> lock =
      StateLock::acquire(d.state(), {"apply", "bob", 42, 5}, false, nullptr, 0);
  REQUIRE(lock.ok());
  CHECK(read_all(d.state() + ".lock") == "command=apply\nuser=bob\npid=42\nstarted_ms=5\n");
}

TEST_CASE("the holder is described by command, user and pid") {
  LockHolder h{"bill close", "alice", 7, 0};
  CHECK(h.describe(0) == "the bill close by alice (pid 7)");
  CHECK(LockHolder{}.describe(0) == "another xcloudctl");
}
