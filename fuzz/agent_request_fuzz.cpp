// Feeds arbitrary bytes to the agent's request handling as both transports
// see it: the whole input as one HTTP request body (parse with limits, then
// dispatch), and as lines of `xcloud-agent rpc` input. The handler is an
// in-memory fake that reads the request as a method would and echoes it.
// Any crash, sanitizer report, exception escaping or limit not enforced is a bug.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "agent/request_limits.h"
#include "agent/stdio_server.h"

namespace {

xc::RpcReply echo(const nlohmann::json& request) {
  nlohmann::json id = request.contains("id") ? request["id"] : nlohmann::json();
  std::string method = request.value("method", nlohmann::json()).is_string()
                           ? request["method"].get<std::string>()
                           : "";
  nlohmann::json params = request.value("params", nlohmann::json::object());
  return nlohmann::json{{"id", id}, {"result", {{"method", method}, {"params", params}}}};
}

// Nesting of a parsed value, iteratively (the value itself may be deep).
int depth_of(const nlohmann::json& value) {
  int deepest = 0;
  std::vector<std::pair<const nlohmann::json*, int>> stack{{&value, 1}};
  while (!stack.empty()) {
    auto [v, d] = stack.back();
    stack.pop_back();
    if (!v->is_structured()) continue;
    deepest = std::max(deepest, d);
    for (const auto& child : *v) stack.emplace_back(&child, d + 1);
  }
  return deepest;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto request = xc::parse_request(text);
  if (request.ok()) {
    if (!request->is_object() || depth_of(*request) > xc::kMaxJsonDepth) __builtin_trap();
    std::string reply = echo(*request).dump();
    if (reply.empty()) __builtin_trap();
  } else if (request.status().message().empty()) {
    __builtin_trap();
  }
  std::istringstream in(text);
  std::ostringstream out;
  xc::serve_stdio(echo, in, out);
  // Every reply line must itself be valid JSON.
  std::istringstream lines(out.str());
  std::string line;
  while (std::getline(lines, line)) {
    if (!nlohmann::json::accept(line)) __builtin_trap();
  }
  return 0;
}
