// The target names a domain's disks get in its libvirt XML (agent/domain_xml)
// and that backups and snapshots name disks by. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/domain_spec.h"

namespace xc {

// vda, vdb, ... vdz, vdaa, like libvirt's own names.
std::string target_dev(const std::string& prefix, size_t index);

// Each disk's target, in spec order: virtio disks vda, vdb, ..., SCSI disks
// sda, sdb, ...
std::vector<std::string> disk_targets(const DomainSpec& spec);

}  // namespace xc
