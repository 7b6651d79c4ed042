// The tender's price caps (data/price-caps.yaml): the highest unit price per
// item a PriceList may set. Compiled in; a replacement file can be loaded.
// Value type.
#pragma once

#include <map>
#include <string>

#include "common/money.h"
#include "common/status.h"

namespace xc {

struct PriceCap {
  std::string item;
  std::string unit;
  std::string period;  // month or year
  Money cap;
};

struct PriceCaps {
  std::string currency = "CNY";
  std::map<std::string, PriceCap> items;
};

Result<PriceCaps> parse_price_caps(const std::string& yaml_text, const std::string& file);
// The caps compiled into the binary.
const PriceCaps& builtin_price_caps();

}  // namespace xc
