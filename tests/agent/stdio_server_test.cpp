#include "agent/stdio_server.h"

#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "agent/request_limits.h"

namespace xc {
namespace {

using nlohmann::json;

// Serves `input` with a handler that echoes the method; returns the replies.
std::vector<json> serve(const std::string& input, int* calls) {
  std::istringstream in(input);
  std::ostringstream out;
  CHECK(serve_stdio(
            [calls](const json& request) {
              ++*calls;
              return json{{"id", request["id"]}, {"result", request["method"]}};
            },
            in, out) == 0);
  std::vector<json> replies;
  std::istringstream lines(out.str());
  for (std::string line; std::getline(lines, line);) replies.push_back(json::parse(line));
  return replies;
}

TEST_CASE("rpc mode: a line past the size limit is answered and skipped, the next one served") {
  int calls = 0;
  std::string huge(kMaxRequestBytes + 10, '[');
  auto replies = serve(huge + "\n{\"id\":2,\"method\":\"host.facts\"}\n", &calls);
  REQUIRE(replies.size() == 2);
  CHECK(replies[0]["error"]["message"] == "request: longer than 4194304 bytes");
  CHECK(replies[1]["result"] == "host.facts");
  CHECK(calls == 1);
}

TEST_CASE("rpc mode: deep nesting and invalid UTF-8 are refused like other bad requests") {
  int calls = 0;
  auto replies = serve(std::string(100'000, '[') + "\n{\"id\":1,\"method\":\"a\xff\"}\n", &calls);
  REQUIRE(replies.size() == 2);
  CHECK(replies[0]["error"]["code"] == "invalid_argument");
  CHECK(replies[0]["error"]["message"] == "request: JSON nested deeper than 64 levels");
  CHECK(replies[1]["error"]["message"] ==
        "request: invalid JSON: parse error at line 1, column 20: syntax error while parsing "
        "value - invalid string: ill-formed UTF-8 byte; last read: '\"a\\xff'");
  CHECK(calls == 0);
}

TEST_CASE("rpc mode: a last line without a newline is still served") {
  int calls = 0;
  auto replies = serve("{\"id\":1,\"method\":\"m\"}", &calls);
  REQUIRE(replies.size() == 1);
  CHECK(replies[0]["result"] == "m");
}

}  // namespace
}  // namespace xc
