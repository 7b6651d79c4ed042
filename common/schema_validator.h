// Checks manifest documents against the JSON Schemas in schemas/ (compiled
// in) with valijson, and rewrites the library's messages into ones that name
// the field, the expected value and, for unknown fields, a likely spelling.
// Construct once; validate() is const and thread-safe.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/diagnostic.h"
#include "common/yaml_document.h"

namespace xc {

class SchemaValidator {
 public:
  // Every kind's schema, and `extra` other documents' (schemas/NAME.schema.json,
  // e.g. "Playbook") for validate_schema().
  explicit SchemaValidator(const std::vector<std::string>& extra = {});
  ~SchemaValidator();
  SchemaValidator(const SchemaValidator&) = delete;
  SchemaValidator& operator=(const SchemaValidator&) = delete;

  // Checks apiVersion and kind, then the kind's schema. Appends every problem
  // found; returns true when the document is valid.
  bool validate(const YamlDocument& doc, std::vector<Diagnostic>& errors) const;

  // The document against the schema `name` given to the constructor, with
  // the same messages (apiVersion and kind are the caller's to check).
  bool validate_schema(const YamlDocument& doc, const std::string& name,
                       std::vector<Diagnostic>& errors) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "/spec/disks/0/tier" -> "spec.disks[0].tier".
std::string field_path(const std::string& pointer);

}  // namespace xc
