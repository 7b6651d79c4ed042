#include "common/yaml_document.h"

#include <yaml.h>

#include <charconv>
#include <map>
#include <optional>
#include <set>

#include "common/printable.h"
#include "common/utf8.h"

namespace xc {
namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// YAML 1.2 core schema integers and floats, checked by hand: std::regex
// recurses per character and overflows the stack on long scalars.
bool is_int_text(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  return all_digits(s);
}

bool is_float_text(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  size_t exponent = s.find_first_of("eE");
  std::string_view mantissa = s.substr(0, exponent);
  if (exponent != std::string_view::npos) {
    std::string_view e = s.substr(exponent + 1);
    if (!e.empty() && (e[0] == '-' || e[0] == '+')) e.remove_prefix(1);
    if (!all_digits(e)) return false;
  }
  size_t dot = mantissa.find('.');
  if (dot == std::string_view::npos) return all_digits(mantissa);
  std::string_view whole = mantissa.substr(0, dot), fraction = mantissa.substr(dot + 1);
  if (whole.empty()) return all_digits(fraction);
  return all_digits(whole) && (fraction.empty() || all_digits(fraction));
}

// The typed value of a plain scalar, or nothing for a number that does not
// fit an int64 or a double (1e400, 1e-400, 2^63).
std::optional<nlohmann::json> plain_scalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  const char* begin = s.data() + (!s.empty() && s[0] == '+' ? 1 : 0);
  const char* end = s.data() + s.size();
  if (is_int_text(s)) {
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(begin, end, v);
    if (ec == std::errc() && ptr == end) return nlohmann::json(v);
    return std::nullopt;
  }
  if (is_float_text(s)) {
    double v = 0;
    auto [ptr, ec] = std::from_chars(begin, end, v);
    if (ec == std::errc() && ptr == end) return nlohmann::json(v);
    return std::nullopt;
  }
  return nlohmann::json(s);
}

