#include "agent/stdio_server.h"

#include <iostream>
#include <string>

namespace xc {

int serve_stdio(const RpcHandler& handler, std::istream& in, std::ostream& out) {
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json response;
    auto request = nlohmann::json::parse(line, nullptr, false);
    if (request.is_discarded()) {
      response = {{"id", nullptr},
                  {"error", {{"code", "invalid_argument"}, {"message", "request: not valid JSON"}}}};
    } else {
      response = handler(request);
    }
    out << response.dump() << "\n" << std::flush;
  }
  return 0;
}

}  // namespace xc
