// The whole validation pipeline: read files, check each document against its
// schema, build the model, then check the set as a whole. Every error is
// collected; nothing stops at the first. Thread-compatible.
#pragma once

#include <string>
#include <vector>

#include "common/diagnostic.h"
#include "common/model.h"
#include "common/price_caps.h"
#include "common/yaml_document.h"

namespace xc {

struct ManifestSet {
  std::vector<YamlDocument> documents;  // only schema-valid ones
  std::vector<Object> objects;          // objects[i] built from documents[i]
  std::vector<Diagnostic> errors;       // sorted by file, line, column

  bool ok() const { return errors.empty(); }
};

ManifestSet load_manifest_set(const std::vector<std::string>& paths, const PriceCaps& caps);

// The same, from documents already in memory (tests, fuzzing).
ManifestSet validate_documents(std::vector<YamlDocument> documents, std::vector<Diagnostic> errors,
                               const PriceCaps& caps);

}  // namespace xc
