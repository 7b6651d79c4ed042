#include "common/yaml_document.h"

#include <yaml.h>

#include <charconv>
#include <map>
#include <regex>
#include <set>

namespace xc {
namespace {

nlohmann::json plain_scalar(const std::string& s) {
  static const std::regex kInt("[-+]?[0-9]+");
  static const std::regex kFloat(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (std::regex_match(s, kInt)) {
    int64_t v = 0;
    const char* begin = s.data() + (s[0] == '+' ? 1 : 0);
    auto [ptr, ec] = std::from_chars(begin, s.data() + s.size(), v);
    if (ec == std::errc() && ptr == s.data() + s.size()) return v;
    return s;  // out of range: keep the text; the schema reports the type
  }
  if (std::regex_match(s, kFloat)) return std::stod(s);
  return s;
}

bool valid_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = s[i];
    int extra = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
    if (extra < 0) return false;
    for (int k = 1; k <= extra; ++k)
      if (i + k >= s.size() || (static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    i += extra + 1;
  }
  return true;
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

  // The node starting at the current event; leaves the current event at its end.
  nlohmann::json value(const std::string& pointer, SourcePos key_pos) {
    doc_->value_pos[pointer] = mark();
    std::string anchor = anchor_of();
    nlohmann::json out;
    switch (event_.type) {
      case YAML_ALIAS_EVENT: {
        auto it = anchors_.find(reinterpret_cast<const char*>(event_.data.alias.anchor));
        if (it == anchors_.end()) {
          errors_.push_back({file_, mark(), "unknown alias", pointer});
          return nullptr;
        }
        return it->second;
      }
      case YAML_SCALAR_EVENT:
        out = scalar(pointer, key_pos);
        break;
      case YAML_SEQUENCE_START_EVENT: {
        out = nlohmann::json::array();
        size_t i = 0;
        while (next() && event_.type != YAML_SEQUENCE_END_EVENT)
          out.push_back(value(pointer_child(pointer, i++), {}));
        break;
      }
      case YAML_MAPPING_START_EVENT:
        out = mapping(pointer);
        break;
      default:
        break;
    }
    if (!anchor.empty()) anchors_[anchor] = out;
    return out;
  }

  nlohmann::json scalar(const std::string& pointer, SourcePos key_pos) {
    std::string text(reinterpret_cast<const char*>(event_.data.scalar.value),
                     event_.data.scalar.length);
    if (!valid_utf8(text)) {
      errors_.push_back({file_, mark(), "text is not valid UTF-8", pointer});
      return "";
    }
    doc_->scalar_text[pointer] = text;
    const char* tag = reinterpret_cast<const char*>(event_.data.scalar.tag);
    bool plain = event_.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                 !(tag && std::string(tag) == YAML_STR_TAG);
    // An empty value has no useful mark of its own: point at its key.
    if (plain && text.empty() && key_pos.line > 0) doc_->value_pos[pointer] = key_pos;
    return plain ? plain_scalar(text) : nlohmann::json(text);
  }

  nlohmann::json mapping(const std::string& pointer) {
    auto out = nlohmann::json::object();
    while (next() && event_.type != YAML_MAPPING_END_EVENT) {
      SourcePos key_pos = mark();
      if (event_.type != YAML_SCALAR_EVENT) {
        errors_.push_back({file_, key_pos, "mapping keys must be plain strings", pointer});
        value(pointer + "/?", {});
        next();
        value(pointer + "/?", {});
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
        value(child, key_pos);
        doc_ = real;
        continue;
      }
      doc_->key_pos[child] = key_pos;
      out[name] = value(child, key_pos);
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
  std::map<std::string, nlohmann::json> anchors_;
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
