// "Did you mean" suggestions for misspelt field and kind names. Pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace xc {

size_t edit_distance(const std::string& a, const std::string& b);

// The closest candidate if it is close enough to be a likely typo.
std::optional<std::string> closest_match(const std::string& word,
                                         const std::vector<std::string>& candidates);

// " (did you mean 'X'?)" or "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace xc
