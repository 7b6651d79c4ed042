// The checks on ServiceOffering manifests that a schema cannot express:
// size names unique, an approver exactly when approval is required. The
// references (tenants, images, zone, pool) are checked with the others in
// semantic_checks.cpp. Pure; thread-safe.
#pragma once

#include <vector>

#include "common/diagnostic.h"
#include "common/model.h"
#include "common/yaml_document.h"

namespace xc {

void check_offering(const Object& offering, const YamlDocument& doc, std::vector<Diagnostic>& out);

}  // namespace xc
