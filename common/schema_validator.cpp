#include "common/schema_validator.h"

#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "common/embedded_files.h"
#include "common/model.h"
#include "common/printable.h"
#include "common/spelling.h"

namespace xc {
namespace {

const char* kSchemaDir = "schemas/";

nlohmann::json load_embedded_json(const std::string& name) {
  const auto& files = embedded_files();
  auto it = files.find(kSchemaDir + name);
  if (it == files.end()) throw std::runtime_error("schema not compiled in: " + name);
  return nlohmann::json::parse(it->second);
}

std::vector<std::string> split_pointer(const std::string& pointer) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < pointer.size()) {
    size_t next = pointer.find('/', i + 1);
    std::string seg =
        pointer.substr(i + 1, next == std::string::npos ? std::string::npos : next - i - 1);
    std::string unescaped;
    for (size_t k = 0; k < seg.size(); ++k) {
      if (seg[k] == '~' && k + 1 < seg.size()) {
        unescaped += seg[k + 1] == '1' ? '/' : '~';
        ++k;
      } else {
        unescaped += seg[k];
      }
    }
    out.push_back(unescaped);
    if (next == std::string::npos) break;
    i = next;
  }
  return out;
}

std::string describe_value(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::string:
      return "string '" + excerpt(v.get<std::string>()) + "'";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return "integer " + v.dump();
    case nlohmann::json::value_t::number_float:
      return "number " + v.dump();
    case nlohmann::json::value_t::boolean:
      return "boolean " + v.dump();
    case nlohmann::json::value_t::null:
      return "nothing";
    case nlohmann::json::value_t::array:
      return "a list";
    case nlohmann::json::value_t::object:
      return "a mapping";
    default:
      return v.dump();
  }
}

std::string article_type(const std::string& type) {
  if (type == "integer") return "an integer";
  if (type == "object") return "a mapping";
  if (type == "array") return "a list";
  if (type == "boolean") return "true or false";
  if (type == "null") return "empty";
  return "a " + type;
}

std::string join_values(const nlohmann::json& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += i + 1 == values.size() ? " or " : ", ";
    out += values[i].is_string() ? values[i].get<std::string>() : values[i].dump();
  }
  return out;
}

std::string number_text(double v) {
  if (v == static_cast<double>(static_cast<int64_t>(v)))
    return std::to_string(static_cast<int64_t>(v));
  return nlohmann::json(v).dump();
}

}  // namespace

std::string field_path(const std::string& pointer) {
  std::string out;
  for (const auto& seg : split_pointer(pointer)) {
    bool index = !seg.empty() && seg.find_first_not_of("0123456789") == std::string::npos;
    if (index)
      out += "[" + seg + "]";
    else
      out += (out.empty() ? "" : ".") + seg;
  }
  return out;
}

struct SchemaValidator::Impl {
  std::map<std::string, nlohmann::json> documents;  // by file name, for $ref
  // By schema name: each kind's name, and other documents' ("Playbook").
  std::map<std::string, nlohmann::json> kind_json;
  std::map<std::string, valijson::Schema> kind_schema;
  // One validator for all documents: it caches compiled regexes, and
  // compiling them per document took most of validation's time.
  std::mutex validator_mutex;
  valijson::Validator validator{valijson::Validator::kStrongTypes};

  explicit Impl(const std::vector<std::string>& extra) {
    for (Kind kind : all_kinds()) load_schema(kind_name(kind));
    for (const auto& name : extra) load_schema(name);
  }

  // Compiles schemas/NAME.schema.json; construction only, so that the maps
  // never change while documents are checked.
  void load_schema(const std::string& kind) {
    {
      std::string file = kind + ".schema.json";
      kind_json[kind] = load_embedded_json(file);
      documents[file] = kind_json[kind];
      valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
      valijson::adapters::NlohmannJsonAdapter adapter(kind_json[kind]);
      auto fetch = [this](const std::string& uri) -> const nlohmann::json* {
        std::string name = uri.substr(uri.find_last_of('/') + 1);
        return new nlohmann::json(resolve_document(name));
      };
      auto free_doc = [](const nlohmann::json* doc) { delete doc; };
      parser.populateSchema(adapter, kind_schema[kind], fetch, free_doc);
    }
  }

