#include "ctl/cli/json_yaml.h"

#include <yaml-cpp/yaml.h>

namespace xc {
namespace {

void emit(YAML::Emitter& out, const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [k, x] : v.items()) {
        out << YAML::Key << k << YAML::Value;
        emit(out, x);
      }
      out << YAML::EndMap;
      break;
    case nlohmann::json::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& x : v) emit(out, x);
      out << YAML::EndSeq;
      break;
    case nlohmann::json::value_t::string: {
      const std::string& s = v.get_ref<const std::string&>();
      // Quote text that would read back as another type (numbers, booleans, null).
      bool ambiguous = s.empty() || s == "true" || s == "false" || s == "null" || s == "~" ||
                       s.find_first_not_of("0123456789.-+eE") == std::string::npos;
      if (ambiguous) out << YAML::DoubleQuoted;
      out << s;
      break;
    }
    case nlohmann::json::value_t::null:
      out << YAML::Null;
      break;
    case nlohmann::json::value_t::boolean:
      out << v.get<bool>();
      break;
    default:
      out << v.dump();
      break;
  }
}

}  // namespace

std::string json_text(const nlohmann::json& value) {
  return value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string json_text(const nlohmann::ordered_json& value) {
  return value.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string json_to_yaml(const nlohmann::json& value) {
  YAML::Emitter out;
  out.SetOutputCharset(YAML::EscapeNonAscii);
  out.SetOutputCharset(YAML::EmitNonAscii);
  emit(out, nlohmann::json::parse(json_text(value)));  // valid UTF-8 only
  return std::string(out.c_str()) + "\n";
}

}  // namespace xc
