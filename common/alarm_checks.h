// The checks on AlarmRule and AlarmRoute manifests that a schema cannot
// express: a rule watches exactly one metric or event, a metric rule has a
// condition; a route's receivers are unique, every route names a known
// receiver (the root one at least), each receiver has what its type needs,
// and silences end after they start. Pure; thread-safe.
#pragma once

#include <vector>

#include "common/diagnostic.h"
#include "common/model.h"
#include "common/yaml_document.h"

namespace xc {

void check_alarm_rule(const Object& rule, const YamlDocument& doc, std::vector<Diagnostic>& out);
void check_alarm_route(const Object& route, const YamlDocument& doc, std::vector<Diagnostic>& out);

}  // namespace xc
