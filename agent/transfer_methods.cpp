// Moving a volume's file between hosts for a cold move, two ways. Host to
// host: volume.offer on the source opens the file under the controller's
// ticket, volume.pull on the target fetches it straight from the source's
// agent (agent/volume_pull.h) and volume.pull_status follows it. Through the
// controller: volume.read on the source, volume.write and volume.commit on
// the target (agent/volume_transfer.h). Thread-safe like every method.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "agent/rpc_service.h"
#include "agent/storage_pool.h"
#include "agent/volume_transfer.h"

namespace xc {
namespace {

using nlohmann::json;

constexpr int64_t kMaxPullStatusWaitMs = 5000;

// The file a volume.read/write/commit names: a disk (.qcow2) or a seed (.iso).
Result<std::string> transfer_file(AgentContext& ctx, const json& params, std::string& name) {
  auto n = param_string(params, "name");
  if (!n.ok()) return n.status();
  name = *n;
  std::string ext = params.value("ext", std::string("qcow2"));
  if (ext != "qcow2" && ext != "iso")
    return error(Code::kInvalidArgument, "params.ext: expected qcow2 or iso");
  auto path = volume_file(ctx.config.storage_dir, name);
  if (!path.ok()) return path.status();
  return path->substr(0, path->size() - 5) + ext;
}

// A simulated host's storage directory exists only once a file lands there.
void ensure_simulated_storage(const AgentContext& ctx) {
  if (!ctx.test_driver) return;
  std::error_code ec;
  std::filesystem::create_directories(ctx.config.storage_dir, ec);
}

Result<ByteReply> volume_read(AgentContext& ctx, const json& params, const std::string&) {
  std::string name;
  auto path = transfer_file(ctx, params, name);
  if (!path.ok()) return path.status();
  auto chunk = read_volume_chunk(*path, params.value("offset", int64_t{0}),
                                 params.value("length", kMaxTransferChunk));
  // A simulated host's volumes live in libvirt's memory, not in files: empty.
  if (!chunk.ok() && chunk.status().code() == Code::kNotFound && ctx.test_driver)
    return ByteReply{{{"name", name}, {"size", 0}, {"eof", true}}, std::string()};
  if (!chunk.ok()) return chunk.status();
  return ByteReply{{{"name", name}, {"size", chunk->size}, {"eof", chunk->eof}},
                   std::move(chunk->data)};
}

Result<ByteReply> volume_write(AgentContext& ctx, const json& params, const std::string& data) {
  std::string name;
  auto path = transfer_file(ctx, params, name);
  if (!path.ok()) return path.status();
  auto lock = ctx.lock_object("volume/" + name);
  ensure_simulated_storage(ctx);
  Status written = write_volume_chunk(*path, params.value("offset", int64_t{0}), data);
  if (!written.ok()) return written;
  return ByteReply{{{"name", name}, {"written", data.size()}}, std::nullopt};
}

Result<json> volume_commit(AgentContext& ctx, const json& params) {
  std::string name;
  auto path = transfer_file(ctx, params, name);
  if (!path.ok()) return path.status();
  auto sha = param_string(params, "sha256");
  if (!sha.ok()) return sha.status();
  int64_t size = params.value("size", int64_t{-1});
  auto lock = ctx.lock_object("volume/" + name);
  // A simulated host's empty volume (volume.read sent no bytes): no file.
  if (ctx.test_driver && size == 0 && ::access((*path + ".part").c_str(), F_OK) != 0)
    return json{{"name", name}, {"action", "committed"}, {"size", 0}, {"sha256", *sha}};
  Status committed = commit_volume_part(*path, size, *sha);
  if (!committed.ok()) return committed;
  // libvirt learns the new file's allocation at the pool's next refresh.
  refresh_storage_pool(ctx);
  return json{{"name", name}, {"action", "committed"}, {"size", size}, {"sha256", *sha}};
}

// volume.offer: the file opened for one pull by the holder of the ticket's certificate.
Result<json> volume_offer(AgentContext& ctx, const json& params) {
  std::string name;
  auto path = transfer_file(ctx, params, name);
  if (!path.ok()) return path.status();
  auto ticket = param_string(params, "ticket");
  if (!ticket.ok()) return ticket.status();
  auto size = ctx.offers.add(*ticket, *path);
  if (!size.ok()) return size.status();
  return json{{"name", name}, {"size", *size}};
}

// volume.pull: starts fetching an offered file from the source's agent.
Result<json> volume_pull(AgentContext& ctx, const json& params) {
  std::string name;
  auto path = transfer_file(ctx, params, name);
  if (!path.ok()) return path.status();
  PullOrder order;
  order.path = *path;
  for (auto [key, into] :
       {std::pair{"ticket", &order.ticket}, std::pair{"certificate", &order.identity.cert_pem},
        std::pair{"key", &order.identity.key_pem}}) {
    auto value = param_string(params, key);
    if (!value.ok()) return value.status();
    *into = *value;
  }
  const json source = params.value("source", json::object());
  if (!source.is_object() || !source.contains("host") || !source["host"].is_string() ||
      !source.contains("port") || !source["port"].is_number_integer())
    return error(Code::kInvalidArgument, "params.source: expected {host, port}");
  order.host = source["host"].get<std::string>();
  order.port = source["port"].get<int>();
  order.size = params.value("size", int64_t{-1});
  if (order.size < 0) return error(Code::kInvalidArgument, "params.size: expected bytes");
  if (order.port <= 0 || order.port > 65535)
    return error(Code::kInvalidArgument, "params.source.port: out of range");
  // The source's certificate must come from this host's own CA.
  order.identity.ca_path = ctx.config.tls_ca;
  if (order.identity.ca_path.empty())
    return error(Code::kFailedPrecondition,
                 "volume " + name + ": this agent has no CA file (rpc mode); it cannot pull");
  ensure_simulated_storage(ctx);
  order.commit = [&ctx, name, target = *path]() -> Status {
    auto lock = ctx.lock_object("volume/" + name);
    if (Status placed = place_volume_part(target); !placed.ok()) return placed;
    refresh_storage_pool(ctx);  // libvirt learns the file's allocation
    return {};
  };
  if (Status started = ctx.pulls.start(std::move(order)); !started.ok()) return started;
  return json{{"name", name}, {"action", "pulling"}};
}

// volume.pull_status: the pull's progress, waiting up to wait_ms for its end.
Result<json> volume_pull_status(AgentContext& ctx, const json& params) {
  std::string name;
  auto path = transfer_file(ctx, params, name);
  if (!path.ok()) return path.status();
  int64_t wait_ms =
      std::clamp<int64_t>(params.value("wait_ms", int64_t{0}), 0, kMaxPullStatusWaitMs);
  auto state = ctx.pulls.state(*path, std::chrono::milliseconds(wait_ms));
  if (!state) return error(Code::kNotFound, "volume " + name + ": no pull into it is known");
  json out = {{"name", name},
              {"state", pull_phase_name(state->phase)},
              {"bytes", state->bytes},
              {"size", state->size}};
  if (state->phase == PullState::kDone) out["sha256"] = state->sha256;
  if (state->phase == PullState::kFailed) {
    out["error"] = state->error;
    out["unreached"] = state->unreached;
  }
  return out;
}

}  // namespace

void add_transfer_methods(MethodTable& table, ByteMethodTable* bytes) {
  add_byte_method(table, bytes, "volume.read", volume_read);
  add_byte_method(table, bytes, "volume.write", volume_write);
  table["volume.commit"] = volume_commit;
  table["volume.offer"] = volume_offer;
  table["volume.pull"] = volume_pull;
  table["volume.pull_status"] = volume_pull_status;
}

}  // namespace xc
