#include "common/label_selector.h"

#include <doctest/doctest.h>

using namespace xc;

namespace {

const std::map<std::string, std::string> kWebProd = {
    {"tier", "web"}, {"env", "prod"}, {"system", "edu-portal"}};

bool selects(const std::string& text, const std::map<std::string, std::string>& labels = kWebProd) {
  auto s = LabelSelector::parse(text);
  REQUIRE_MESSAGE(s.ok(), s.status().message());
  return s->matches(labels);
}

std::string parse_error(const std::string& text) {
  auto s = LabelSelector::parse(text);
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().code() == Code::kInvalidArgument);
  return s.status().message();
}

}  // namespace

TEST_CASE("label selector equality, inequality and their combinations") {
  CHECK(selects(""));
  CHECK(selects("tier=web"));
  CHECK(selects("tier==web"));
  CHECK_FALSE(selects("tier=db"));
  CHECK(selects("tier!=db"));
  CHECK_FALSE(selects("tier!=web"));
  CHECK(selects("absent!=x"));  // kubectl: != matches objects without the key
  CHECK(selects("tier=web,env=prod"));
  CHECK_FALSE(selects("tier=web,env=test"));
  CHECK(selects(" tier = web , env != test "));
}

TEST_CASE("label selector set membership and existence") {
  CHECK(selects("tier in (web,db)"));
  CHECK(selects("tier in(web)"));
  CHECK_FALSE(selects("tier in (db, cache)"));
  CHECK(selects("tier notin (db, cache)"));
  CHECK_FALSE(selects("tier notin (web)"));
  CHECK(selects("absent notin (web)"));
  CHECK_FALSE(selects("absent in (web)"));
  CHECK(selects("tier"));
  CHECK_FALSE(selects("absent"));
  CHECK(selects("!absent"));
  CHECK_FALSE(selects("!tier"));
  CHECK(selects("tier,!legacy,env in (prod),system!=hr"));
  CHECK(selects("index=1", {{"index", "1"}}));  // a key that starts with "in"
  CHECK(selects("tier=", {{"tier", ""}}));
}

TEST_CASE("label selector errors give the position") {
  CHECK(parse_error("tier!db") == "position 6: expected '=' after '!' (found 'd')");
  CHECK(parse_error("tier<db") ==
        "position 5: expected '=', '==', '!=', 'in' or 'notin' after key 'tier' (found '<')");
  CHECK(parse_error("tier in web") == "position 9: expected '(' after 'in' (found 'w')");
  CHECK(parse_error("tier in (web") ==
        "position 13: expected ',' or ')' in the value list of 'tier' (found the end)");
  CHECK(parse_error("tier=web,") == "position 10: expected a label key (found the end)");
  CHECK(parse_error("tier=web db") ==
        "position 10: expected ',' or the end after a requirement (found 'd')");
  CHECK(parse_error("=web") == "position 1: expected a label key (found '=')");
}

TEST_CASE("label selector input is bounded") {
  CHECK(parse_error(std::string(kMaxSelectorLength + 1, 'a')) ==
        "selector longer than 4096 characters");
  std::string many;
  for (size_t i = 0; i <= kMaxSelectorRequirements; ++i)
    many += (i ? ",k" : "k") + std::to_string(i);
  CHECK(parse_error(many).find("more than 64 requirements") != std::string::npos);
}