  const nlohmann::json& resolve_document(const std::string& name) {
    auto it = documents.find(name);
    if (it == documents.end()) it = documents.emplace(name, load_embedded_json(name)).first;
    return it->second;
  }

  // Follows "$ref" ("#/definitions/x" or "file.json#/definitions/x").
  const nlohmann::json* deref(const nlohmann::json* schema, const nlohmann::json* root) const {
    for (int hops = 0; schema && schema->is_object() && schema->contains("$ref") && hops < 10;
         ++hops) {
      std::string ref = (*schema)["$ref"];
      size_t hash = ref.find('#');
      std::string file = ref.substr(0, hash);
      std::string fragment = hash == std::string::npos ? "" : ref.substr(hash + 1);
      if (!file.empty()) {
        auto it = documents.find(file.substr(file.find_last_of('/') + 1));
        if (it == documents.end()) return nullptr;
        root = &it->second;
      }
      nlohmann::json::json_pointer ptr(fragment);
      if (!root->contains(ptr)) return nullptr;
      schema = &(*root)[ptr];
    }
    return schema;
  }

  // The subschema that governs the node at `pointer`, or nullptr.
  const nlohmann::json* subschema_at(const std::string& kind, const nlohmann::json& instance,
                                     const std::string& pointer) const {
    const nlohmann::json* root = &kind_json.at(kind);
    const nlohmann::json* schema = deref(root, root);
    const nlohmann::json* node = &instance;
    for (const auto& seg : split_pointer(pointer)) {
      if (!schema || !node) return nullptr;
      if (node->is_array()) {
        schema = schema->contains("items") ? &(*schema)["items"] : nullptr;
        size_t i = std::stoul(seg);
        node = i < node->size() ? &(*node)[i] : nullptr;
      } else {
        if (schema->contains("properties") && (*schema)["properties"].contains(seg)) {
          schema = &(*schema)["properties"][seg];
        } else if (schema->contains("additionalProperties") &&
                   (*schema)["additionalProperties"].is_object()) {
          schema = &(*schema)["additionalProperties"];
        } else {
          return nullptr;
        }
        node = node->is_object() && node->contains(seg) ? &(*node)[seg] : nullptr;
      }
      schema = deref(schema, root);
    }
    return schema;
  }

  // Unknown fields, all of them (valijson stops at the first per object).
  void check_unknown_fields(const std::string& kind, const YamlDocument& doc,
                            const nlohmann::json& node, const std::string& pointer,
                            std::vector<Diagnostic>& errors) const {
    if (node.is_array()) {
      for (size_t i = 0; i < node.size(); ++i)
        check_unknown_fields(kind, doc, node[i], pointer_child(pointer, i), errors);
      return;
    }
    if (!node.is_object()) return;
    const nlohmann::json* schema = subschema_at(kind, doc.tree, pointer);
    if (!schema) return;
    bool closed = schema->contains("additionalProperties") &&
                  (*schema)["additionalProperties"].is_boolean() &&
                  !(*schema)["additionalProperties"].get<bool>();
    std::vector<std::string> known;
    if (schema->contains("properties")) {
      for (const auto& [key, _] : (*schema)["properties"].items()) known.push_back(key);
    }
    for (const auto& [key, value] : node.items()) {
      std::string child = pointer_child(pointer, key);
      if (closed && std::find(known.begin(), known.end(), key) == known.end()) {
        std::string where = pointer.empty() ? "" : " " + field_path(pointer);
        errors.push_back(doc.error_at_key(
            child, "unknown field '" + key + "' in " + kind + where + did_you_mean(key, known)));
        continue;
      }
      check_unknown_fields(kind, doc, value, child, errors);
    }
  }

