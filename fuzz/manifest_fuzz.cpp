// Feeds arbitrary bytes through the YAML loader and the whole validator.
// Any crash, sanitizer report or exception escaping is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/manifest_validator.h"
#include "common/yaml_document.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  xc::YamlParse parsed = xc::parse_yaml(text, "fuzz.yaml");
  xc::ManifestSet set = xc::validate_documents(std::move(parsed.documents),
                                               std::move(parsed.errors), xc::builtin_price_caps());
  for (const auto& e : set.errors) {
    if (e.message.empty()) __builtin_trap();
  }
  return 0;
}
