#include "ctl/cli/duration_option.h"

#include <doctest/doctest.h>

namespace xc {
namespace {

using std::chrono::seconds;

TEST_CASE("duration option: seconds, minutes and hours, up to the maximum") {
  CHECK(*parse_duration("--timeout", "120s", seconds(240)) == seconds(120));
  CHECK(*parse_duration("--timeout", "90", seconds(240)) == seconds(90));
  CHECK(*parse_duration("--timeout", "2m", seconds(240)) == seconds(120));
  CHECK(*parse_duration("--timeout", "0s", seconds(240)) == seconds(0));
  CHECK(*parse_duration("--idle", "1h", seconds(7200)) == seconds(3600));
}

TEST_CASE("duration option: malformed and too long durations name the option") {
  auto bad = parse_duration("--timeout", "soon", seconds(240));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() == "--timeout: 'soon': expected a duration such as 120s, 2m or 90");
  CHECK_FALSE(parse_duration("--timeout", "-5s", seconds(240)).ok());
  CHECK_FALSE(parse_duration("--timeout", "5 s", seconds(240)).ok());
  CHECK_FALSE(parse_duration("--timeout", "", seconds(240)).ok());
  CHECK_FALSE(parse_duration("--timeout", "99999999999999999999", seconds(240)).ok());
  auto long_one = parse_duration("--timeout", "10m", seconds(240));
  REQUIRE_FALSE(long_one.ok());
  CHECK(long_one.status().message() == "--timeout: '10m' is longer than 240 s");
  CHECK_FALSE(parse_duration("--timeout", "241", seconds(240)).ok());
}

}  // namespace
}  // namespace xc
