#include "agent/volume_clone.h"

#include <sys/stat.h>

#include <filesystem>

#include "agent/image_digest.h"
#include "agent/libvirt_handle.h"
#include "agent/storage_pool.h"
#include "agent/subprocess.h"
#include "agent/volume_transfer.h"

namespace xc {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Removes the part file unless the clone completed.
struct PartFile {
  std::string path;
  bool keep = false;
  ~PartFile() {
    std::error_code ec;
    if (!keep) fs::remove(path, ec);
  }
};

Status make_part(CloneMode mode, const std::string& source, const std::string& part) {
  if (mode != CloneMode::kCopy) return run_program(clone_command(mode, source, part));
  std::error_code ec;
  fs::copy_file(source, part, fs::copy_options::overwrite_existing, ec);
  if (ec) return error(Code::kIo, "copy " + source + ": " + ec.message());
  return {};
}

}  // namespace

std::optional<CloneMode> clone_mode_from_name(const std::string& name) {
  if (name == "copy") return CloneMode::kCopy;
  if (name == "overlay") return CloneMode::kOverlay;
  if (name == "flatten") return CloneMode::kFlatten;
  return std::nullopt;
}

std::vector<std::string> clone_command(CloneMode mode, const std::string& source,
                                       const std::string& part) {
  // xcloud's volumes are always qcow2 (storage_pool.h): the format is said,
  // never probed, so a guest's data cannot pass itself off as a header.
  if (mode == CloneMode::kOverlay)
    return {"qemu-img",   "create", "-q",    "-f", "qcow2", "-o",
            "compat=1.1", "-F",     "qcow2", "-b", source,  part};
  if (mode == CloneMode::kFlatten)
    return {"qemu-img", "convert", "-q",         "-f",   "qcow2", "-O",
            "qcow2",    "-o",      "compat=1.1", source, part};
  return {};
}

Result<json> volume_clone(AgentContext& ctx, const json& params) {
  auto source = param_string(params, "source");
  if (!source.ok()) return source.status();
  auto name = param_string(params, "name");
  if (!name.ok()) return name.status();
  auto mode = clone_mode_from_name(params.value("mode", std::string()));
  if (!mode) return error(Code::kInvalidArgument, "params.mode: expected copy, overlay or flatten");
  if (*source == *name)
    return error(Code::kInvalidArgument, "volume " + *name + ": a volume cannot be its own clone");
  auto from = volume_file(ctx.config.storage_dir, *source);
  if (!from.ok()) return from.status();
  auto to = volume_file(ctx.config.storage_dir, *name);
  if (!to.ok()) return to.status();
  const std::string domain = params.value("domain", std::string());
  auto lock = ctx.lock_object("volume/" + *name);
  if (!domain.empty()) {
    if (virDomainPtr raw = virDomainLookupByName(ctx.conn, domain.c_str())) {
      Domain in_use(raw);
      return error(Code::kAlreadyExists, "volume " + *name + ": domain " + domain +
                                             " is defined on this host; refusing to replace "
                                             "its disk");
    }
    virResetLastError();
  }
  struct stat st {};
  if (::stat(from->c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return error(Code::kNotFound,
                 "volume " + *source + ": no disk file " + *from + " on this host");
  if (ctx.test_driver) {
    std::error_code ec;
    fs::create_directories(ctx.config.storage_dir, ec);
  }
  PartFile part{*to + ".part"};
  if (Status made = make_part(*mode, *from, part.path); !made.ok())
    return error(made.code(), "volume " + *name + ": " + made.message());
  auto digest = file_sha256_hex(part.path);
  if (!digest.ok()) return digest.status();
  if (*mode == CloneMode::kCopy) {
    auto original = file_sha256_hex(*from);
    if (!original.ok()) return original.status();
    if (*original != *digest)
      return error(Code::kIo, "volume " + *name + ": the copy's SHA-256 " + *digest +
                                  " differs from " + *source + "'s " + *original);
  }
  std::error_code ec;
  fs::permissions(part.path, fs::perms::owner_read | fs::perms::owner_write, ec);
  fs::rename(part.path, *to, ec);
  if (ec) return error(Code::kIo, "volume " + *name + ": " + ec.message());
  part.keep = true;
  // libvirt learns of the new file at the pool's next refresh.
  refresh_storage_pool(ctx);
  json out = {{"name", *name},
              {"path", *to},
              {"mode", params["mode"]},
              {"bytes", static_cast<int64_t>(fs::file_size(*to, ec))},
              {"sha256", *digest}};
  if (*mode == CloneMode::kOverlay) out["backing"] = *from;
  return out;
}

}  // namespace xc
