#include "agent/request_limits.h"

#include "common/printable.h"

namespace xc {
namespace {

// Checks nesting and the number of values without building anything, so a
// request past the limits costs no memory. Brackets inside strings do not count.
Status check_shape(std::string_view text) {
  if (text.size() > kMaxRequestBytes) {
    return error(Code::kInvalidArgument,
                 "larger than " + std::to_string(kMaxRequestBytes) + " bytes");
  }
  int depth = 0;
  size_t values = 1;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > kMaxJsonDepth) {
          return error(Code::kInvalidArgument,
                       "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
        }
        [[fallthrough]];
      case ',':
        if (++values > kMaxJsonValues) {
          return error(Code::kInvalidArgument,
                       "more than " + std::to_string(kMaxJsonValues) + " JSON values");
        }
        break;
      case ']':
      case '}':
        --depth;
        break;
      default:
        break;
    }
  }
  return Status::ok_status();
}

}  // namespace

Result<nlohmann::json> parse_request(std::string_view text) {
  Status shape = check_shape(text);
  if (!shape.ok()) return shape;
  nlohmann::json request;
  try {
    request = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    std::string what = e.what();
    auto bracket = what.find("] ");
    if (bracket != std::string::npos) what = what.substr(bracket + 2);
    // nlohmann quotes the bytes it last read: they are the client's.
    return error(Code::kInvalidArgument, "invalid JSON: " + printable(what));
  }
  if (!request.is_object()) return error(Code::kInvalidArgument, "not a JSON object");
  return request;
}

std::string dump_json(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace xc
