#include "ctl/requests/request_manifest.h"

#include <algorithm>

#include "common/printable.h"
#include "common/spelling.h"

namespace xc {

Result<OfferedSize> offered_size(const std::string& offering_name,
                                 const ServiceOfferingSpec& offering, const std::string& name) {
  std::vector<std::string> names;
  for (const auto& s : offering.sizes) {
    if (s.name == name) return s;
    names.push_back(s.name);
  }
  return error(Code::kInvalidArgument, "--size: offering " + offering_name + " has no size " +
                                           printable(name) + did_you_mean(name, names));
}

Status check_offered_image(const std::string& offering_name, const ServiceOfferingSpec& offering,
                           const std::string& image) {
  if (std::find(offering.images.begin(), offering.images.end(), image) != offering.images.end())
    return {};
  return error(Code::kInvalidArgument, "--image: offering " + offering_name +
                                           " does not offer image " + printable(image) +
                                           did_you_mean(image, offering.images));
}

std::string request_owner_set(int64_t id) {
  return "request/" + std::to_string(id);
}

Result<nlohmann::json> requested_vm_manifest(const RequestRecord& r,
                                             const ServiceOfferingSpec& offering) {
  auto size = offered_size(r.offering, offering, r.size);
  if (!size.ok()) return size.status();
  if (Status s = check_offered_image(r.offering, offering, r.image); !s.ok()) return s;
  nlohmann::json labels = {{"offering", r.offering}, {"request", std::to_string(r.id)}};
  if (!r.system.empty()) labels["system"] = r.system;
  nlohmann::json spec = {
      {"cpus", size->cpus},
      {"memoryGiB", size->memory_gib},
      {"image", r.image},
      {"disks",
       {{{"name", "root"}, {"sizeGiB", size->disk_gib}, {"tier", tier_name(offering.disk_tier)}}}},
  };
  if (!offering.network.empty()) spec["nics"] = {{{"network", offering.network}}};
  nlohmann::json placement = nlohmann::json::object();
  if (!offering.placement.zone.empty()) placement["zone"] = offering.placement.zone;
  if (!offering.placement.pool.empty()) placement["pool"] = offering.placement.pool;
  if (!placement.empty()) spec["placement"] = placement;
  return nlohmann::json{{"apiVersion", kApiVersion},
                        {"kind", "VirtualMachine"},
                        {"metadata", {{"name", r.vm}, {"tenant", r.tenant}, {"labels", labels}}},
                        {"spec", spec}};
}

nlohmann::json resized_vm_manifest(nlohmann::json manifest, const OfferedSize& size) {
  nlohmann::json& spec = manifest["spec"];
  spec["cpus"] = size.cpus;
  spec["memoryGiB"] = size.memory_gib;
  if (spec.contains("disks") && spec["disks"].is_array() && !spec["disks"].empty() &&
      spec["disks"][0].is_object())
    spec["disks"][0]["sizeGiB"] = size.disk_gib;
  return manifest;
}

}  // namespace xc
