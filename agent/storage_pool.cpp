#include "agent/storage_pool.h"

#include <filesystem>
#include <pugixml.hpp>
#include <regex>

#include "agent/image_file.h"
#include "agent/xml_text.h"

namespace xc {
namespace {

using nlohmann::json;
constexpr int64_t kGiB = 1024LL * 1024 * 1024;
// libvirt's test driver caps every pool at 100 GiB. Simulated hosts therefore
// store each GiB of a volume as one MiB and report pool sizes scaled back up,
// so a simulated host can hold a real host's disks. Real hosts use 1.
constexpr int64_t kSimulatedScale = 1024;

int64_t scale(const AgentContext& ctx) {
  return ctx.test_driver ? kSimulatedScale : 1;
}

Result<StoragePool> open_pool(AgentContext& ctx) {
  Status s = ensure_storage_pool(ctx);
  if (!s.ok()) return s;
  virStoragePoolPtr p = virStoragePoolLookupByName(ctx.conn, ctx.config.storage_pool.c_str());
  if (!p) return libvirt_error("storage pool " + ctx.config.storage_pool + ": ");
  return StoragePool(p);
}

}  // namespace

bool valid_volume_name(const std::string& name) {
  static const std::regex kName("[a-z0-9][a-z0-9._-]{0,199}");
  return std::regex_match(name, kName) && name.find("..") == std::string::npos;
}

Status ensure_storage_pool(AgentContext& ctx) {
  auto lock = ctx.lock_object("pool/" + ctx.config.storage_pool);
  if (ctx.storage_pool_ready) return {};
  virStoragePoolPtr raw = virStoragePoolLookupByName(ctx.conn, ctx.config.storage_pool.c_str());
  if (!raw) {
    pugi::xml_document doc;
    auto pool = doc.append_child("pool");
    pool.append_attribute("type") = "dir";
    pool.append_child("name").text() = ctx.config.storage_pool.c_str();
    pool.append_child("target").append_child("path").text() = ctx.config.storage_dir.c_str();
    raw = virStoragePoolDefineXML(ctx.conn, xml_text(doc).c_str(), 0);
    if (!raw) return libvirt_error("storage pool " + ctx.config.storage_pool + ": ");
    StoragePool defined(raw);
    if (virStoragePoolBuild(defined.get(), 0) < 0)
      return libvirt_error("storage pool " + ctx.config.storage_pool + ": ");
    virStoragePoolSetAutostart(defined.get(), 1);
    raw = defined.release();
  }
  StoragePool pool(raw);
  if (virStoragePoolIsActive(pool.get()) != 1 && virStoragePoolCreate(pool.get(), 0) < 0)
    return libvirt_error("storage pool " + ctx.config.storage_pool + ": ");
  ctx.storage_pool_ready = true;  // checked once per agent run
  return {};
}

void refresh_storage_pool(AgentContext& ctx) {
  if (ctx.test_driver) return;
  if (virStoragePoolPtr raw =
          virStoragePoolLookupByName(ctx.conn, ctx.config.storage_pool.c_str())) {
    StoragePool pool(raw);
    virStoragePoolRefresh(pool.get(), 0);
  }
  virResetLastError();
}

Result<json> storage_pool_info(AgentContext& ctx) {
  auto pool = open_pool(ctx);
  if (!pool.ok()) return pool.status();
  virStoragePoolRefresh(pool->get(), 0);
  virStoragePoolInfo info;
  if (virStoragePoolGetInfo(pool->get(), &info) < 0)
    return libvirt_error("storage pool " + ctx.config.storage_pool + ": ");
  return json{{"pool", ctx.config.storage_pool},
              {"path", ctx.config.storage_dir},
              {"capacityBytes", info.capacity * scale(ctx)},
              {"allocationBytes", info.allocation * scale(ctx)},
              {"availableBytes", info.available * scale(ctx)}};
}

std::string volume_xml(const std::string& file, uint64_t capacity_bytes, const std::string& backing,
                       const std::string& backing_format) {
  pugi::xml_document doc;
  auto vol = doc.append_child("volume");
  vol.append_child("name").text() = file.c_str();
  auto cap = vol.append_child("capacity");
  cap.append_attribute("unit") = "bytes";
  cap.text() = static_cast<unsigned long long>(capacity_bytes);
  auto target = vol.append_child("target");
  target.append_child("format").append_attribute("type") = "qcow2";
  // qcow2 v3: libvirt would make v2 (compat 0.10) here, which cannot hold
  // the persistent dirty bitmaps of backup checkpoints.
  target.append_child("compat").text() = "1.1";
  if (!backing.empty()) {
    auto store = vol.append_child("backingStore");
    store.append_child("path").text() = backing.c_str();
    // The overlay is always qcow2; its backing file is read in the Image's format.
    store.append_child("format").append_attribute("type") = backing_format.c_str();
  }
  return xml_text(doc);
}

Result<json> ensure_volume(AgentContext& ctx, const VolumeRequest& req) {
  if (!valid_volume_name(req.name))
    return error(Code::kInvalidArgument, "volume " + json(req.name).dump() + ": invalid name");
  if (req.size_gib < 1)
    return error(Code::kInvalidArgument, "volume " + req.name + ": size_gib must be >= 1");
  if (!req.backing.empty()) {
    Status inside = check_image_file(req.backing, ctx.config.image_dir);
    if (!inside.ok()) return error(inside.code(), "volume " + req.name + ": " + inside.message());
  }
  auto pool = open_pool(ctx);
  if (!pool.ok()) return pool.status();
  auto lock = ctx.lock_object("volume/" + req.name);
  const std::string file = req.name + ".qcow2";
  const uint64_t want = static_cast<uint64_t>(req.size_gib) * kGiB / scale(ctx);
  virStorageVolPtr raw = virStorageVolLookupByName(pool->get(), file.c_str());
  std::string action = "unchanged";
  if (!raw && !req.create) return error(Code::kNotFound, "volume " + req.name + ": no such volume");
  if (!raw && !req.backing.empty() && !req.backing_sha256.empty()) {
    // Before the image's first use on this host (cached while unchanged).
    Status verified = ctx.image_digests.verify(req.backing, req.backing_sha256);
    if (!verified.ok())
      return error(verified.code(), "volume " + req.name + ": " + verified.message());
  }
  if (!raw) {
    std::string xml = volume_xml(file, want, req.backing, req.backing_format);
    raw = virStorageVolCreateXML(pool->get(), xml.c_str(), 0);
    if (!raw) return libvirt_error("volume " + req.name + ": ");
    action = "created";
  }
  StorageVol vol(raw);
  virStorageVolInfo info;
  if (virStorageVolGetInfo(vol.get(), &info) < 0) return libvirt_error("volume " + req.name + ": ");
  if (info.capacity > want) {
    return error(Code::kFailedPrecondition, "volume " + req.name + ": cannot shrink from " +
                                                std::to_string(info.capacity * scale(ctx) / kGiB) +
                                                " GiB to " + std::to_string(req.size_gib) +
                                                " GiB (volumes only grow)");
  }
  if (info.capacity < want) {
    if (ctx.test_driver) {
      // The test driver cannot resize and holds no data: re-create at the new size.
      std::string path = take_string(virStorageVolGetPath(vol.get()));
      if (virStorageVolDelete(vol.get(), 0) < 0) return libvirt_error("volume " + req.name + ": ");
      std::string xml = volume_xml(file, want, "", "qcow2");
      StorageVol grown(virStorageVolCreateXML(pool->get(), xml.c_str(), 0));
      if (!grown) return libvirt_error("volume " + req.name + ": ");
    } else if (virStorageVolResize(vol.get(), want, 0) < 0) {
      return libvirt_error("volume " + req.name + ": ");
    }
    if (action == "unchanged") action = "resized";
  }
  return json{{"name", req.name},
              {"path", take_string(virStorageVolGetPath(vol.get()))},
              {"capacityBytes", want * scale(ctx)},
              {"action", action}};
}

Result<json> delete_volume(AgentContext& ctx, const std::string& name, bool wipe) {
  if (!valid_volume_name(name))
    return error(Code::kInvalidArgument, "volume " + json(name).dump() + ": invalid name");
  auto pool = open_pool(ctx);
  if (!pool.ok()) return pool.status();
  auto lock = ctx.lock_object("volume/" + name);
  const std::string file = name + ".qcow2";
  // A simulated host keeps its volumes in libvirt's memory, but files that a
  // cold move wrote (volume.write) are real: they go with the volume.
  bool removed_file = false;
  if (ctx.test_driver) {
    std::error_code ec;
    removed_file = std::filesystem::remove(ctx.config.storage_dir + "/" + file, ec);
  }
  virStorageVolPtr raw = virStorageVolLookupByName(pool->get(), file.c_str());
  if (!raw) return json{{"name", name}, {"action", removed_file ? "deleted" : "absent"}};
  StorageVol vol(raw);
  // The test driver has no data to wipe and no wipe call; say so rather than pretend.
  bool wiped = wipe && !ctx.test_driver;
  if (wiped && virStorageVolWipe(vol.get(), 0) < 0)
    return libvirt_error("volume " + name + ": wipe failed: ");
  if (virStorageVolDelete(vol.get(), 0) < 0) return libvirt_error("volume " + name + ": ");
  json out = {
      {"name", name}, {"action", wiped ? "wiped and deleted" : "deleted"}, {"wiped", wiped}};
  if (wipe && !wiped) out["note"] = "simulated host: nothing to wipe";
  return out;
}

}  // namespace xc
