#include "common/yaml_document.h"

#include <charconv>
#include <regex>
#include <set>

#include <yaml-cpp/yaml.h>

namespace xc {
namespace {

SourcePos pos_of(const YAML::Mark& mark) {
  if (mark.line < 0) return {};
  return {mark.line + 1, mark.column + 1};
}

bool is_quoted_or_str(const YAML::Node& node) {
  const std::string& tag = node.Tag();
  return tag == "!" || tag == "tag:yaml.org,2002:str";
}

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

class Converter {
 public:
  Converter(YamlDocument& doc, std::vector<Diagnostic>& errors) : doc_(doc), errors_(errors) {}

  nlohmann::json convert(const YAML::Node& node, const std::string& pointer) {
    doc_.value_pos[pointer] = pos_of(node.Mark());
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        return nullptr;
      case YAML::NodeType::Scalar: {
        if (!valid_utf8(node.Scalar())) {
          errors_.push_back({doc_.file, pos_of(node.Mark()), "text is not valid UTF-8", pointer});
          return "";
        }
        doc_.scalar_text[pointer] = node.Scalar();
        if (is_quoted_or_str(node)) return node.Scalar();
        return plain_scalar(node.Scalar());
      }
      case YAML::NodeType::Sequence: {
        auto out = nlohmann::json::array();
        size_t i = 0;
        for (const auto& item : node) out.push_back(convert(item, pointer_child(pointer, i++)));
        return out;
      }
      case YAML::NodeType::Map: {
        auto out = nlohmann::json::object();
        std::set<std::string> seen;
        for (const auto& entry : node) {
          const YAML::Node& key = entry.first;
          if (!key.IsScalar()) {
            errors_.push_back({doc_.file, pos_of(key.Mark()), "mapping keys must be plain strings", pointer});
            continue;
          }
          const std::string name = key.Scalar();
          const std::string child = pointer_child(pointer, name);
          if (!seen.insert(name).second) {
            errors_.push_back({doc_.file, pos_of(key.Mark()), "duplicate key '" + name + "'", child});
            continue;
          }
          doc_.key_pos[child] = pos_of(key.Mark());
          out[name] = convert(entry.second, child);
          // An empty value has no useful mark of its own: point at its key.
          if (entry.second.IsNull() && entry.second.Tag() != "!") doc_.value_pos[child] = pos_of(key.Mark());
        }
        return out;
      }
    }
    return nullptr;
  }

 private:
  YamlDocument& doc_;
  std::vector<Diagnostic>& errors_;
};

std::string escape_segment(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
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
  std::vector<YAML::Node> nodes;
  try {
    nodes = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    out.errors.push_back({file, pos_of(e.mark), "invalid YAML: " + e.msg, ""});
    return out;
  }
  int index = 0;
  for (const auto& node : nodes) {
    if (node.IsNull()) {
      ++index;
      continue;
    }
    YamlDocument doc;
    doc.file = file;
    doc.index = index++;
    Converter converter(doc, out.errors);
    doc.tree = converter.convert(node, "");
    out.documents.push_back(std::move(doc));
  }
  return out;
}

}  // namespace xc
