// The content of a VM's NoCloud seed (cloud-init, and cloudbase-init on
// Windows): meta-data, user-data and network-config version 2, all derived
// from the portable spec. Pure; safe from any thread.
#pragma once

#include <string>

#include "common/domain_spec.h"

namespace xc {

struct NoCloudSeed {
  std::string meta_data;       // JSON (valid YAML): instance-id, local-hostname, public-keys
  std::string user_data;       // "#cloud-config" and a JSON body
  std::string network_config;  // JSON: version 2, ethernets matched by MAC
  bool operator==(const NoCloudSeed&) const = default;
};

// `spec` must have a guest section and be valid (validate_domain_spec) with a
// real password hash, not a redaction marker. The instance-id is the domain
// name and a digest of the content, so any change makes cloud-init apply the
// seed again at the next boot.
NoCloudSeed nocloud_seed(const DomainSpec& spec);

}  // namespace xc
