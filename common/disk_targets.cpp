#include "common/disk_targets.h"

namespace xc {

std::string target_dev(const std::string& prefix, size_t index) {
  std::string suffix;
  for (size_t n = index + 1; n > 0; n = (n - 1) / 26)
    suffix.insert(suffix.begin(), char('a' + (n - 1) % 26));
  return prefix + suffix;
}

std::vector<std::string> disk_targets(const DomainSpec& spec) {
  std::vector<std::string> out;
  size_t virtio = 0, scsi = 0;
  for (const DomainDisk& d : spec.disks)
    out.push_back(d.bus == "scsi" ? target_dev("sd", scsi++) : target_dev("vd", virtio++));
  return out;
}

}  // namespace xc
