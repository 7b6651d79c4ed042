#include "agent/json_text.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

using namespace xc;

namespace {

std::string as_json_text(const std::string& text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

}  // namespace

TEST_CASE("JSON strings are written as nlohmann::json::dump writes them") {
  for (std::string text :
       {std::string(""), std::string("vm-1"), std::string("t&<x\"é"), std::string("a\\b/c"),
        std::string("line\ntwo\r\t\b\f"), std::string("\x01\x1f\x7f", 3), std::string("\0nul", 4),
        std::string("日本 \xF0\x9F\x98\x80 end")}) {
    CHECK(as_json_text(text) == nlohmann::json(text).dump());
  }
}

TEST_CASE("JSON strings replace bytes that are not UTF-8 with U+FFFD instead of failing") {
  CHECK(as_json_text("a\xFFz") == "\"a\xEF\xBF\xBDz\"");
  CHECK(as_json_text("\xC3") == "\"\xEF\xBF\xBD\"");  // truncated sequence
  CHECK(as_json_text("\xE0\x80\x80") == "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");    // overlong
  CHECK(as_json_text("\xED\xA0\x80x") == "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDx\"");  // surrogate
}

TEST_CASE("JSON integers are written in full") {
  std::string out;
  append_json_int(out, 0);
  out += ',';
  append_json_int(out, -1024);
  out += ',';
  append_json_int(out, std::numeric_limits<int64_t>::max());
  CHECK(out == "0,-1024,9223372036854775807");
}
