#include "agent/applied_spec.h"

#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <sstream>

#include "agent/libvirt_handle.h"
#include "agent/snapshot_files.h"

namespace xc {

using nlohmann::json;

std::optional<DomainSpec> applied_spec(virDomainPtr d) {
  char* raw =
      virDomainGetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, kSpecNs, VIR_DOMAIN_AFFECT_CONFIG);
  if (!raw) {
    virResetLastError();
    return std::nullopt;
  }
  pugi::xml_document doc;
  if (!doc.load_string(take_string(raw).c_str())) return std::nullopt;
  auto parsed = json::parse(doc.first_child().text().as_string(), nullptr, false);
  if (parsed.is_discarded()) return std::nullopt;
  auto spec = domain_spec_from_json(parsed);
  if (!spec.ok()) return std::nullopt;
  return *spec;
}

std::string applied_spec_fragment(const DomainSpec& spec) {
  pugi::xml_document doc;
  doc.append_child("spec").text() = to_json(spec).dump().c_str();
  std::ostringstream xml;
  doc.save(xml, "", pugi::format_raw | pugi::format_no_declaration);
  return xml.str();
}

// A definition changed outside xcloud (virsh setvcpus --config, edit, ...),
// or one whose disks are not where this agent keeps them.
bool definition_drifted(virDomainPtr d, const DomainSpec& spec, const std::string& storage_dir) {
  pugi::xml_document doc;
  doc.load_string(take_string(virDomainGetXMLDesc(d, VIR_DOMAIN_XML_INACTIVE)).c_str());
  int64_t cpus = doc.select_node("/domain/vcpu").node().text().as_llong();
  int64_t mem_kib = doc.select_node("/domain/memory").node().text().as_llong();
  auto disks = doc.select_nodes("/domain/devices/disk[@device='disk']/source");
  if (cpus != spec.cpus || mem_kib != spec.memory_mib * 1024 || disks.size() != spec.disks.size())
    return true;
  for (size_t i = 0; i < disks.size(); ++i)
    if (!is_disk_or_overlay(disks[i].node().attribute("file").as_string(),
                            disk_path(storage_dir, spec, spec.disks[i])))
      return true;  // a snapshot overlay of the disk is not drift
  // The seed CD-ROM: present exactly when the spec has a guest section.
  auto cdrom = doc.select_node("/domain/devices/disk[@device='cdrom']/source").node();
  if (spec.guest.has_value() != bool(cdrom)) return true;
  if (cdrom && cdrom.attribute("file").as_string() != storage_dir + "/" + seed_file_name(spec))
    return true;
  return false;
}

}  // namespace xc