// Builds JSON from libyaml's event stream. libyaml rather than yaml-cpp:
// yaml-cpp 0.7 loops forever on some malformed input (found by fuzzing),
// while libyaml reports every syntax error with its position.
class EventReader {
 public:
  EventReader(std::string_view text, const std::string& file, std::vector<Diagnostic>& errors)
      : text_(text), file_(file), errors_(errors) {
    yaml_parser_initialize(&parser_);
    yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(text.data()),
                                 text.size());
  }
  ~EventReader() {
    if (has_event_) yaml_event_delete(&event_);
    yaml_parser_delete(&parser_);
  }

  // Reads every document; stops at the first syntax error (reported).
  std::vector<YamlDocument> read_all() {
    std::vector<YamlDocument> docs;
    int index = 0;
    try {
      while (next() && event_.type != YAML_STREAM_END_EVENT) {
        if (event_.type != YAML_DOCUMENT_START_EVENT) continue;
        YamlDocument doc;
        doc.file = file_;
        doc.index = index++;
        doc_ = &doc;
        anchors_.clear();
        nodes_ = 0;
        if (!next()) break;
        doc.tree = value("", {});
        if (!next()) break;  // DOCUMENT_END
        if (!doc.tree.is_null()) docs.push_back(std::move(doc));
      }
    } catch (const SyntaxError&) {
    }
    return docs;
  }

 private:
  struct SyntaxError {};

  bool next() {
    if (has_event_) yaml_event_delete(&event_);
    has_event_ = yaml_parser_parse(&parser_, &event_) == 1;
    if (!has_event_) {
      SourcePos pos{static_cast<int>(parser_.problem_mark.line) + 1,
                    static_cast<int>(parser_.problem_mark.column) + 1};
      if (parser_.error == YAML_READER_ERROR) pos = position_of_offset(parser_.problem_offset);
      std::string message = "invalid YAML: ";
      message += parser_.problem ? parser_.problem : "syntax error";
      if (parser_.context) message += std::string(" ") + parser_.context;
      errors_.push_back({file_, pos, message, ""});
      throw SyntaxError{};
    }
    return true;
  }

  // Reader errors (bad encoding) carry a byte offset instead of a mark.
  SourcePos position_of_offset(size_t offset) const {
    SourcePos pos{1, 1};
    for (size_t i = 0; i < offset && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++pos.line;
        pos.column = 1;
      } else if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) {
        ++pos.column;
      }
    }
    return pos;
  }

  SourcePos mark() const {
    return {static_cast<int>(event_.start_mark.line) + 1,
            static_cast<int>(event_.start_mark.column) + 1};
  }

  std::string anchor_of() const {
    const yaml_char_t* a = nullptr;
    if (event_.type == YAML_SCALAR_EVENT) a = event_.data.scalar.anchor;
    if (event_.type == YAML_SEQUENCE_START_EVENT) a = event_.data.sequence_start.anchor;
    if (event_.type == YAML_MAPPING_START_EVENT) a = event_.data.mapping_start.anchor;
    return a ? reinterpret_cast<const char*>(a) : "";
  }

  // Stops reading at a limit, with the position where it was crossed.
  [[noreturn]] void limit_reached(const std::string& pointer, std::string message) {
    errors_.push_back({file_, mark(), std::move(message), pointer});
    throw SyntaxError{};
  }

  void count_nodes(const std::string& pointer, size_t count) {
    nodes_ += count;
    if (nodes_ > YamlLimits::kMaxNodes)
      limit_reached(pointer, "the document has more than " + std::to_string(YamlLimits::kMaxNodes) +
                                 " values (aliases count once per use); a manifest never needs "
                                 "that many: split it into documents");
  }

  // The node starting at the current event; leaves the current event at its end.
  nlohmann::json value(const std::string& pointer, SourcePos key_pos, int depth = 0) {
    doc_->value_pos[pointer] = mark();
    std::string anchor = anchor_of();
    const size_t nodes_before = nodes_;
    nlohmann::json out;
    switch (event_.type) {
      case YAML_ALIAS_EVENT: {
        auto it = anchors_.find(reinterpret_cast<const char*>(event_.data.alias.anchor));
        if (it == anchors_.end()) {
          errors_.push_back({file_, mark(), "unknown alias", pointer});
          return nullptr;
        }
        count_nodes(pointer, it->second.nodes);
        return it->second.value;
      }
      case YAML_SCALAR_EVENT:
        count_nodes(pointer, 1);
        out = scalar(pointer, key_pos);
        break;
      case YAML_SEQUENCE_START_EVENT: {
        enter(pointer, depth);
        out = nlohmann::json::array();
        size_t i = 0;
        while (next() && event_.type != YAML_SEQUENCE_END_EVENT)
          out.push_back(value(pointer_child(pointer, i++), {}, depth + 1));
        break;
      }
      case YAML_MAPPING_START_EVENT:
        enter(pointer, depth);
        out = mapping(pointer, depth);
        break;
      default:
        break;
    }
    if (!anchor.empty()) anchors_[anchor] = {out, nodes_ - nodes_before};
    return out;
  }

  // A mapping or sequence: one node, one level deeper.
  void enter(const std::string& pointer, int depth) {
    if (depth >= YamlLimits::kMaxDepth)
      limit_reached(pointer, "nesting deeper than " + std::to_string(YamlLimits::kMaxDepth) +
                                 " levels; a manifest never needs that many");
    count_nodes(pointer, 1);
  }

  nlohmann::json scalar(const std::string& pointer, SourcePos key_pos) {
    std::string text(reinterpret_cast<const char*>(event_.data.scalar.value),
                     event_.data.scalar.length);
    if (!is_valid_utf8(text)) {
      errors_.push_back({file_, mark(), "text is not valid UTF-8", pointer});
      return "";
    }
    doc_->scalar_text[pointer] = text;
    const char* tag = reinterpret_cast<const char*>(event_.data.scalar.tag);
    bool plain = event_.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                 !(tag && std::string(tag) == YAML_STR_TAG);
    // An empty value has no useful mark of its own: point at its key.
    if (plain && text.empty() && key_pos.line > 0) doc_->value_pos[pointer] = key_pos;
    if (!plain) return text;
    std::optional<nlohmann::json> typed = plain_scalar(text);
    if (!typed) {
      errors_.push_back(
          {file_, mark(),
           "number " + excerpt(text) + " is out of range; quote it if it is meant as text",
           pointer});
      return text;
    }
    return *typed;
  }

  nlohmann::json mapping(const std::string& pointer, int depth) {
    auto out = nlohmann::json::object();
    while (next() && event_.type != YAML_MAPPING_END_EVENT) {
      SourcePos key_pos = mark();
      if (event_.type != YAML_SCALAR_EVENT) {
        errors_.push_back({file_, key_pos, "mapping keys must be plain strings", pointer});
        value(pointer + "/?", {}, depth + 1);
        next();
        value(pointer + "/?", {}, depth + 1);
        continue;
      }
      std::string name(reinterpret_cast<const char*>(event_.data.scalar.value),
                       event_.data.scalar.length);
      std::string child = pointer_child(pointer, name);
      next();
      if (out.contains(name)) {
        errors_.push_back({file_, key_pos, "duplicate key '" + name + "'", child});
        YamlDocument* real = doc_;
        YamlDocument scratch;  // parse and drop the duplicate's value
        doc_ = &scratch;
        value(child, key_pos, depth + 1);
        doc_ = real;
        continue;
      }
      doc_->key_pos[child] = key_pos;
      out[name] = value(child, key_pos, depth + 1);
    }
    return out;
  }

  std::string_view text_;
  const std::string& file_;
  std::vector<Diagnostic>& errors_;
  yaml_parser_t parser_;
  yaml_event_t event_;
  bool has_event_ = false;
  YamlDocument* doc_ = nullptr;
  struct Anchored {
    nlohmann::json value;
    size_t nodes = 0;  // what one use of its alias adds to the document
  };
  std::map<std::string, Anchored> anchors_;
  size_t nodes_ = 0;
};

std::string escape_segment(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

SourcePos lookup_upwards(const std::unordered_map<std::string, SourcePos>& map,
                         std::string_view pointer) {
  std::string p(pointer);
  while (true) {
    auto it = map.find(p);
    if (it != map.end()) return it->second;
    if (p.empty()) return {};
    p.erase(p.rfind('/'));
  }
}

}  // namespace

std::string pointer_child(std::string_view pointer, std::string_view key) {
  return std::string(pointer) + "/" + escape_segment(key);
}

std::string pointer_child(std::string_view pointer, size_t index) {
  return std::string(pointer) + "/" + std::to_string(index);
}

SourcePos YamlDocument::position(std::string_view pointer) const {
  return lookup_upwards(value_pos, pointer);
}

SourcePos YamlDocument::key_position(std::string_view pointer) const {
  auto it = key_pos.find(std::string(pointer));
  if (it != key_pos.end()) return it->second;
  return position(pointer);
}

Diagnostic YamlDocument::error_at(std::string_view pointer, std::string message) const {
  return {file, position(pointer), std::move(message), std::string(pointer)};
}

Diagnostic YamlDocument::error_at_key(std::string_view pointer, std::string message) const {
  return {file, key_position(pointer), std::move(message), std::string(pointer)};
}

YamlParse parse_yaml(std::string_view text, const std::string& file) {
  YamlParse out;
  EventReader reader(text, file, out.errors);
  out.documents = reader.read_all();
  return out;
}

}  // namespace xc
