#include "ctl/playbook/playbook_vars.h"

#include <set>

#include "common/printable.h"
#include "common/spelling.h"

namespace xc {

bool is_param_name(std::string_view name) {
  if (name.empty() || name.size() > 32) return false;
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!letter(name[0])) return false;
  for (char c : name)
    if (!letter(c) && !(c >= '0' && c <= '9') && c != '_') return false;
  return true;
}

Status check_param_value(const std::string& what, const std::string& value) {
  if (value.size() > kMaxParamValueBytes)
    return error(Code::kInvalidArgument, what + ": the value is longer than " +
                                             std::to_string(kMaxParamValueBytes) + " bytes");
  if (!is_printable(value))
    return error(
        Code::kInvalidArgument,
        what + ": '" + printable(value) + "' holds control characters or bytes that are not UTF-8");
  if (!value.empty() && value[0] == '-')
    return error(Code::kInvalidArgument, what + ": '" + printable(value) +
                                             "' starts with '-' (it would read as an option)");
  return {};
}

Result<std::map<std::string, std::string>> parse_set_options(const std::vector<std::string>& sets) {
  if (sets.size() > kMaxSetOptions)
    return error(Code::kInvalidArgument,
                 "--set: at most " + std::to_string(kMaxSetOptions) + " parameters");
  std::map<std::string, std::string> out;
  for (const auto& s : sets) {
    size_t eq = s.find('=');
    std::string name = s.substr(0, eq);
    if (eq == std::string::npos || !is_param_name(name))
      return error(
          Code::kInvalidArgument,
          "--set '" + printable(excerpt(s)) +
              "': expected NAME=VALUE, NAME a letter then letters, digits or _ (32 at most)");
    std::string value = s.substr(eq + 1);
    if (Status ok = check_param_value("--set " + name, value); !ok.ok()) return ok;
    if (!out.emplace(name, value).second)
      return error(Code::kInvalidArgument, "--set " + name + ": given twice");
  }
  return out;
}

Result<std::string> substitute_params(std::string_view text,
                                      const std::map<std::string, std::string>& values) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 >= text.size() || (text[i + 1] != '{' && text[i + 1] != '$')) {
      out += text[i];
      continue;
    }
    if (text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos)
      return error(Code::kInvalidArgument, "'${' without a closing '}'");
    std::string name(text.substr(i + 2, close - i - 2));
    auto it = values.find(name);
    if (it == values.end()) {
      std::vector<std::string> names;
      for (const auto& [n, _] : values) names.push_back(n);
      return error(Code::kInvalidArgument, "unknown parameter '" + printable(excerpt(name)) + "'" +
                                               did_you_mean(name, names) +
                                               " (declare it under spec.params)");
    }
    out += it->second;
    i = close;
    if (out.size() > kMaxSubstitutedBytes) break;
  }
  if (out.size() > kMaxSubstitutedBytes)
    return error(Code::kInvalidArgument, "longer than " + std::to_string(kMaxSubstitutedBytes) +
                                             " bytes once its parameters are substituted");
  return out;
}

}  // namespace xc
