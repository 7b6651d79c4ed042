#include "common/status.h"

#include <doctest/doctest.h>

#include <string>

using namespace xc;

TEST_CASE("status: a Result holds a value or an error, never neither") {
  Result<int> value(7);
  CHECK(value.ok());
  CHECK(*value == 7);
  CHECK(value.status().ok());

  Result<int> failed(error(Code::kNotFound, "vm \"web-1\": not found"));
  CHECK_FALSE(failed.ok());
  CHECK(failed.status().code() == Code::kNotFound);
  CHECK(failed.status().message() == "vm \"web-1\": not found");

  // An OK Status where a value belongs would be a Result with nothing in it.
  Result<std::string> neither{Status{}};
  CHECK_FALSE(neither.ok());
  CHECK(neither.status().code() == Code::kInternal);
  CHECK(neither.status().message() == "internal error: a result without a value or an error");
}
