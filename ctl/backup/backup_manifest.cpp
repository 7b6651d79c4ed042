#include "ctl/backup/backup_manifest.h"

#include "common/sm_crypto.h"

namespace xc {

using nlohmann::json;

int64_t BackupManifest::stored_bytes() const {
  int64_t total = 0;
  for (const auto& c : chunks) total += c.length;
  return total;
}

json manifest_json(const BackupManifest& m) {
  json disks = json::array(), chunks = json::array();
  for (const auto& d : m.disks) disks.push_back({{"name", d.name}, {"size", d.size}});
  for (const auto& c : m.chunks)
    chunks.push_back(
        {{"disk", c.disk}, {"offset", c.offset}, {"length", c.length}, {"sm3", c.sm3}});
  return {{"format", kManifestFormat},
          {"tenant", m.tenant},
          {"vm", m.vm},
          {"id", m.id},
          {"kind", m.kind},
          {"parent", m.parent},
          {"checkpoint", m.checkpoint},
          {"method", m.method},
          {"keyId", m.key_id},
          {"timeMs", m.time_ms},
          {"chunkBytes", m.chunk_bytes},
          {"disks", disks},
          {"chunks", chunks}};
}

Result<BackupManifest> manifest_from_json(const json& j) {
  try {
    if (j.at("format").get<std::string>() != kManifestFormat)
      return error(Code::kInvalidArgument, "manifest: unknown format " + j.at("format").dump());
    BackupManifest m;
    m.tenant = j.at("tenant");
    m.vm = j.at("vm");
    m.id = j.at("id");
    m.kind = j.at("kind");
    m.parent = j.at("parent");
    m.checkpoint = j.at("checkpoint");
    m.method = j.at("method");
    m.key_id = j.at("keyId");
    m.time_ms = j.at("timeMs");
    m.chunk_bytes = j.at("chunkBytes");
    for (const auto& d : j.at("disks")) m.disks.push_back({d.at("name"), d.at("size")});
    for (const auto& c : j.at("chunks"))
      m.chunks.push_back({c.at("disk"), c.at("offset"), c.at("length"), c.at("sm3")});
    if (m.kind != "full" && m.kind != "incremental")
      return error(Code::kInvalidArgument, "manifest: kind must be full or incremental");
    return m;
  } catch (const json::exception& e) {
    return error(Code::kInvalidArgument, std::string("manifest: ") + e.what());
  }
}

Result<std::string> seal_manifest(const BackupManifest& m, const BackupKey& key) {
  std::string body = manifest_json(m).dump();
  auto digest = sm3(body);
  if (!digest.ok()) return digest.status();
  auto mac = backup_mac_hex(key, body);
  if (!mac.ok()) return mac.status();
  return json{{"manifest", body}, {"sm3", to_hex(as_bytes(*digest))}, {"mac", *mac}}.dump(1) + "\n";
}

Result<BackupManifest> open_manifest(const std::string& text, const BackupKey& key) {
  json outer = json::parse(text, nullptr, false);
  if (!outer.is_object() || !outer.contains("manifest") || !outer["manifest"].is_string() ||
      !outer.value("sm3", json()).is_string() || !outer.value("mac", json()).is_string())
    return error(Code::kInvalidArgument, "manifest: not an xcloud backup manifest");
  const std::string body = outer["manifest"];
  auto digest = sm3(body);
  if (!digest.ok()) return digest.status();
  if (to_hex(as_bytes(*digest)) != outer["sm3"].get<std::string>())
    return error(Code::kPermissionDenied, "manifest: SM3 digest does not match (changed)");
  auto inner = manifest_from_json(json::parse(body, nullptr, false));
  if (!inner.ok()) return inner.status();
  auto mac = backup_mac_hex(key, body);
  if (!mac.ok()) return mac.status();
  if (*mac != outer["mac"].get<std::string>()) {
    if (inner->key_id != key.id())
      return error(Code::kPermissionDenied, "manifest: sealed with key " + inner->key_id +
                                                ", the key store has key " + key.id() +
                                                " (wrong key)");
    return error(Code::kPermissionDenied, "manifest: MAC does not authenticate (changed)");
  }
  return inner;
}

std::string chunk_file_name(const BackupChunk& c) {
  return c.disk + "/" + std::to_string(c.offset) + ".chunk";
}

std::string chunk_label(const BackupManifest& m, const BackupChunk& c) {
  return m.tenant + "/" + m.vm + "/" + m.id + "/" + c.disk + "@" + std::to_string(c.offset) + "+" +
         std::to_string(c.length);
}

}  // namespace xc
