// Writes a JSON value for -o json and -o yaml (via yaml-cpp's emitter).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace xc {

std::string json_to_yaml(const nlohmann::json& value);

// Indented JSON for output. Text that is not UTF-8 (a name a host reported)
// is written with U+FFFD instead of throwing.
std::string json_text(const nlohmann::json& value);
std::string json_text(const nlohmann::ordered_json& value);

}  // namespace xc
