// Writing JSON text directly into a string, for replies too large to build
// as a JSON tree first: the structure is written here, each value is escaped
// by nlohmann. Compact and byte-for-byte what dump() writes for the whole
// tree, except that invalid UTF-8 becomes U+FFFD where dump() would throw.
// Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace xc {

// Appends `text` as a quoted, escaped JSON string.
void append_json_string(std::string& out, std::string_view text);
void append_json_int(std::string& out, int64_t value);

// Appends `"key":` (keys are the caller's ASCII literals, not escaped).
inline void append_json_key(std::string& out, std::string_view key) {
  out += '"';
  out += key;
  out += "\":";
}

}  // namespace xc
