// bill close and bill adjust through run_xcloudctl, in process: help and the
// usage errors that need no state database.
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "ctl/cli/cli.h"

using namespace xc;

namespace {

struct CloseRun {
  int code;
  std::string out;
  std::string err;
};

CloseRun xcloudctl(std::vector<std::string> args) {
  args.insert(args.begin(), {"xcloudctl", "--state", "/nonexistent/xcloud-test/state.db"});
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  std::ostringstream out, err;
  int code = run_xcloudctl(static_cast<int>(argv.size()), argv.data(), out, err);
  return {code, out.str(), err.str()};
}

}  // namespace

TEST_CASE("bill close and bill adjust show an example in their help") {
  CloseRun close = xcloudctl({"bill", "close", "--help"});
  CHECK(close.code == 0);
  CHECK(close.out.find("Example:\n  xcloudctl bill close --month 2026-11") != std::string::npos);
  CloseRun adjust = xcloudctl({"bill", "adjust", "--help"});
  CHECK(adjust.code == 0);
  CHECK(adjust.out.find("Example:\n  xcloudctl bill adjust --tenant education") !=
        std::string::npos);
}

TEST_CASE("bill adjust refuses an amount finer than the fen before opening the state") {
  CloseRun r = xcloudctl({"bill", "adjust", "--tenant", "education", "--item", "memory", "--amount",
                          "1.005", "--reason", "x"});
  CHECK(r.code == kExitUsage);
  CHECK(r.err == "xcloudctl: --amount \"1.005\": at most two decimals (fen)\n");
}

TEST_CASE("bill close refuses a period that is not a month") {
  CloseRun r = xcloudctl({"bill", "close", "--month", "2026"});
  CHECK(r.code == kExitUsage);
  CHECK(r.err == "xcloudctl: --month \"2026\": expected YYYY-MM\n");
}
