// The VirtualMachine manifest a request asks for: a new VM from an
// offering's size and image, or a stored VM's manifest with another size.
// Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/model.h"
#include "common/status.h"
#include "ctl/store/request_records.h"

namespace xc {

// The offering's size named `name`, or kInvalidArgument listing the sizes.
Result<OfferedSize> offered_size(const std::string& offering_name,
                                 const ServiceOfferingSpec& offering, const std::string& name);

// Checks the image is offered; kInvalidArgument listing the images.
Status check_offered_image(const std::string& offering_name, const ServiceOfferingSpec& offering,
                           const std::string& image);

// The manifest set a request's VM is recorded under (apply --prune of the
// operators' sets never deletes it): "request/ID".
std::string request_owner_set(int64_t id);

// A create request's VM: the size's vCPUs, memory and root disk (the
// offering's tier), the image, one NIC on the offering's network (address
// allocated), the offering's placement, and labels system (when given),
// offering and request.
Result<nlohmann::json> requested_vm_manifest(const RequestRecord& request,
                                             const ServiceOfferingSpec& offering);

// `manifest` (a stored VM's) with the size's vCPUs, memory and root disk.
nlohmann::json resized_vm_manifest(nlohmann::json manifest, const OfferedSize& size);

}  // namespace xc
