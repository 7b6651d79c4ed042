#include "ctl/migrate/shared_storage.h"

#include <nlohmann/json.hpp>

#include "ctl/hosts/host_object.h"

namespace xc {
namespace {

// The host's pool's sharedStorage, or "" (no pool, none declared).
Result<std::string> shared_of(Store& store, const std::string& host) {
  auto record = store.get_host(host);
  if (!record.ok())
    return record.status().code() == Code::kNotFound ? Result<std::string>(std::string())
                                                     : Result<std::string>(record.status());
  Object object = host_object(store, *record);
  const std::string& declared = object.as<HostSpec>().pool;
  const std::string pool = declared.empty() ? record->pool : declared;
  if (pool.empty()) return std::string();
  auto stored = store.get_resource({"Pool", "", pool});
  if (!stored.ok())
    return stored.status().code() == Code::kNotFound ? Result<std::string>(std::string())
                                                     : Result<std::string>(stored.status());
  // A record of another shape (hand-edited, older) declares no sharing.
  nlohmann::json rec = nlohmann::json::parse(stored->spec_json, nullptr, false);
  if (!rec.is_object() || !rec.contains("manifest") || !rec["manifest"].is_object())
    return std::string();
  const nlohmann::json& manifest = rec["manifest"];
  if (!manifest.contains("spec") || !manifest["spec"].is_object()) return std::string();
  const nlohmann::json& spec = manifest["spec"];
  auto it = spec.find("sharedStorage");
  return it != spec.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Result<std::string> shared_storage_between(Store& store, const std::string& from,
                                           const std::string& to) {
  auto a = shared_of(store, from);
  if (!a.ok()) return a.status();
  auto b = shared_of(store, to);
  if (!b.ok()) return b.status();
  return !a->empty() && *a == *b ? *a : std::string();
}

}  // namespace xc