  std::string rewrite(const std::string& kind, const YamlDocument& doc, const std::string& pointer,
                      const std::string& description) const {
    const nlohmann::json* schema = subschema_at(kind, doc.tree, pointer);
    nlohmann::json::json_pointer ptr(pointer);
    const nlohmann::json* value = doc.tree.contains(ptr) ? &doc.tree[ptr] : nullptr;
    std::string field = "'" + field_path(pointer) + "'";
    std::string got = value ? describe_value(*value) : "nothing";
    // Outside type errors the type is known; show the value as written.
    std::string shown =
        value && value->is_string() ? "'" + excerpt(value->get<std::string>()) + "'" : got;

    const std::string kMissing = "Missing required property '";
    if (description.rfind(kMissing, 0) == 0) {
      std::string name = description.substr(kMissing.size());
      name = name.substr(0, name.find('\''));
      std::string full = pointer.empty() ? name : field_path(pointer) + "." + name;
      return "missing required field '" + full + "' in " + kind;
    }
    if (!schema) return "field " + field + ": " + description;
    if (description.rfind("Value type not permitted", 0) == 0 && schema->contains("type")) {
      const auto& type = (*schema)["type"];
      std::string expected;
      if (type.is_string()) {
        expected = article_type(type);
      } else {
        for (size_t i = 0; i < type.size(); ++i)
          expected += (i ? " or " : "") + article_type(type[i]);
      }
      return "field " + field + " must be " + expected + ", got " + got;
    }
    if (description.rfind("Failed to match against any enum", 0) == 0 && schema->contains("enum")) {
      std::string word = value && value->is_string() ? value->get<std::string>() : got;
      std::vector<std::string> options;
      for (const auto& e : (*schema)["enum"])
        if (e.is_string()) options.push_back(e);
      return "field " + field + " must be one of " + join_values((*schema)["enum"]) + ", got " +
             shown + did_you_mean(word, options);
    }
    if (description.rfind("Expected number greater than or equal", 0) == 0 &&
        schema->contains("minimum"))
      return "field " + field + " must be at least " + number_text((*schema)["minimum"]) +
             ", got " + got;
    if (description.rfind("Expected number less than or equal", 0) == 0 &&
        schema->contains("maximum"))
      return "field " + field + " must be at most " + number_text((*schema)["maximum"]) + ", got " +
             got;
    if (description.rfind("Failed to match regex", 0) == 0 ||
        description.find("format") != std::string::npos ||
        description.rfind("String should be", 0) == 0) {
      std::string expected = schema->value("description", std::string());
      if (expected.empty() && schema->contains("pattern"))
        expected = "text matching " + (*schema)["pattern"].get<std::string>();
      return "field " + field + " has invalid value " + shown + ": expected " + expected;
    }
    if (description.rfind("Array should contain no fewer", 0) == 0 && schema->contains("minItems"))
      return "field " + field + " needs at least " + (*schema)["minItems"].dump() + " item(s)";
    if (description.rfind("Array should contain no more", 0) == 0 && schema->contains("maxItems"))
      return "field " + field + " allows at most " + (*schema)["maxItems"].dump() + " item(s)";
    if (description.rfind("Object should have no more than", 0) == 0 &&
        schema->contains("maxProperties"))
      return "field " + field + " allows at most " + (*schema)["maxProperties"].dump() + " entries";
    if (description.rfind("Elements at indexes", 0) == 0)
      return "field " + field + " lists the same value twice";
    return "field " + field + ": " + description;
  }

