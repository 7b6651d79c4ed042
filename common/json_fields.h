// Reading optional fields of an already validated JSON object (the schema
// said what may be there; these say what to use when it is not).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace xc {

// j[key] when it is a string, else `fallback`.
std::string string_field(const nlohmann::json& j, const char* key, std::string fallback = "");

}  // namespace xc
