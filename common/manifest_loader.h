// Reads manifest files and folders (recursively, *.yaml and *.yml, in sorted
// order) into YAML documents with positions. Thread-compatible.
#pragma once

#include <string>
#include <vector>

#include "common/yaml_document.h"

namespace xc {

struct ManifestFiles {
  std::vector<YamlDocument> documents;
  std::vector<Diagnostic> errors;  // unreadable paths and YAML syntax errors
};

// "-" reads standard input.
ManifestFiles read_manifests(const std::vector<std::string>& paths);

}  // namespace xc
