// Turns YAML text into a JSON tree while remembering where every node came
// from, so later checks can point at file:line:col. Pure; thread-compatible.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/diagnostic.h"

namespace xc {

// One YAML document of a manifest file.
struct YamlDocument {
  std::string file;
  int index = 0;  // position of the document inside its file, from 0
  nlohmann::json tree;
  // Keyed by JSON pointer ("/spec/disks/0/sizeGiB").
  std::unordered_map<std::string, SourcePos> value_pos;
  std::unordered_map<std::string, SourcePos> key_pos;
  // The exact text of every scalar, for values that must not go through a
  // double (prices).
  std::unordered_map<std::string, std::string> scalar_text;

  // Position of the node at `pointer`, or of its nearest ancestor.
  SourcePos position(std::string_view pointer) const;
  // Position of the key that names the node at `pointer`, else its value.
  SourcePos key_position(std::string_view pointer) const;
  Diagnostic error_at(std::string_view pointer, std::string message) const;
  Diagnostic error_at_key(std::string_view pointer, std::string message) const;
};

// Limits no real manifest reaches; past them the reader stops with an error
// at the position where the limit was crossed, so hostile input can neither
// exhaust memory nor the stack.
struct YamlLimits {
  static constexpr int kMaxDepth = 64;  // nested mappings and sequences
  // Nodes of one document, every alias counted at the size of what it names
  // (a "billion laughs" document stops here instead of filling memory).
  static constexpr size_t kMaxNodes = 100'000;
  static constexpr size_t kMaxFileBytes = 16u << 20;   // one file, or stdin
  static constexpr size_t kMaxTotalBytes = 64u << 20;  // all files of one command
  static constexpr size_t kMaxFiles = 10'000;          // files under the paths given
};

struct YamlParse {
  std::vector<YamlDocument> documents;  // empty documents are skipped
  std::vector<Diagnostic> errors;
};

// Parses every document of `text`. Scalars are typed as YAML 1.2's core
// schema does: quoted scalars are strings; plain ones may be null, bool,
// integer or float.
YamlParse parse_yaml(std::string_view text, const std::string& file);

// Appends one JSON pointer segment, escaped per RFC 6901.
std::string pointer_child(std::string_view pointer, std::string_view key);
std::string pointer_child(std::string_view pointer, size_t index);

}  // namespace xc
