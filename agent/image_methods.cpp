// image.stat / image.write / image.commit: the controller sends an image it
// imported (xcloudctl image import) into this host's image directory. The
// file is named by its SHA-256 and kept only when its bytes have that digest,
// so a host never uses an image it has not verified. Thread-safe like every
// method (writers of one image are serialised by the object lock).
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "agent/rpc_service.h"
#include "agent/volume_transfer.h"

namespace xc {
namespace {

using nlohmann::json;

// "<imageDir>/<sha256>.qcow2": the digest is checked to be 64 hex digits, so
// nothing from the request but hex reaches the path.
Result<std::string> image_path(AgentContext& ctx, const json& params, std::string& sha) {
  auto s = param_string(params, "sha256");
  if (!s.ok()) return s.status();
  if (s->size() != 64 || s->find_first_not_of("0123456789abcdef") != std::string::npos)
    return error(Code::kInvalidArgument, "params.sha256: expected 64 lowercase hex digits");
  sha = *s;
  return ctx.config.image_dir + "/" + sha + ".qcow2";
}

Result<json> image_stat(AgentContext& ctx, const json& params) {
  std::string sha;
  auto path = image_path(ctx, params, sha);
  if (!path.ok()) return path.status();
  struct stat st {};
  if (::stat(path->c_str(), &st) != 0) return json{{"sha256", sha}, {"present", false}};
  return json{{"sha256", sha}, {"present", true}, {"size", static_cast<int64_t>(st.st_size)}};
}

Result<ByteReply> image_write(AgentContext& ctx, const json& params, const std::string& data) {
  std::string sha;
  auto path = image_path(ctx, params, sha);
  if (!path.ok()) return path.status();
  auto lock = ctx.lock_object("image/" + sha);
  std::error_code ec;
  std::filesystem::create_directories(ctx.config.image_dir, ec);
  Status written = write_volume_chunk(*path, params.value("offset", int64_t{0}), data);
  if (!written.ok()) return written;
  return ByteReply{{{"sha256", sha}, {"written", data.size()}}, std::nullopt};
}

Result<json> image_commit(AgentContext& ctx, const json& params) {
  std::string sha;
  auto path = image_path(ctx, params, sha);
  if (!path.ok()) return path.status();
  int64_t size = params.value("size", int64_t{-1});
  if (size < 0) return error(Code::kInvalidArgument, "params.size: expected an integer >= 0");
  auto lock = ctx.lock_object("image/" + sha);
  // The digest the file must have is its name: the controller cannot send other bytes.
  Status committed = commit_volume_part(*path, size, sha);
  if (!committed.ok()) return committed;
  if (::chmod(path->c_str(), 0644) != 0)
    return error(Code::kIo, "image " + *path + ": " + std::strerror(errno));
  return json{{"sha256", sha}, {"action", "committed"}, {"size", size}};
}

}  // namespace

void add_image_methods(MethodTable& table, ByteMethodTable* bytes) {
  table["image.stat"] = image_stat;
  add_byte_method(table, bytes, "image.write", image_write);
  table["image.commit"] = image_commit;
}

}  // namespace xc
