#include "common/price_caps.h"

#include <yaml-cpp/yaml.h>

#include "common/embedded_files.h"

namespace xc {

Result<PriceCaps> parse_price_caps(const std::string& yaml_text, const std::string& file) {
  PriceCaps caps;
  try {
    YAML::Node root = YAML::Load(yaml_text);
    if (root["currency"]) caps.currency = root["currency"].as<std::string>();
    for (const auto& entry : root["items"]) {
      PriceCap cap;
      cap.item = entry["item"].as<std::string>();
      cap.unit = entry["unit"] ? entry["unit"].as<std::string>() : "";
      cap.period = entry["period"] ? entry["period"].as<std::string>() : "month";
      auto money = Money::parse(entry["cap"].as<std::string>());
      if (!money) {
        return error(Code::kInvalidArgument,
                     file + ": cap of item '" + cap.item + "' is not a decimal number");
      }
      cap.cap = *money;
      caps.items[cap.item] = cap;
    }
  } catch (const YAML::Exception& e) {
    return error(Code::kInvalidArgument, file + ":" + std::to_string(e.mark.line + 1) +
                                             ": invalid price caps file: " + e.msg);
  }
  if (caps.items.empty()) return error(Code::kInvalidArgument, file + ": no price caps found");
  return caps;
}

const PriceCaps& builtin_price_caps() {
  static const PriceCaps caps = [] {
    const auto& files = embedded_files();
    auto parsed =
        parse_price_caps(std::string(files.at("data/price-caps.yaml")), "price-caps.yaml");
    return parsed.ok() ? *parsed : PriceCaps{};
  }();
  return caps;
}

}  // namespace xc
