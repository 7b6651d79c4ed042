#include "common/base32.h"

#include <doctest/doctest.h>

#include <string>

using namespace xc;

TEST_CASE("base32 encodes RFC 4648's test vectors without padding") {
  CHECK(base32_encode("") == "");
  CHECK(base32_encode("f") == "MY");
  CHECK(base32_encode("fo") == "MZXQ");
  CHECK(base32_encode("foo") == "MZXW6");
  CHECK(base32_encode("foob") == "MZXW6YQ");
  CHECK(base32_encode("fooba") == "MZXW6YTB");
  CHECK(base32_encode("foobar") == "MZXW6YTBOI");
}

TEST_CASE("base32 decodes with or without padding, any case, spaces ignored") {
  CHECK(*base32_decode("MZXW6YTBOI") == "foobar");
  CHECK(*base32_decode("MZXW6YTBOI======") == "foobar");
  CHECK(*base32_decode("mzxw 6ytb oi") == "foobar");
  CHECK(*base32_decode("") == "");
}

TEST_CASE("base32 round-trips every length and byte value") {
  std::string bytes;
  for (int i = 0; i < 70; ++i) {
    CAPTURE(i);
    Result<std::string> back = base32_decode(base32_encode(bytes));
    REQUIRE(back.ok());
    CHECK(*back == bytes);
    bytes += static_cast<char>((i * 37 + 255) & 0xff);
  }
}

TEST_CASE("base32 refuses bad characters, data after padding, impossible lengths and long text") {
  CHECK(base32_decode("MZXW1").status().message() ==
        "base32: character '1' at position 5 is not A-Z or 2-7");
  CHECK(base32_decode("MZ\nXW").status().message() ==
        "base32: character '\\n' at position 3 is not A-Z or 2-7");
  CHECK(base32_decode("MY==MY").status().message() ==
        "base32: character 'M' at position 5 follows the '=' padding");
  CHECK(base32_decode("MZX").status().message() ==
        "base32: 3 symbols is not a length any bytes encode to");
  CHECK_FALSE(base32_decode("M").ok());
  CHECK_FALSE(base32_decode("MZXW6Y").ok());
  CHECK(base32_decode(std::string(257, 'A')).status().message() ==
        "base32 text is 257 characters, more than the limit of 256");
  CHECK(base32_decode(std::string(256, 'A')).ok());
}
