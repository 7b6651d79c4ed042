#include "agent/request_limits.h"

#include <doctest/doctest.h>

#include <string>

namespace xc {
namespace {

std::string nested(int levels) {
  return std::string(levels, '[') + std::string(levels, ']');
}

std::string message_of(const std::string& text) {
  auto parsed = parse_request(text);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == Code::kInvalidArgument);
  return parsed.status().message();
}

TEST_CASE("request limits: a request within them parses") {
  auto parsed = parse_request(R"({"id":1,"method":"host.facts","params":{"a":[[1]]}})");
  REQUIRE(parsed.ok());
  CHECK((*parsed)["method"] == "host.facts");
}

TEST_CASE("request limits: nesting past 64 levels is refused before any tree is built") {
  std::string ok = "{\"a\":" + nested(kMaxJsonDepth - 1) + "}";
  CHECK(parse_request(ok).ok());
  std::string deep = "{\"a\":" + nested(kMaxJsonDepth) + "}";
  CHECK(message_of(deep) == "JSON nested deeper than 64 levels");
  // 16 MB of '[' is refused on its size before its depth is counted.
  CHECK(message_of(std::string(16u << 20, '[')) == "larger than 4194304 bytes");
}

TEST_CASE("request limits: brackets inside strings are not nesting") {
  std::string text = "{\"a\":\"" + std::string(1000, '[') + "\\\"" + std::string(1000, '{') + "\"}";
  CHECK(parse_request(text).ok());
}

TEST_CASE("request limits: more than 100,000 values are refused") {
  std::string many = "{\"a\":[";
  for (size_t i = 0; i < kMaxJsonValues; ++i) many += "0,";
  many += "0]}";
  CHECK(message_of(many) == "more than 100000 JSON values");
}

TEST_CASE(
    "request limits: invalid UTF-8 is refused with the bytes escaped, and so is a non-object") {
  CHECK(message_of("{\"method\":\"a\xff\"}") ==
        "invalid JSON: parse error at line 1, column 13: syntax error while parsing value - "
        "invalid string: ill-formed UTF-8 byte; last read: '\"a\\xff'");
  CHECK(message_of("[1]") == "not a JSON object");
}

TEST_CASE("request limits: dump_json replaces invalid UTF-8 instead of throwing") {
  CHECK(dump_json(nlohmann::json("a\xff")) == "\"a\xEF\xBF\xBD\"");
}

}  // namespace
}  // namespace xc
