#include "ctl/images/image_supply_audit.h"

#include "ctl/images/image_import.h"

namespace xc {

Result<std::vector<std::string>> audit_supplied_images(Store& store, AuditLog& log,
                                                       const AuditIdentity& who,
                                                       const std::vector<SuppliedImage>& sent,
                                                       const std::string& by) {
  std::vector<std::string> lines;
  if (sent.empty()) return lines;
  auto images = store.list_resources(std::string("Image"));
  if (!images.ok()) return images.status();
  for (const SuppliedImage& s : sent) {
    ResourceKey key{"Image", "", s.sha256};  // an Image no longer recorded: named by its digest
    const ResourceRecord* named = nullptr;
    for (const auto& image : *images)
      if (!named && image_record_sha256(image.spec_json) == s.sha256) named = &image;
    if (named) key = named->key();
    AuditRecord rec = who.record("Image", key.tenant, key.name, "push");
    if (named) rec.hash_before = rec.hash_after = named->spec_hash;
    rec.message = "to host " + s.host + ", sha256 " + s.sha256 + " (sent on first use by " + by +
                  ", " + std::to_string(s.bytes) + " bytes, verified by the host)";
    auto appended = log.append(rec);
    if (!appended.ok()) return appended.status();
    lines.push_back("image " + object_key(key.tenant, key.name) + " sent to " + s.host +
                    " on first use (" + std::to_string(s.bytes) + " bytes, verified there)");
  }
  return lines;
}

}  // namespace xc
