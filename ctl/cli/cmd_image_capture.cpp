// xcloudctl image capture VM --name IMG: a stopped VM's root disk becomes an
// Image of its tenant. The agent flattens the disk into a standalone qcow2
// beside it (volume.clone, mode flatten), the controller reads that file over
// the agent's channel (volume.read) and imports it exactly as `image import`
// does (ctl/images/image_import.h: SHA-256 and SM3, images/<sha256>.qcow2,
// a kind: Image). CLI wiring; one run per process.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "common/domain_spec.h"
#include "common/file_write.h"
#include "common/printable.h"
#include "ctl/cli/audit_commands.h"
#include "ctl/cli/byte_progress.h"
#include "ctl/cli/clone_commands.h"
#include "ctl/cli/image_register.h"
#include "ctl/cli/vm_target.h"
#include "ctl/hosts/host_clients.h"
#include "ctl/hosts/pki_files.h"
#include "ctl/migrate/disk_copy.h"

namespace xc {
namespace {

using nlohmann::json;

struct CaptureOptions : ImageIdentity {
  std::string vm, vm_tenant;
};

// Removes a file unless released (the downloaded disk, whatever happens).
struct TempFile {
  std::string path;
  int fd = -1;
  ~TempFile() {
    if (fd >= 0) ::close(fd);
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove(path, ec);
  }
};

// The OS of the Image the VM was made from, for a missing --os.
std::string image_os(Store& store, const std::string& tenant, const json& manifest) {
  std::string image = manifest.value("spec", json::object()).value("image", "");
  for (const std::string& owner : {tenant, std::string()}) {
    auto r = store.get_resource({"Image", owner, image});
    if (!r.ok()) continue;
    json rec = json::parse(r->spec_json, nullptr, false);
    if (rec.is_object())
      return rec.value("manifest", json::object()).value("spec", json::object()).value("os", "");
  }
  return "";
}

void run_capture(CliContext& ctx, CaptureOptions o, const CLI::App& cmd) {
  auto opened = open_vm_for_change(ctx, cmd, o.vm, o.vm_tenant);
  if (!opened) return;
  Store& store = *opened->store;
  const std::string* state = &opened->state_path;
  const VmTarget* vm = &opened->vm;
  const std::string vm_key = object_key(vm->record.tenant, vm->record.name);
  json record = json::parse(vm->record.spec_json, nullptr, false);
  auto spec = record.is_object() && record.contains("domain")
                  ? domain_spec_from_json(record["domain"])
                  : Result<DomainSpec>(error(Code::kInvalidArgument, "no domain spec stored"));
  if (!spec.ok() || spec->disks.empty())
    return fail(ctx, "image capture: " + vm_key + ": no root disk in its stored record",
                kExitFailure);
  if (o.tenant.empty() && o.visibility != "global") o.tenant = vm->record.tenant;
  if (o.os.empty()) o.os = image_os(store, vm->record.tenant, record.value("manifest", json()));
  o.arch = arch_name(spec->arch);
  if (std::string p = identity_problem(o); !p.empty())
    return fail(ctx, "image capture: " + p, kExitUsage);
  if (!check_against_state(ctx, store, o)) return;
  AuditLog log(store);
  if (Status w = log.check_writable(); !w.ok()) return fail(ctx, w.message(), kExitFailure);
  if (vm->host.empty())
    return fail(ctx, "image capture: " + vm_key + " is not placed on any host", kExitFailure);
  auto host = store.get_host(vm->host);
  if (!host.ok())
    return fail(ctx, "host " + vm->host + ": " + host.status().message(), kExitFailure);
  HostClients clients(pki_files_for_state(*state), 1);
  clients.add_host(host_object(store, *host));
  auto running = state_on(clients, vm->host, vm->domain);
  if (!running.ok())
    return fail(ctx, "image capture: host " + vm->host + ": " + running.status().message(),
                kExitFailure);
  if (*running != "stopped")
    return fail(ctx,
                "image capture: " + vm_key + " is " + (running->empty() ? "absent" : *running) +
                    " on " + vm->host +
                    "; a capture reads its root disk while no guest writes it: stop it first "
                    "(xcloudctl vm stop " +
                    vm->record.name + "); nothing was captured",
                kExitFailure);

  // The root disk, flattened on the host (its Image's backing file merged in).
  const DomainDisk& root = spec->disks.front();
  std::string file = disk_file_name(*spec, root);
  const std::string source = file.substr(0, file.size() - 6);
  const std::string flat = source + ".capture";
  ctx.err << printable(vm_key) << ": flattening disk " << printable(root.name) << " on "
          << printable(vm->host) << "\n";
  auto made = clients.call(vm->host, "volume.clone",
                           {{"source", source}, {"name", flat}, {"mode", "flatten"}});
  if (!made.ok())
    return fail(ctx, "image capture: " + vm_key + ": " + made.status().message(), kExitFailure);
  const std::string store_dir = image_store_dir(*state);
  std::error_code ec;
  std::filesystem::create_directories(store_dir, ec);
  note_swept_scratch(ctx, store_dir);
  TempFile temp{store_dir + "/.capture-XXXXXX"};
  temp.fd = ::mkstemp(temp.path.data());
  ScratchHold hold = ScratchHold::on_fd(temp.fd);  // store_scratch.h
  if (temp.fd < 0) {
    temp.path.clear();
    (void)clients.call(vm->host, "volume.delete", {{"name", flat}});
    return fail(ctx, "image capture: " + store_dir + ": " + std::strerror(errno), kExitFailure);
  }
  auto read = read_volume_file(
      clients, vm->host, flat, "qcow2",
      [&](int64_t offset, std::string bytes) -> Status {
        if (!pwrite_all(temp.fd, bytes, offset))
          return error(Code::kIo, temp.path + ": " + std::strerror(errno));
        return {};
      },
      byte_progress(ctx, vm_key + ":   read"));
  (void)clients.call(vm->host, "volume.delete", {{"name", flat}});
  if (read.ok() && read->sha256 != made->value("sha256", ""))
    read = error(Code::kIo, "the file read has SHA-256 " + read->sha256 + ", the host's has " +
                                made->value("sha256", ""));
  if (!read.ok())
    return fail(
        ctx, "image capture: " + vm_key + ": " + read.status().message() + "; nothing was captured",
        kExitFailure);

  ImportRequest request;
  request.file = temp.path;
  request.declared_format = "qcow2";
  request.store_dir = store_dir;
  request.limits.timeout = std::chrono::minutes(o.timeout_minutes);
  auto img = import_image_file(request);
  if (!img.ok())
    return fail(
        ctx, "image capture: " + vm_key + ": " + img.status().message() + "; nothing was captured",
        kExitFailure);
  json manifest;
  Status s = register_image(
      store, log, audit_identity_for(cmd), "capture",
      "from vm " + vm_key + " disk " + root.name + " on host " + vm->host + ", sha256 " +
          img->sha256 + ", sm3 " + img->sm3,
      o, *img, {{"sourceFormat", "qcow2"}, {"converter", "qemu-img"}, {"capturedFrom", vm_key}},
      manifest);
  if (!s.ok()) {
    if (!img->already_stored) std::filesystem::remove(img->path, ec);
    return fail(ctx, "image " + object_key(o.tenant, o.name) + ": " + s.message(), kExitFailure);
  }
  print_registered(ctx, o, *img, manifest,
                   "captured from vm " + vm_key + " (disk " + root.name + ")");
}

}  // namespace

void add_image_capture_command(CLI::App& image, CliContext& ctx) {
  auto o = std::make_shared<CaptureOptions>();
  auto* cmd = image.add_subcommand(
      "capture", "Make an Image of a stopped VM's root disk (flattened to qcow2, SHA-256 + SM3)");
  cmd->add_option("VM", o->vm, "The VM (stopped)")->required();
  cmd->add_option("--name", o->name, "The Image's name (a DNS label)")->required();
  cmd->add_option("--os", o->os, "Its operating system (default: that of the VM's Image)");
  cmd->add_option("--vm-tenant", o->vm_tenant, "The VM's tenant, when its name is not unique");
  cmd->add_option("--visibility", o->visibility, "private (default), shared or global (no tenant)")
      ->check(CLI::IsMember({"global", "private", "shared"}));
  cmd->add_option("--tenant", o->tenant, "The owning tenant (default: the VM's)");
  add_image_store_options(*cmd, *o);
  add_output_option(*cmd, o->output, {"table", "json", "yaml"});
  cmd->footer(
      "The VM must be stopped (a running guest's disk is not consistent). Its host's\n"
      "agent flattens the root disk (its Image merged in) into a temporary qcow2, which is\n"
      "read over the agent's channel, checked against the host's SHA-256, and imported as\n"
      "`image import` does: images/<sha256>.qcow2 beside the state, a kind: Image with\n"
      "its SHA-256 and SM3, audited. The temporary file is removed on both sides.\n\n"
      "Examples:\n"
      "  xcloudctl vm stop edu-portal-web-1 && xcloudctl image capture edu-portal-web-1 "
      "--name edu-web-golden\n"
      "  xcloudctl image capture oa-1 --name oa-base --visibility shared --tenant education "
      "--share-with health -o yaml\n\n"
      "Exit codes: 0 captured, 1 the VM runs or a host failed (nothing captured), 2 bad usage.");
  cmd->callback([&ctx, o, cmd] { run_capture(ctx, *o, *cmd); });
}

}  // namespace xc
