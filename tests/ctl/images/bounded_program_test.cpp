#include "ctl/images/bounded_program.h"

#include <doctest/doctest.h>

#include <chrono>

using namespace xc;

TEST_CASE("a program's output comes back, cut at the cap") {
  auto r = run_bounded({"printf", "%s", "0123456789"}, {std::chrono::seconds(10), 4});
  REQUIRE(r.ok());
  CHECK(*r == "0123");
}

TEST_CASE("a failing program is reported with the last line it wrote to stderr") {
  auto r = run_bounded({"sh", "-c", "echo first >&2; echo 'last words' >&2; exit 3"}, {});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kIo);
  CHECK(r.status().message() == "sh: last words");
  // A program naming itself in an error line, advice after it: that line.
  auto named = run_bounded(
      {"sh", "-c", "echo 'sh: error: no guest found.' >&2; echo >&2; echo 'Try -v.' >&2; exit 1"},
      {});
  REQUIRE_FALSE(named.ok());
  CHECK(named.status().message() == "sh: error: no guest found.");
  auto quiet = run_bounded({"false"}, {});
  REQUIRE_FALSE(quiet.ok());
  CHECK(quiet.status().message() == "false: exited with status 1");
}

TEST_CASE("a program past its deadline is killed and reported") {
  auto start = std::chrono::steady_clock::now();
  auto r = run_bounded({"sleep", "30"}, {std::chrono::milliseconds(300), 1024});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() == "sleep: timed out after 300 ms; stopped");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
}

TEST_CASE("arguments are not read by a shell") {
  auto r = run_bounded({"printf", "%s", "$(id); `id` *"}, {});
  REQUIRE(r.ok());
  CHECK(*r == "$(id); `id` *");
  auto missing = run_bounded({"no-such-program-xc"}, {});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == Code::kUnavailable);
}

TEST_CASE("exit statuses other than 0 count as success only when listed") {
  ProgramLimits limits;
  limits.ok_exits = {0, 3};
  auto three = run_bounded({"sh", "-c", "echo leaks; exit 3"}, limits);
  REQUIRE(three.ok());
  CHECK(*three == "leaks\n");
  auto two = run_bounded({"sh", "-c", "echo damaged >&2; exit 2"}, limits);
  REQUIRE_FALSE(two.ok());
  CHECK(two.status().message() == "sh: damaged");
}
