// Builds typed model objects from schema-valid YAML documents. Pure.
#pragma once

#include "common/model.h"
#include "common/yaml_document.h"

namespace xc {

// `doc` must have passed SchemaValidator; fields the schema left out get the
// model's defaults (disk IOPS default to the tier's upper bound).
Object build_object(const YamlDocument& doc);

}  // namespace xc
