// Files compiled into the binaries (JSON Schemas, the tender's price caps),
// keyed by their path relative to the source tree, e.g.
// "schemas/VirtualMachine.schema.json". Immutable; thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace xc {

const std::map<std::string, std::string_view>& embedded_files();

}  // namespace xc
