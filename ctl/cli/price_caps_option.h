// The --price-caps option shared by commands that check prices: a file that
// replaces the tender caps compiled into xcloudctl (XCLOUD_PRICE_CAPS too).
#pragma once

#include <string>

#include "common/price_caps.h"
#include "common/status.h"

namespace CLI {
class App;
}

namespace xc {

void add_price_caps_option(CLI::App& cmd, std::string& file);
// The file's caps, else $XCLOUD_PRICE_CAPS's, else the built-in ones.
Result<PriceCaps> load_price_caps_option(const std::string& file);

}  // namespace xc
