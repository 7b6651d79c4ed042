// What one agent request may be: its size, and the nesting and number of
// values of its JSON. Both transports (HTTPS and `xcloud-agent rpc` over SSH)
// check a request here before parsing it into a tree. Pure functions; safe
// from any thread.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

#include "common/status.h"

namespace xc {

// The largest request body, counted as received after any transfer decoding
// (compressed bodies are refused). A real request is a few kilobytes; a
// security group of thousands of rules stays far below this.
constexpr size_t kMaxRequestBytes = 4u << 20;
// A real request nests about 6 levels (params.spec.disks[0]...).
constexpr int kMaxJsonDepth = 64;
// A tree of this many values takes about 10 MB; real requests have hundreds.
constexpr size_t kMaxJsonValues = 100'000;

// Parses one request: JSON text within the limits above, an object at the
// top. Errors are kInvalidArgument with a message such as "invalid JSON:
// parse error at line 1, column 7: ..." (client text in it is escaped).
Result<nlohmann::json> parse_request(std::string_view text);

// Dumps `value` with invalid UTF-8 replaced by U+FFFD instead of throwing.
std::string dump_json(const nlohmann::json& value);

}  // namespace xc
