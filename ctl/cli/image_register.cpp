#include "ctl/cli/image_register.h"

#include <chrono>
#include <filesystem>

#include "common/digest.h"
#include "common/domain_spec.h"
#include "common/model.h"
#include "common/printable.h"
#include "ctl/cli/json_yaml.h"
#include "ctl/cli/known_names.h"
#include "ctl/images/image_supply_audit.h"

namespace xc {

using nlohmann::json;

namespace {

constexpr const char* kImportSet = "image-import";  // manifest set of imported Images

}  // namespace

void add_image_store_options(CLI::App& cmd, ImageIdentity& o) {
  cmd.add_option("--share-with", o.shared_with, "A tenant a shared image is shared with")
      ->expected(1, 64);
  cmd.add_option("--host-image-dir", o.host_image_dir,
                 "The hosts' image directory, for the manifest's source")
      ->capture_default_str();
  cmd.add_option("--timeout", o.timeout_minutes,
                 "Minutes the conversion (and a download) may each take")
      ->check(CLI::Range(1, 24 * 60))
      ->capture_default_str();
}

std::string identity_problem(ImageIdentity& o) {
  if (!is_dns_label(o.name))
    return "--name '" + excerpt(o.name) +
           "': an image name is a DNS label (lowercase letters, digits and '-', at most 63)";
  if (o.os.empty() || o.os.size() > 128 || !is_printable(o.os))
    return "--os: 1 to 128 printable characters, e.g. 'Kylin V10 SP3'";
  if (!arch_from_name(o.arch)) return "--arch " + excerpt(o.arch) + ": x86_64 or aarch64";
  if (o.visibility.empty()) o.visibility = o.tenant.empty() ? "global" : "private";
  if (o.visibility == "global" && !o.tenant.empty())
    return "--visibility global: a global image has no tenant; drop --tenant";
  if (o.visibility != "global" && o.tenant.empty())
    return "--visibility " + o.visibility + ": say whose image it is with --tenant";
  if (o.visibility != "shared" && !o.shared_with.empty())
    return "--share-with needs --visibility shared";
  if (std::string p = image_source_problem(o.host_image_dir + "/x.qcow2", o.host_image_dir);
      !p.empty())
    return "--host-image-dir " + excerpt(o.host_image_dir) + ": " + p;
  return "";
}

Status report_supplied_images(Store& store, AuditLog& log, const AuditIdentity& who,
                              const ImageSupplier& images, const std::string& by,
                              std::ostream& out) {
  auto lines = audit_supplied_images(store, log, who, images.sent(), by);
  if (!lines.ok()) return lines.status();
  for (const std::string& line : *lines) out << printable(line) << "\n";
  return {};
}

void note_swept_scratch(CliContext& ctx, const std::string& store_dir) {
  for (const std::string& name : sweep_abandoned_scratch(store_dir))
    ctx.err << "note: removed " << printable(store_dir + "/" + name)
            << ", left in the image store by an interrupted import or capture\n";
}

json image_manifest(const ImageIdentity& o, const ImportedImage& img) {
  json metadata = {{"name", o.name}};
  if (!o.tenant.empty()) metadata["tenant"] = o.tenant;
  json spec = {{"arch", o.arch},
               {"os", o.os},
               {"format", "qcow2"},
               {"source", o.host_image_dir + "/" + img.sha256 + ".qcow2"},
               {"sizeGiB", (img.virtual_bytes + (int64_t{1} << 30) - 1) >> 30},
               {"sha256", img.sha256},
               {"sm3", img.sm3},
               {"visibility", o.visibility}};
  if (!o.shared_with.empty()) spec["sharedWith"] = o.shared_with;
  return {{"apiVersion", "xcloud/v1"}, {"kind", "Image"}, {"metadata", metadata}, {"spec", spec}};
}

bool check_against_state(CliContext& ctx, Store& store, const ImageIdentity& o) {
  Status s = check_tenant(store, o.tenant);
  for (const auto& t : o.shared_with)
    if (s.ok()) s = check_tenant(store, t);
  if (!s.ok()) {
    fail(ctx, s.message(), kExitUsage);
    return false;
  }
  auto existing = store.get_resource({"Image", o.tenant, o.name});
  if (existing.ok()) {
    fail(ctx,
         "image " + object_key(o.tenant, o.name) +
             " already exists; pick another --name (imports never replace an image)",
         kExitUsage);
    return false;
  }
  if (existing.status().code() != Code::kNotFound) {
    fail(ctx, existing.status().message(), kExitFailure);
    return false;
  }
  return true;
}

Status register_image(Store& store, AuditLog& log, const AuditIdentity& who,
                      const std::string& action, const std::string& message, const ImageIdentity& o,
                      const ImportedImage& img, const json& origin, json& manifest) {
  manifest = image_manifest(o, img);
  const std::string hash = sha256_hex(manifest.dump());
  AuditRecord record = who.record("Image", o.tenant, o.name, action);
  record.hash_after = hash;
  record.message = message;
  json details = origin;
  details["virtualBytes"] = img.virtual_bytes;
  details["fileBytes"] = img.file_bytes;
  details["storedAs"] = std::filesystem::path(img.path).filename().string();
  return record_change(log, record, nullptr, [&]() -> Status {
    ResourceRecord r;
    r.kind = "Image";
    r.tenant = o.tenant;
    r.name = o.name;
    r.spec_json = json{{"manifest", manifest}, {"import", details}}.dump();
    r.spec_hash = hash;
    r.manifest_set = kImportSet;
    r.updated_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
    auto put = store.put_resource(r);
    return put.ok() ? Status{} : put.status();
  });
}

void print_registered(CliContext& ctx, const ImageIdentity& o, const ImportedImage& img,
                      const json& manifest, const std::string& how) {
  if (o.output == "json") {
    ctx.out << json_text(manifest) << "\n";
  } else if (o.output == "yaml") {
    ctx.out << json_to_yaml(manifest);
  } else {
    ctx.out << "image " << printable(object_key(o.tenant, o.name)) << " " << printable(how) << ": "
            << img.virtual_bytes << " bytes virtual, " << img.file_bytes << " stored\n  sha256 "
            << img.sha256 << "\n  sm3    " << img.sm3 << "\n  file   " << printable(img.path)
            << "\n"
            << "Add its manifest to your manifests (xcloudctl get images " << printable(o.name)
            << " -o yaml) and send it to the hosts (xcloudctl image push " << printable(o.name)
            << (o.tenant.empty() ? "" : " --tenant " + printable(o.tenant)) << " --host HOST).\n";
  }
}

}  // namespace xc
