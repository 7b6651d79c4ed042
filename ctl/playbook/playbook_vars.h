// Playbook parameters: `--set NAME=VALUE` read and bounded, and ${NAME}
// substituted into a step's text fields. Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace xc {

inline constexpr size_t kMaxSetOptions = 32;
inline constexpr size_t kMaxParamValueBytes = 1024;
inline constexpr size_t kMaxSubstitutedBytes = 4096;

// A parameter name: a letter, then letters, digits or '_', 32 at most.
bool is_param_name(std::string_view name);

// A value a parameter may take: at most 1024 bytes of printable UTF-8 (no
// control characters), not starting with '-' (it would read as an option
// once in a command's argv). kInvalidArgument naming `what` otherwise.
Status check_param_value(const std::string& what, const std::string& value);

// Each "NAME=VALUE", at most 32, a name given once. kInvalidArgument:
// "--set host: ..." naming what is wrong.
Result<std::map<std::string, std::string>> parse_set_options(const std::vector<std::string>& sets);

// `text` with each ${NAME} replaced by its value; "$$" is one '$'. Unknown
// names (with a "did you mean"), an unclosed "${" and results over 4096
// bytes are kInvalidArgument.
Result<std::string> substitute_params(std::string_view text,
                                      const std::map<std::string, std::string>& values);

}  // namespace xc
