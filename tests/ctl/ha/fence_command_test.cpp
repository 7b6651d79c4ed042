#include "ctl/ha/fence_command.h"

#include <doctest/doctest.h>

using namespace xc;
using namespace std::chrono_literals;

TEST_CASE("a fence command that exits 0 is the proof, its output and host are kept") {
  auto run =
      run_fence_command({"sh", "-c", "echo off $XCLOUD_FENCE_HOST; echo err >&2"}, "x86-01", 5s);
  REQUIRE(run.ok());
  CHECK(run->fenced);
  CHECK(run->exit_code == 0);
  CHECK(run->output == "off x86-01\nerr\n");
}

TEST_CASE("arguments reach the command as they are, with no shell between") {
  auto run = run_fence_command({"printf", "%s|", "a b", "$HOME", ";rm"}, "h", 5s);
  REQUIRE(run.ok());
  CHECK(run->output == "a b|$HOME|;rm|");
}

TEST_CASE("a failing fence command is not a fence") {
  auto run = run_fence_command({"sh", "-c", "exit 3"}, "h", 5s);
  REQUIRE(run.ok());
  CHECK_FALSE(run->fenced);
  CHECK(run->exit_code == 3);
  CHECK(run->summary().rfind("exit 3 in ", 0) == 0);
}

TEST_CASE("a fence command past its time is killed, with its children, and fails") {
  auto t0 = std::chrono::steady_clock::now();
  auto run = run_fence_command({"sh", "-c", "sleep 30 & sleep 30"}, "h", 300ms);
  REQUIRE(run.ok());
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);
  CHECK_FALSE(run->fenced);
  CHECK(run->timed_out);
}

TEST_CASE("output is bounded") {
  auto run = run_fence_command({"sh", "-c", "head -c 100000 /dev/zero | tr '\\\\0' x"}, "h", 5s);
  REQUIRE(run.ok());
  CHECK(run->fenced);
  CHECK(run->output.size() == kFenceOutputLimit);
}

TEST_CASE("a missing or empty command fails to start") {
  CHECK(run_fence_command({}, "h", 1s).status().code() == Code::kInvalidArgument);
  CHECK(run_fence_command({"/nonexistent/fence-it"}, "h", 1s).status().code() == Code::kNotFound);
}
