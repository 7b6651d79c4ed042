// Manifests that name an unmanaged domain (spec.adoptedFrom) against what the
// hosts report, before planning: without --adopt such a VM is refused rather
// than created a second time beside its domain. Pure; safe from any thread.
#pragma once

#include <vector>

#include "common/diagnostic.h"
#include "common/manifest_validator.h"
#include "ctl/reconcile/desired_state.h"
#include "ctl/reconcile/observed_state.h"

namespace xc {

// One diagnostic (FILE:LINE:COL) per VM that adopts a domain xcloud does not
// own yet, when `adopt` is false; and, with or without it, per VM whose
// domain is not on its reachable host or has another UUID. A VM already
// adopted (a domain xcloud owns as it) or on an unreachable host has none.
std::vector<Diagnostic> adoption_refusals(const ManifestSet& set, const DesiredState& desired,
                                          const std::vector<ObservedHost>& observed, bool adopt);

}  // namespace xc
