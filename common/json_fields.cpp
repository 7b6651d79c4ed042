#include "common/json_fields.h"

namespace xc {

std::string string_field(const nlohmann::json& j, const char* key, std::string fallback) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

}  // namespace xc
