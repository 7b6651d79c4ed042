// kubectl's label selector syntax ("tier=web,env!=prod,zone in (a,b),!legacy"):
// a pure parser and matcher. Value types; safe to share between threads.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"

namespace xc {

// Bounds on what a user may pass with -l.
inline constexpr size_t kMaxSelectorLength = 4096;
inline constexpr size_t kMaxSelectorRequirements = 64;

struct LabelRequirement {
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kNotExists };
  std::string key;
  Op op = Op::kExists;
  std::set<std::string> values;  // one for = and !=, the list for in and notin
};

// The requirements are ANDed; an empty selector matches everything.
class LabelSelector {
 public:
  // Errors are kInvalidArgument and give the 1-based character position:
  // "position 6: expected '=', '==', '!=', 'in' or 'notin' after key 'tier'".
  static Result<LabelSelector> parse(const std::string& text);

  bool matches(const std::map<std::string, std::string>& labels) const;
  bool empty() const { return requirements_.empty(); }
  const std::vector<LabelRequirement>& requirements() const { return requirements_; }

 private:
  std::vector<LabelRequirement> requirements_;
};

}  // namespace xc
