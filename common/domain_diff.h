// Which changes between two portable VM specs apply to a running domain and
// which need a restart. Shared by the agent (to apply) and xcloudctl (to show
// a plan). Pure; safe from any thread.
#pragma once

#include <string>
#include <vector>

#include "common/domain_spec.h"

namespace xc {

// How a running domain gets from `old` to `now`. Entries read like
// "cpus 2 -> 4" or "disks.data iops 2000 -> 3000". Power, tenant, name and
// metadata are not compared (power has its own method; tenant and name make
// another domain). Memory above old.memory_mib counts as a restart even after
// a balloon-down, since a spec does not record the boot-time maximum.
struct DomainDiff {
  std::vector<std::string> live;     // applied to the running domain
  std::vector<std::string> restart;  // in the definition; effective at next boot
  std::vector<std::string> refused;  // cannot be applied at all (disk shrink, base image)
  bool empty() const { return live.empty() && restart.empty() && refused.empty(); }
};
DomainDiff diff_live_vs_restart(const DomainSpec& old, const DomainSpec& now);

}  // namespace xc