  // The schema named `kind` against the document; appends what is wrong.
  bool check(const std::string& kind, const YamlDocument& doc, std::vector<Diagnostic>& errors,
             size_t before) {
    const auto& tree = doc.tree;
    check_unknown_fields(kind, doc, tree, "", errors);

    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter target(tree);
    bool schema_ok;
    {
      std::lock_guard<std::mutex> lock(validator_mutex);
      schema_ok = validator.validate(kind_schema.at(kind), target, &results);
    }
    valijson::ValidationResults::Error e;
    while (results.popError(e)) {
      const std::string& d = e.description;
      // Wrappers that only repeat a nested error, and unknown fields (reported above).
      if (d.rfind("Failed to validate against schema associated with property", 0) == 0 ||
          d.rfind("Failed to validate item #", 0) == 0 ||
          d.rfind("Object contains a property that could not be validated", 0) == 0 ||
          d.rfind("Failed to validate against additional properties", 0) == 0 ||
          d.rfind("Failed to validate against child schema", 0) == 0) {
        continue;
      }
      // Context is ["<root>", "[spec]", "[disks]", "[0]", ...]; map it to a JSON pointer.
      std::string pointer;
      if (e.context.size() > 1 && (e.context[1] == "[apiVersion]" || e.context[1] == "[kind]"))
        continue;
      if (e.context.size() == 1 && (d == "Missing required property 'apiVersion'." ||
                                    d == "Missing required property 'kind'."))
        continue;
      for (size_t i = 1; i < e.context.size(); ++i) {
        std::string seg = e.context[i];
        if (seg.size() >= 2 && seg.front() == '[' && seg.back() == ']')
          seg = seg.substr(1, seg.size() - 2);
        pointer = pointer_child(pointer, seg);
      }
      errors.push_back(doc.error_at(pointer, rewrite(kind, doc, pointer, d)));
    }
    if (!schema_ok && errors.size() == before) {
      // Every message was a wrapper we drop; never let the document pass.
      errors.push_back(
          doc.error_at("", std::string("document does not match the ") + kind + " schema"));
    }
    return errors.size() == before;
  }
};

SchemaValidator::SchemaValidator(const std::vector<std::string>& extra)
    : impl_(std::make_unique<Impl>(extra)) {}
SchemaValidator::~SchemaValidator() = default;

bool SchemaValidator::validate(const YamlDocument& doc, std::vector<Diagnostic>& errors) const {
  const size_t before = errors.size();
  if (!doc.tree.is_object()) {
    errors.push_back(doc.error_at("",
                                  "a manifest must be a mapping with apiVersion, kind, "
                                  "metadata and spec"));
    return false;
  }
  const auto& tree = doc.tree;
  if (!tree.contains("apiVersion")) {
    errors.push_back(doc.error_at(
        "", "missing required field 'apiVersion' (expected '" + std::string(kApiVersion) + "')"));
  } else if (tree["apiVersion"] != kApiVersion) {
    errors.push_back(doc.error_at("/apiVersion", "unsupported apiVersion " +
                                                     describe_value(tree["apiVersion"]) +
                                                     " (expected '" + kApiVersion + "')"));
  }
  if (!tree.contains("kind")) {
    errors.push_back(doc.error_at("", "missing required field 'kind'"));
    return false;
  }
  std::optional<Kind> kind = tree["kind"].is_string() ? kind_from_name(tree["kind"]) : std::nullopt;
  if (!kind) {
    std::vector<std::string> names;
    for (Kind k : all_kinds()) names.push_back(kind_name(k));
    std::string word = tree["kind"].is_string() ? tree["kind"].get<std::string>() : "";
    std::string shown =
        tree["kind"].is_string() ? "'" + excerpt(word) + "'" : describe_value(tree["kind"]);
    errors.push_back(doc.error_at("/kind", "unknown kind " + shown + did_you_mean(word, names)));
    return false;
  }

  return impl_->check(kind_name(*kind), doc, errors, before);
}

bool SchemaValidator::validate_schema(const YamlDocument& doc, const std::string& name,
                                      std::vector<Diagnostic>& errors) const {
  if (!impl_->kind_schema.count(name))
    throw std::logic_error("schema " + name + " was not loaded by the constructor");
  return impl_->check(name, doc, errors, errors.size());
}

}  // namespace xc
