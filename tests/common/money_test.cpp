#include "common/money.h"

#include <doctest/doctest.h>

using namespace xc;

TEST_CASE("money parses decimals exactly") {
  CHECK(Money::parse("0.3")->micros() == 300000);
  CHECK(Money::parse("12")->micros() == 12000000);
  CHECK(Money::parse("3500.000001")->micros() == 3500000001);
  CHECK(Money::parse("-1.5")->micros() == -1500000);
  CHECK_FALSE(Money::parse("1e2"));
  CHECK_FALSE(Money::parse("0.1234567"));
  CHECK_FALSE(Money::parse(""));
  CHECK_FALSE(Money::parse("."));
  CHECK_FALSE(Money::parse("12abc"));
}

TEST_CASE("money rounds to the fen half away from zero") {
  CHECK(Money::from_micros(5000).round_to_fen() == 1);  // 0.005 -> 0.01
  CHECK(Money::from_micros(4999).round_to_fen() == 0);
  CHECK(Money::from_micros(-5000).round_to_fen() == -1);
  CHECK(Money::from_micros(123456789).to_yuan_string() == "123.46");
  CHECK(Money::parse("0.3")->to_exact_string() == "0.3");
  CHECK(Money::parse("12")->to_exact_string() == "12");
}
