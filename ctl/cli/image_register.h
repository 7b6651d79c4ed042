// Registering a qcow2 file of the controller's image store as a kind: Image
// (the manifest, the state record in the manifest set "image-import", the
// audit record), shared by `image import` and `image capture`. Not
// thread-safe (one Store).
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/image_source.h"
#include "ctl/audit/audit_log.h"
#include "ctl/cli/cli.h"
#include "ctl/images/image_import.h"
#include "ctl/images/image_supply.h"
#include "ctl/images/store_scratch.h"

namespace xc {

// What the operator says about the Image.
struct ImageIdentity {
  std::string name, os, arch = "x86_64", visibility, tenant, output = "table";
  std::string host_image_dir = kDefaultImageDir;
  std::vector<std::string> shared_with;
  int timeout_minutes = 60;  // the conversion's
};

// --share-with, --host-image-dir and --timeout.
void add_image_store_options(CLI::App& cmd, ImageIdentity& o);

// Why the identity cannot make an Image, or "". Settles an empty visibility
// (global without a tenant, else private).
std::string identity_problem(ImageIdentity& o);

// Refuses (exit 2, printed) a tenant the state does not hold or a name in use.
bool check_against_state(CliContext& ctx, Store& store, const ImageIdentity& o);

nlohmann::json image_manifest(const ImageIdentity& o, const ImportedImage& img);

// Audits the images `images` sent (audit_supplied_images) and prints a line
// for each on `out`; an audit failure is returned.
Status report_supplied_images(Store& store, AuditLog& log, const AuditIdentity& who,
                              const ImageSupplier& images, const std::string& by,
                              std::ostream& out);

// Removes the image store's scratch files that interrupted imports and
// captures left (store_scratch.h), with a note on stderr for each.
void note_swept_scratch(CliContext& ctx, const std::string& store_dir);

// Stores the Image (kind Image, set "image-import") with `origin` beside its
// manifest, under one audit record `action` ("import", "capture") whose
// message is `message`. The manifest it stored is put in `manifest`.
Status register_image(Store& store, AuditLog& log, const AuditIdentity& who,
                      const std::string& action, const std::string& message, const ImageIdentity& o,
                      const ImportedImage& img, const nlohmann::json& origin,
                      nlohmann::json& manifest);

// The manifest (-o json|yaml), or a summary with what to do next.
void print_registered(CliContext& ctx, const ImageIdentity& o, const ImportedImage& img,
                      const nlohmann::json& manifest, const std::string& how);

}  // namespace xc
