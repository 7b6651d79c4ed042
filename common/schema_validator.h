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
  SchemaValidator();
  ~SchemaValidator();
  SchemaValidator(const SchemaValidator&) = delete;
  SchemaValidator& operator=(const SchemaValidator&) = delete;

  // Checks apiVersion and kind, then the kind's schema. Appends every problem
  // found; returns true when the document is valid.
  bool validate(const YamlDocument& doc, std::vector<Diagnostic>& errors) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "/spec/disks/0/tier" -> "spec.disks[0].tier".
std::string field_path(const std::string& pointer);

}  // namespace xc
