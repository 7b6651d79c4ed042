// Writes a JSON value as YAML (for -o yaml), via yaml-cpp's emitter.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace xc {

std::string json_to_yaml(const nlohmann::json& value);

}  // namespace xc
