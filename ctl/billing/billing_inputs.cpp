#include "ctl/billing/billing_inputs.h"

#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace xc {

Result<int64_t> clock_now_ms() {
  if (const char* text = std::getenv("XCLOUD_NOW_MS"); text != nullptr && *text != '\0') {
    std::string s = text;
    size_t used = 0;
    int64_t value = 0;
    bool ok = s.find_first_not_of("0123456789") == std::string::npos;
    if (ok) {
      try {
        value = std::stoll(s, &used);
      } catch (const std::exception&) {
        ok = false;
      }
    }
    if (!ok || used != s.size()) {
      return error(Code::kInvalidArgument,
                   "XCLOUD_NOW_MS \"" + s + "\": expected milliseconds since 1970-01-01 UTC");
    }
    return value;
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

constexpr const char* kDefaultZone = "Asia/Shanghai";

}  // namespace

// Prices are read from their exact text: a JSON string as is, a number as
// JSON writes it.
Result<std::vector<PriceListInput>> stored_price_lists(Store& store) {
  auto records = store.list_resources(std::string("PriceList"));
  if (!records.ok()) return records.status();
  std::vector<PriceListInput> out;
  for (const ResourceRecord& r : *records) {
    auto bad = [&](const std::string& why) {
      return error(Code::kInvalidArgument, "price list \"" + r.name + "\": " + why);
    };
    nlohmann::json record = nlohmann::json::parse(r.spec_json, nullptr, false);
    if (!record.is_object() || !record.contains("manifest") || !record["manifest"].is_object())
      return bad("the stored record has no manifest");
    nlohmann::json spec = record["manifest"].value("spec", nlohmann::json::object());
    if (!spec.is_object()) return bad("spec is not a mapping");
    PriceListInput list;
    list.name = r.name;
    auto text = [&](const char* key, const std::string& fallback) {
      return spec.contains(key) && spec[key].is_string() ? spec[key].get<std::string>() : fallback;
    };
    list.spec.currency = text("currency", "CNY");
    list.spec.effective_from = text("effectiveFrom", "");
    list.spec.time_zone = text("timeZone", kDefaultZone);
    list.spec.charge_when_stopped =
        !(spec.contains("chargeWhenStopped") && spec["chargeWhenStopped"].is_boolean() &&
          !spec["chargeWhenStopped"].get<bool>());
    nlohmann::json prices = spec.value("prices", nlohmann::json::object());
    if (!prices.is_object()) return bad("prices is not a mapping");
    for (const auto& [item, value] : prices.items()) {
      std::string exact = value.is_string() ? value.get<std::string>() : value.dump();
      std::optional<Money> price = Money::parse(exact);
      if (!price) return bad("item \"" + item + "\": price \"" + exact + "\" is not a decimal");
      list.spec.prices[item] = *price;
    }
    out.push_back(std::move(list));
  }
  return out;
}

Result<std::vector<PriceVersion>> stored_price_history(Store& store) {
  auto lists = stored_price_lists(store);
  if (!lists.ok()) return lists.status();
  return price_history(*lists);
}

}  // namespace xc
