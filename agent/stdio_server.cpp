#include "agent/stdio_server.h"

#include <unistd.h>

#include <iostream>
#include <string>

#include "agent/request_limits.h"
#include "common/status.h"

namespace xc {
namespace {

enum class LineRead { kLine, kTooLong, kEnd };

// Reads up to the next newline into `line`, keeping at most `limit` bytes: a
// longer line is consumed to its end and reported as kTooLong.
LineRead read_line(std::istream& in, std::string& line, size_t limit) {
  line.clear();
  std::streambuf* buf = in.rdbuf();
  bool too_long = false;
  for (;;) {
    int c = buf->sbumpc();
    if (c == std::char_traits<char>::eof()) {
      in.setstate(std::ios::eofbit);
      if (too_long) return LineRead::kTooLong;
      return line.empty() ? LineRead::kEnd : LineRead::kLine;
    }
    if (c == '\n') return too_long ? LineRead::kTooLong : LineRead::kLine;
    if (too_long) continue;
    if (line.size() == limit) {
      too_long = true;
      line.clear();
      line.shrink_to_fit();
      continue;
    }
    line += static_cast<char>(c);
  }
}

std::string request_error(const std::string& message) {
  nlohmann::json response = {
      {"id", nullptr},
      {"error", {{"code", code_name(Code::kInvalidArgument)}, {"message", "request: " + message}}}};
  return dump_json(response);
}

void write_line(std::ostream& out, std::string line) {
  line += '\n';
  out.write(line.data(), static_cast<std::streamsize>(line.size()));
  out.flush();
}

bool is_console_open(const nlohmann::json& request) {
  auto method = request.find("method");
  return method != request.end() && method->is_string() && *method == "console.open";
}

// Answers "console.open" and, when the console opened, pumps it over the
// channel until the session ends. Returns whether the channel was used up.
bool serve_console(const nlohmann::json& request, const StdioConsole& console, std::ostream& out) {
  auto found = request.find("id");
  const nlohmann::json id = found != request.end() ? *found : nlohmann::json();
  const auto params = request.find("params");
  auto target = console.open(
      params != request.end() && params->is_object() ? *params : nlohmann::json::object());
  if (!target.ok()) {
    nlohmann::json response = {
        {"id", id},
        {"error",
         {{"code", code_name(target.status().code())}, {"message", target.status().message()}}}};
    write_line(out, dump_json(response));
    return false;
  }
  write_line(out, dump_json({{"id", id}, {"result", {{"console", (*target)->describe()}}}}));
  FdChannel channel(console.in_fd, console.out_fd);
  FdChannel guest((*target)->fd(), (*target)->fd());
  PumpResult r = pump(channel, guest, console.limits);
  std::cerr << "xcloud-agent: console " << (*target)->describe()
            << " ended: " << pump_end_text(r.end) << ", " << r.to_remote << " bytes to the guest, "
            << r.from_remote << " from it\n";
  return true;
}

}  // namespace

int serve_stdio(const RpcHandler& handler, std::istream& in, std::ostream& out,
                const StdioConsole* console) {
  std::string line;
  for (;;) {
    LineRead read = read_line(in, line, kMaxRequestBytes);
    if (read == LineRead::kEnd) break;
    std::string response;
    if (read == LineRead::kTooLong) {
      response = request_error("longer than " + std::to_string(kMaxRequestBytes) + " bytes");
    } else if (line.find_first_not_of(" \t\r") == std::string::npos) {
      continue;
    } else if (auto request = parse_request(line); !request.ok()) {
      response = request_error(request.status().message());
    } else if (console != nullptr && is_console_open(*request)) {
      if (serve_console(*request, *console, out)) break;
      continue;
    } else {
      response = handler(*request).dump();
    }
    response += '\n';
    out.write(response.data(), static_cast<std::streamsize>(response.size()));
    out.flush();
  }
  return 0;
}

}  // namespace xc
