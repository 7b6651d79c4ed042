// volume.ensure / volume.resize / volume.delete / volume.clone over the agent's storage pool.
#include "agent/guest_seed.h"
#include "agent/rpc_service.h"
#include "agent/storage_pool.h"
#include "agent/volume_clone.h"
#include "agent/volume_transfer.h"

namespace xc {
namespace {

using nlohmann::json;

Result<VolumeRequest> volume_request(const json& params) {
  auto name = param_string(params, "name");
  if (!name.ok()) return name.status();
  if (!params.contains("size_gib") || !params["size_gib"].is_number_integer())
    return error(Code::kInvalidArgument,
                 "volume " + *name + ": params.size_gib: expected an integer");
  VolumeRequest req{*name, params["size_gib"].get<int64_t>(),
                    params.value("backing", std::string())};
  req.backing_format = params.value("backing_format", std::string("qcow2"));
  req.backing_sha256 = params.value("backing_sha256", std::string());
  if (req.backing_format != "qcow2" && req.backing_format != "raw")
    return error(Code::kInvalidArgument,
                 "volume " + *name + ": params.backing_format: expected qcow2 or raw");
  return req;
}

Result<json> volume_ensure(AgentContext& ctx, const json& params) {
  auto req = volume_request(params);
  if (!req.ok()) return req.status();
  return ensure_volume(ctx, *req);
}

// Like ensure, but the volume must exist already.
Result<json> volume_resize(AgentContext& ctx, const json& params) {
  auto req = volume_request(params);
  if (!req.ok()) return req.status();
  req->create = false;
  return ensure_volume(ctx, *req);
}

Result<json> volume_delete(AgentContext& ctx, const json& params) {
  auto name = param_string(params, "name");
  if (!name.ok()) return name.status();
  // A cold move's copy still arriving must not land after the delete.
  if (auto disk = volume_file(ctx.config.storage_dir, *name); disk.ok()) {
    ctx.pulls.stop(*disk);
    ctx.pulls.stop(disk->substr(0, disk->size() - 5) + "iso");
  }
  // A domain's NoCloud seed ("<domain>.cidata", ext iso): left on a host a
  // VM migrated away from.
  if (params.value("ext", std::string("qcow2")) == "iso") {
    const std::string suffix = ".cidata";
    if (!valid_volume_name(*name) || name->size() <= suffix.size() ||
        name->compare(name->size() - suffix.size(), suffix.size(), suffix) != 0)
      return error(Code::kInvalidArgument, "volume " + *name + ": not a seed (<domain>.cidata)");
    auto seed =
        delete_seed_file(ctx.config.storage_dir, name->substr(0, name->size() - suffix.size()),
                         params.value("wipe", false));
    if (!seed.ok()) return seed.status();
    return json{{"name", *name}, {"action", *seed ? "deleted" : "absent"}};
  }
  return delete_volume(ctx, *name, params.value("wipe", false));
}

}  // namespace

void add_volume_methods(MethodTable& table) {
  table["volume.ensure"] = volume_ensure;
  table["volume.resize"] = volume_resize;
  table["volume.delete"] = volume_delete;
  table["volume.clone"] = volume_clone;
}

}  // namespace xc
