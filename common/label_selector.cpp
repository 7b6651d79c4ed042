// The label selector's recursive-descent parser over one input string, and
// its matcher. Pure.
#include "common/label_selector.h"

#include <cctype>

namespace xc {
namespace {

bool is_key_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
         c == '/';
}

bool is_value_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

class Parser {
 public:
  explicit Parser(const std::string& text) : text_(text) {}

  Result<std::vector<LabelRequirement>> parse() {
    std::vector<LabelRequirement> out;
    skip_spaces();
    if (at_end()) return out;
    while (true) {
      if (out.size() == kMaxSelectorRequirements)
        return fail("more than " + std::to_string(kMaxSelectorRequirements) + " requirements");
      auto r = requirement();
      if (!r.ok()) return r.status();
      out.push_back(std::move(*r));
      skip_spaces();
      if (at_end()) return out;
      if (!eat(',')) return fail("expected ',' or the end after a requirement");
      skip_spaces();
    }
  }

 private:
  Result<LabelRequirement> requirement() {
    LabelRequirement r;
    bool negated = eat('!');
    if (negated) skip_spaces();
    auto key = word(is_key_char, "a label key");
    if (!key.ok()) return key.status();
    r.key = *key;
    skip_spaces();
    if (negated) {
      r.op = LabelRequirement::Op::kNotExists;
      return r;
    }
    if (at_end() || peek() == ',') {
      r.op = LabelRequirement::Op::kExists;
      return r;
    }
    if (eat('!')) {
      if (!eat('=')) return fail("expected '=' after '!'");
      r.op = LabelRequirement::Op::kNotEquals;
    } else if (eat('=')) {
      eat('=');
      r.op = LabelRequirement::Op::kEquals;
    } else if (keyword("notin")) {
      r.op = LabelRequirement::Op::kNotIn;
    } else if (keyword("in")) {
      r.op = LabelRequirement::Op::kIn;
    } else {
      return fail("expected '=', '==', '!=', 'in' or 'notin' after key '" + r.key + "'");
    }
    skip_spaces();
    if (r.op == LabelRequirement::Op::kEquals || r.op == LabelRequirement::Op::kNotEquals) {
      r.values.insert(value_chars());
      return r;
    }
    if (!eat('(')) return fail("expected '(' after '" + std::string(op_word(r.op)) + "'");
    while (true) {
      skip_spaces();
      r.values.insert(value_chars());
      skip_spaces();
      if (eat(')')) return r;
      if (!eat(',')) return fail("expected ',' or ')' in the value list of '" + r.key + "'");
    }
  }

  static const char* op_word(LabelRequirement::Op op) {
    return op == LabelRequirement::Op::kIn ? "in" : "notin";
  }

  // A keyword followed by a space or '(' (so a key named "index" is a key).
  bool keyword(const std::string& w) {
    if (text_.compare(pos_, w.size(), w) != 0) return false;
    size_t after = pos_ + w.size();
    if (after < text_.size() && (text_[after] == '(' || text_[after] == ' ')) {
      pos_ = after;
      return true;
    }
    return false;
  }

  template <typename Pred>
  Result<std::string> word(Pred ok_char, const char* what) {
    size_t start = pos_;
    while (!at_end() && ok_char(peek())) ++pos_;
    if (start == pos_) return fail(std::string("expected ") + what);
    return text_.substr(start, pos_ - start);
  }

  // A value may be empty ("tier=" matches an empty value).
  std::string value_chars() {
    size_t start = pos_;
    while (!at_end() && is_value_char(peek())) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  Status fail(const std::string& message) const {
    std::string found = at_end() ? "the end" : std::string("'") + peek() + "'";
    return error(Code::kInvalidArgument, "position " + std::to_string(pos_ + 1) + ": " + message +
                                             " (found " + found + ")");
  }

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }
  bool eat(char c) {
    if (at_end() || peek() != c) return false;
    ++pos_;
    return true;
  }
  void skip_spaces() {
    while (!at_end() && peek() == ' ') ++pos_;
  }

  const std::string& text_;
  size_t pos_ = 0;
};

}  // namespace

Result<LabelSelector> LabelSelector::parse(const std::string& text) {
  if (text.size() > kMaxSelectorLength)
    return error(Code::kInvalidArgument,
                 "selector longer than " + std::to_string(kMaxSelectorLength) + " characters");
  auto requirements = Parser(text).parse();
  if (!requirements.ok()) return requirements.status();
  LabelSelector s;
  s.requirements_ = std::move(*requirements);
  return s;
}

bool LabelSelector::matches(const std::map<std::string, std::string>& labels) const {
  for (const auto& r : requirements_) {
    auto it = labels.find(r.key);
    bool has = it != labels.end();
    bool in_values = has && r.values.count(it->second) > 0;
    bool ok = false;
    switch (r.op) {
      case LabelRequirement::Op::kExists:
        ok = has;
        break;
      case LabelRequirement::Op::kNotExists:
        ok = !has;
        break;
      case LabelRequirement::Op::kEquals:
      case LabelRequirement::Op::kIn:
        ok = in_values;
        break;
      case LabelRequirement::Op::kNotEquals:
      case LabelRequirement::Op::kNotIn:
        ok = !in_values;
        break;
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace xc
