#include "common/printable.h"

#include <doctest/doctest.h>

namespace xc {

TEST_CASE("printable leaves ordinary text, Chinese included, as it is") {
  CHECK(printable("edu-portal-web-1") == "edu-portal-web-1");
  CHECK(printable("教育局 云平台") == "教育局 云平台");
  CHECK(is_printable("a b=c"));
}

TEST_CASE("printable cannot be made to print a second line or an escape sequence") {
  CHECK(printable("x\nfake.yaml:1:1: error: forged") == "x\\nfake.yaml:1:1: error: forged");
  CHECK(printable("\x1b[2J\x1b]0;title\x07") == "\\x1b[2J\\x1b]0;title\\x07");
  CHECK(printable("a\rb\tc\x7f") == "a\\rb\\tc\\x7f");
  CHECK(printable(std::string("nul\0end", 7)) == "nul\\x00end");
  CHECK_FALSE(is_printable("line\n"));
}

TEST_CASE("printable escapes the backslash so an escape cannot be faked") {
  CHECK(printable("a\\nb") == "a\\\\nb");
}

TEST_CASE("printable shows C1 controls and bidirectional overrides as code points") {
  CHECK(printable("\xc2\x9b"
                  "31m") == "\\u009b31m");  // CSI as one C1 character
  CHECK(printable("abc\xe2\x80\xae"
                  "fed") == "abc\\u202efed");  // RIGHT-TO-LEFT OVERRIDE
}

TEST_CASE("printable shows bytes that are not UTF-8 one by one") {
  CHECK(printable("\xff\xfe") == "\\xff\\xfe");
  CHECK(printable("\xc0\xaf") == "\\xc0\\xaf");           // overlong '/'
  CHECK(printable("\xed\xa0\x80") == "\\xed\\xa0\\x80");  // a surrogate
  CHECK(printable("ok\xe6\x95") == "ok\\xe6\\x95");       // truncated sequence
}

}  // namespace xc

namespace xc {

TEST_CASE("excerpt cuts long values on a character boundary and says how much is left") {
  CHECK(excerpt("short") == "short");
  CHECK(excerpt(std::string(100, 'a'), 10) == "aaaaaaaaaa...(90 more bytes)");
  CHECK(excerpt("教育局教育局", 4) == "教...(15 more bytes)");  // 3-byte characters
}

}  // namespace xc
