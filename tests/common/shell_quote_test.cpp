#include "common/shell_quote.h"

#include <doctest/doctest.h>

using namespace xc;

TEST_CASE("shell_quote single-quotes everything and escapes single quotes") {
  CHECK(shell_quote("/tmp/a b") == "'/tmp/a b'");
  CHECK(shell_quote("it's; rm -rf /") == "'it'\\''s; rm -rf /'");
  CHECK(shell_quote("") == "''");
  CHECK(shell_quote("plain") == "'plain'");
}

TEST_CASE("shell_word leaves literal words alone and quotes the rest") {
  CHECK(shell_word("apply") == "apply");
  CHECK(shell_word("--as=alice@example.org") == "--as=alice@example.org");
  CHECK(shell_word("web-01.yaml") == "web-01.yaml");
  CHECK(shell_word("研发") == "研发");
  CHECK(shell_word("") == "''");
  CHECK(shell_word("a b") == "'a b'");
  // A glob would expand when the shown line is pasted back.
  CHECK(shell_word("*.yaml") == "'*.yaml'");
  CHECK(shell_word("vm?") == "'vm?'");
  CHECK(shell_word("$(reboot)") == "'$(reboot)'");
  CHECK(shell_word("it's") == "'it'\\''s'");
}
