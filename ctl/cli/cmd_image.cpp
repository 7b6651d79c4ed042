// xcloudctl image import FILE: a disk image from another platform (VMDK,
// VHD, VHDX, qcow2, raw) converted into the controller's image store and
// registered as a kind: Image (ctl/images/image_import.h does the file work).
// CLI wiring; one run per process.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "common/digest.h"
#include "common/domain_spec.h"
#include "common/image_source.h"
#include "common/model.h"
#include "common/printable.h"
#include "common/sent_files.h"
#include "ctl/audit/audit_log.h"
#include "ctl/cli/audit_commands.h"
#include "ctl/cli/cli.h"
#include "ctl/cli/clone_commands.h"
#include "ctl/cli/image_register.h"
#include "ctl/cli/json_yaml.h"
#include "ctl/cli/known_names.h"
#include "ctl/hosts/host_clients.h"
#include "ctl/hosts/host_object.h"
#include "ctl/hosts/pki_files.h"
#include "ctl/images/image_download.h"
#include "ctl/images/image_import.h"
#include "ctl/images/image_push.h"
#include "ctl/images/image_url.h"

namespace xc {
namespace {

using nlohmann::json;

struct ImportOptions : ImageIdentity {
  std::string file, format;
  bool v2v = false, no_v2v = false;
  std::string sha256, sm3, ca;  // a URL source's digest and CA bundle
  int64_t max_size_mib = kDefaultDownloadMaxBytes >> 20;
};

// Why the options cannot make an Image, or "".
std::string options_problem(ImportOptions& o) {
  if (std::string p = identity_problem(o); !p.empty()) return p;
  if (o.file.size() > 4096) return "FILE: a path of at most 4096 bytes";
  if (!o.sha256.empty() && !o.sm3.empty()) return "--sha256 or --sm3, not both";
  for (const auto& [alg, hex] : {std::pair{"sha256", &o.sha256}, std::pair{"sm3", &o.sm3}})
    if (!hex->empty()) {
      if (std::string p = digest_problem(alg, *hex); !p.empty()) return p;
      *hex = lowercase_hex(*hex);
    }
  if (!looks_like_url(o.file)) {
    if (!o.ca.empty()) return "--ca is for a URL source";
    return "";
  }
  if (std::string p = https_url_problem(o.file); !p.empty())
    return excerpt(url_for_record(o.file)) + ": " + p + "; nothing was imported";
  if (o.sha256.empty() && o.sm3.empty())
    return "a URL source needs the digest its publisher gives: --sha256 HEX or --sm3 HEX";
  if (o.ca.size() > 4096) return "--ca: a path of at most 4096 bytes";
  return "";
}

// A download's progress, redrawn on one line of a terminal.
std::function<void(int64_t, int64_t)> download_progress(CliContext& ctx) {
  if (&ctx.err != &std::cerr || !isatty(STDERR_FILENO)) return nullptr;
  return [&ctx](int64_t got, int64_t total) {
    ctx.err << "\rdownloading: " << (got >> 20) << " MiB";
    if (total > 0) ctx.err << " of " << (total >> 20) << " MiB (" << got * 100 / total << "%)";
    ctx.err << (got == total ? "\n" : "   ") << std::flush;
  };
}

// The file to import: FILE itself (or, through the controller's socket, the
// copy of the operator's open file: local_file_for), or the URL downloaded
// into the image store with its digest checked (removed by the caller, who
// keeps `hold` meanwhile). A FILE with a digest given is checked too.
Result<std::string> fetch_source(CliContext& ctx, const ImportOptions& o,
                                 const std::string& store_dir, ScratchHold& hold) {
  const std::string algorithm = o.sm3.empty() ? "sha256" : "sm3";
  const std::string& expected = o.sm3.empty() ? o.sha256 : o.sm3;
  if (!looks_like_url(o.file)) {
    auto file = local_file_for(o.file);
    if (!file.ok() || expected.empty()) return file;
    auto d = file_digests(*file);
    if (!d.ok()) return error(Code::kInvalidArgument, d.status().message());
    std::string got = algorithm == "sm3" ? d->sm3 : d->sha256;
    if (got != expected)
      return error(Code::kInvalidArgument,
                   "the file's " + algorithm + " is " + got + ", not the " + expected + " given");
    return file;
  }
  if (Status s = ensure_image_store(store_dir); !s.ok()) return s;
  DownloadRequest d;
  d.url = o.file;
  d.algorithm = algorithm;
  d.expected = expected;
  d.ca_file = o.ca;
  d.dir = store_dir;
  d.max_bytes = o.max_size_mib << 20;
  d.timeout = std::chrono::minutes(o.timeout_minutes);
  d.progress = download_progress(ctx);
  auto got = download_image(d);
  if (!got.ok()) return got.status();
  hold = std::move(got->hold);
  return got->path;
}

void run_import(CliContext& ctx, ImportOptions o, const CLI::App& cmd) {
  if (std::string p = options_problem(o); !p.empty()) return fail(ctx, p, kExitUsage);
  auto state = resolve_state_path(ctx);
  if (!state.ok()) return fail(ctx, state.status().message(), kExitUsage);
  {  // checked before the (long) conversion, again under the lock after it
    auto store = open_state_store(ctx);
    if (!store || !check_against_state(ctx, *store, o)) return;
  }
  const bool from_url = looks_like_url(o.file);
  note_swept_scratch(ctx, image_store_dir(*state));
  ScratchHold download_hold;
  auto source = fetch_source(ctx, o, image_store_dir(*state), download_hold);
  if (!source.ok())
    return fail(ctx,
                excerpt(url_for_record(o.file)) + ": error: " + source.status().message() +
                    "; nothing was imported",
                source.status().code() == Code::kInvalidArgument ? kExitUsage : kExitFailure);
  struct Downloaded {  // the downloaded file goes once imported, or on failure
    std::string path;
    ~Downloaded() {
      std::error_code ec;
      if (!path.empty()) std::filesystem::remove(path, ec);
    }
  } downloaded{from_url ? *source : ""};
  ImportRequest request;
  request.file = *source;
  request.declared_format = o.format;
  request.store_dir = image_store_dir(*state);
  request.limits.timeout = std::chrono::minutes(o.timeout_minutes);
  request.converter = o.v2v      ? ImportConverter::kVirtV2v
                      : o.no_v2v ? ImportConverter::kQemuImg
                                 : ImportConverter::kAuto;
  auto img = import_image_file(request);
  if (!img.ok())
    return fail(ctx,
                excerpt(url_for_record(o.file)) + ": error: " + img.status().message() +
                    "; nothing was imported",
                img.status().code() == Code::kInvalidArgument ? kExitUsage : kExitFailure);

  auto discard = [&] {
    std::error_code ec;
    if (!img->already_stored) std::filesystem::remove(img->path, ec);
  };
  auto store = open_state_for_change(ctx, cmd);
  if (!store || !check_against_state(ctx, *store, o)) return discard();
  AuditLog log(*store);
  if (Status w = log.check_writable(); !w.ok()) {
    discard();
    return fail(ctx, w.message(), kExitFailure);
  }
  json manifest;
  json origin = {{"sourceFormat", img->source_format}, {"converter", img->converter}};
  std::string note;
  if (!img->converter_note.empty()) {
    origin["converterNote"] = img->converter_note;
    note = "; " + img->converter_note;
  }
  std::string downloaded_from;
  if (from_url) {
    origin["sourceUrl"] = url_for_record(o.file);
    origin["sourceDigest"] = (o.sm3.empty() ? "sha256:" + o.sha256 : "sm3:" + o.sm3);
    downloaded_from = " (downloaded from " + url_for_record(o.file) + ", its digest checked)";
  }
  std::string ova;
  if (!img->ova_disk.empty()) {
    origin["ovaDisk"] = img->ova_disk;
    if (img->ova_cpus > 0) origin["ovfCpus"] = img->ova_cpus;
    if (img->ova_memory_mib > 0) origin["ovfMemoryMiB"] = img->ova_memory_mib;
    ova = "; its disk " + img->ova_disk + ", the OVF asks for " +
          (img->ova_cpus > 0 ? std::to_string(img->ova_cpus) : "?") + " CPUs and " +
          (img->ova_memory_mib > 0 ? std::to_string(img->ova_memory_mib) : "?") + " MiB";
  }
  Status s = register_image(*store, log, audit_identity_for(cmd), "import",
                            "from " + img->source_format + " by " + img->converter + ", sha256 " +
                                img->sha256 + ", sm3 " + img->sm3 + downloaded_from + ova + note,
                            o, *img, origin, manifest);
  if (!s.ok()) {
    discard();
    return fail(ctx, "image " + object_key(o.tenant, o.name) + ": " + s.message(), kExitFailure);
  }
  if (!note.empty()) ctx.err << "warning: " << printable(img->converter_note) << "\n";
  print_registered(ctx, o, *img, manifest,
                   "imported from " + img->source_format + " (" + img->converter + ")" + ova);
}

struct PushOptions {
  std::string name, tenant, host;
};

// Sends an imported Image's file to a host's image directory, verified there.
void run_push(CliContext& ctx, const PushOptions& o, const CLI::App& cmd) {
  auto state = resolve_state_path(ctx);
  if (!state.ok()) return fail(ctx, state.status().message(), kExitUsage);
  auto store = open_state_for_change(ctx, cmd);
  if (!store) return;
  auto image = store->get_resource({"Image", o.tenant, o.name});
  if (!image.ok())
    return fail(ctx, "image " + object_key(o.tenant, o.name) + ": " + image.status().message(),
                image.status().code() == Code::kNotFound ? kExitUsage : kExitFailure);
  const std::string sha = image_record_sha256(image->spec_json);
  const std::string path = image_store_dir(*state) + "/" + sha + ".qcow2";
  if (sha.size() != 64 || !std::filesystem::exists(path))
    return fail(ctx,
                "image " + object_key(o.tenant, o.name) +
                    " is not in this controller's image store (only imported images are); "
                    "copy its file to the host yourself",
                kExitFailure);
  auto host = store->get_host(o.host);
  if (!host.ok())
    return fail(ctx, "host " + o.host + ": " + host.status().message(),
                host.status().code() == Code::kNotFound ? kExitUsage : kExitFailure);
  HostClients clients(pki_files_for_state(*state), 1);
  clients.add_host(host_object(*store, *host));
  AuditLog log(*store);
  AuditRecord rec = audit_identity_for(cmd).record("Image", o.tenant, o.name, "push");
  rec.hash_before = rec.hash_after = image->spec_hash;
  rec.message = "to host " + o.host + ", sha256 " + sha;
  PushedImage pushed;
  Status s = record_change(
      log, rec,
      [&]() -> Status {
        auto r = push_image(clients, o.host, path, sha);
        if (!r.ok()) return r.status();
        pushed = *r;
        return {};
      },
      nullptr, [&](AuditRecord& r) { r.message += pushed.sent ? " (sent)" : " (already there)"; });
  if (!s.ok())
    return fail(ctx, "image " + object_key(o.tenant, o.name) + " to " + o.host + ": " + s.message(),
                kExitFailure);
  ctx.out << "image " << printable(object_key(o.tenant, o.name)) << " on " << printable(o.host)
          << ": " << (pushed.sent ? "sent and verified" : "already there") << " (" << pushed.bytes
          << " bytes, sha256 " << sha << ")\n";
}

}  // namespace

void add_image_command(CLI::App& app, CliContext& ctx) {
  auto* image =
      app.add_subcommand("image", "Disk images: import from other platforms, send to hosts");
  image->require_subcommand(1);
  image->footer(
      "Examples:\n  xcloudctl image import win2019.vmdk --name win2019 --os 'Windows "
      "Server 2019'\n  xcloudctl image push win2019 --host x86-01\n  xcloudctl get images -o wide");
  auto o = std::make_shared<ImportOptions>();
  auto* cmd = image->add_subcommand(
      "import", "Convert a VMDK, VHD, VHDX, qcow2, raw disk or OVA to qcow2 and register it");
  cmd->add_option("FILE", o->file, "The disk image file, or an https:// URL")->required();
  cmd->add_option("--name", o->name, "The Image's name (a DNS label)")->required();
  cmd->add_option("--os", o->os, "Its operating system, e.g. 'Kylin V10 SP3'")->required();
  cmd->add_option("--arch", o->arch, "x86_64 or aarch64")->capture_default_str();
  cmd->add_option("--format", o->format,
                  "What the file should be (vmdk|vhd|vhdx|qcow2|raw|ova); checked against its "
                  "header, required for raw (which has none)");
  cmd->add_option("--visibility", o->visibility,
                  "global (default without --tenant), private (default with) or shared")
      ->check(CLI::IsMember({"global", "private", "shared"}));
  cmd->add_option("--tenant", o->tenant, "The owning tenant of a private or shared image");
  add_image_store_options(*cmd, *o);
  cmd->add_option("--sha256", o->sha256,
                  "The source's SHA-256 (hex) as its publisher gives it; required with a URL "
                  "(or --sm3), checked before anything is registered");
  cmd->add_option("--sm3", o->sm3, "The source's SM3 (hex), instead of --sha256");
  cmd->add_option("--ca", o->ca,
                  "PEM CA bundle the URL's server certificate must chain to (default: the "
                  "system's CAs)");
  cmd->add_option("--max-size-mib", o->max_size_mib, "The largest download accepted, in MiB")
      ->check(CLI::Range(int64_t{1}, kMaxImportFileBytes >> 20))
      ->capture_default_str();
  auto* v2v = cmd->add_flag("--v2v", o->v2v,
                            "Convert with virt-v2v or fail (default: virt-v2v for a vmdk, vhd, "
                            "vhdx or ova when it is installed, which installs virtio drivers "
                            "into the guest)");
  cmd->add_flag("--no-v2v", o->no_v2v,
                "Convert the format only, with qemu-img, even where virt-v2v is installed")
      ->excludes(v2v);
  add_output_option(*cmd, o->output, {"table", "json", "yaml"});
  cmd->footer(
      "The format is read from the file's header, never from its name; --format only\n"
      "confirms it (a mismatch is refused). The result is qcow2, stored in images/ beside\n"
      "the state database under its SHA-256, and registered as a kind: Image whose\n"
      "manifest (-o yaml) records its SHA-256 and SM3. Nothing is registered on failure.\n"
      "A URL source is fetched over HTTPS only (plain http is refused), its server\n"
      "certificate verified, at most --max-size-mib, within --timeout; its digest (--sha256\n"
      "or --sm3, required) is checked before the conversion, and the download is removed\n"
      "whatever happens.\n"
      "A vmdk, vhd, vhdx or OVA goes through virt-v2v when it is installed (virtio drivers,\n"
      "boot loader and fstab fixed for KVM); a disk it refuses (no guest OS) is converted by\n"
      "qemu-img with a warning. --v2v requires virt-v2v, --no-v2v never uses it.\n\n"
      "Examples:\n"
      "  xcloudctl image import /mnt/export/oa-server.vmdk --name oa-server --os 'Kylin V10'\n"
      "  xcloudctl image import win2019.ova --name win2019 --os 'Windows Server 2019' --v2v\n"
      "  xcloudctl image import data-disk.vmdk --name archive --os none --no-v2v\n"
      "  xcloudctl image import legacy.vhd --name legacy-db --os 'CentOS 7' \\\n"
      "      --tenant health --visibility shared --share-with education -o yaml\n"
      "  xcloudctl image import disk.img --format raw --name base --os 'UOS 20' --arch aarch64\n"
      "  xcloudctl image import https://mirror.example.gov.cn/kylin-v10.qcow2 --name kylin \\\n"
      "      --os 'Kylin V10' --sha256 9f86d08... --ca /etc/xcloud/mirror-ca.pem");
  cmd->callback([&ctx, o, cmd] { run_import(ctx, *o, *cmd); });
  auto p = std::make_shared<PushOptions>();
  auto* push = image->add_subcommand(
      "push", "Send an imported image to a host's image directory (verified by its SHA-256)");
  push->add_option("NAME", p->name, "The Image")->required();
  push->add_option("--host", p->host, "The host")->required();
  push->add_option("--tenant", p->tenant, "The Image's tenant (none for a global image)");
  push->footer(
      "The host keeps the file as <imageDir>/<sha256>.qcow2 only when its bytes have that\n"
      "SHA-256; a host that has it already is not sent it again.\n\n"
      "Examples:\n  xcloudctl image push oa-server --host x86-01\n"
      "  xcloudctl image push legacy-db --tenant health --host kp-01");
  push->callback([&ctx, p, push] { run_push(ctx, *p, *push); });
  add_image_capture_command(*image, ctx);
}

}  // namespace xc
