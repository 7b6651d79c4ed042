#include "ctl/cli/price_caps_option.h"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace xc {

void add_price_caps_option(CLI::App& cmd, std::string& file) {
  cmd.add_option("--price-caps", file,
                 "Price caps file replacing the tender's built-in caps (or $XCLOUD_PRICE_CAPS)");
}

Result<PriceCaps> load_price_caps_option(const std::string& file) {
  std::string path = file;
  if (path.empty()) {
    const char* env = std::getenv("XCLOUD_PRICE_CAPS");
    if (env && *env) path = env;
  }
  if (path.empty()) return builtin_price_caps();
  std::ifstream in(path);
  if (!in) return error(Code::kNotFound, "price caps file " + path + " cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  return parse_price_caps(text.str(), path);
}

}  // namespace xc
