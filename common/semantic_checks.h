// Checks a whole manifest set for what a schema cannot express: unique names,
// references that resolve, tier IOPS ranges, addresses inside their subnets,
// prices under the tender caps, child quotas within their parent's. Pure.
#pragma once

#include <vector>

#include "common/diagnostic.h"
#include "common/model.h"
#include "common/price_caps.h"
#include "common/yaml_document.h"

namespace xc {

// objects[i] was built from *docs[i]; positions in messages come from there.
std::vector<Diagnostic> check_semantics(const std::vector<Object>& objects,
                                        const std::vector<const YamlDocument*>& docs,
                                        const PriceCaps& caps);

// "education/app" -> tenant "education", name "app"; "app" -> the given tenant.
std::pair<std::string, std::string> split_qualified(const std::string& ref,
                                                    const std::string& default_tenant);

}  // namespace xc
