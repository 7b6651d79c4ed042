#include "agent/stdio_server.h"

#include <iostream>
#include <string>

namespace xc {

int serve_stdio(const RpcHandler& handler, std::istream& in, std::ostream& out) {
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::string response;
    auto request = nlohmann::json::parse(line, nullptr, false);
    if (request.is_discarded()) {
      response =
          nlohmann::json{
              {"id", nullptr},
              {"error", {{"code", "invalid_argument"}, {"message", "request: not valid JSON"}}}}
              .dump();
    } else {
      response = handler(request).dump();
    }
    response += '\n';
    out.write(response.data(), static_cast<std::streamsize>(response.size()));
    out.flush();
  }
  return 0;
}

}  // namespace xc
