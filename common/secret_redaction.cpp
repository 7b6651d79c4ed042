// Redaction markers for the guest's password hash.
#include "common/secret_redaction.h"

#include "common/digest.h"

namespace xc {
namespace {

constexpr std::string_view kPrefix = "<redacted:";
constexpr size_t kDigits = 16;

void redact_field(nlohmann::json& object, const char* key) {
  if (!object.is_object()) return;
  auto it = object.find(key);
  if (it != object.end() && it->is_string())
    *it = redacted_secret(it->get<std::string>());
  else if (it != object.end() && !it->is_null())
    *it = redacted_secret(it->dump());
}

}  // namespace

std::string redacted_secret(std::string_view secret) {
  if (secret.empty() || is_redacted_secret(secret)) return std::string(secret);
  return std::string(kPrefix) + sha256_hex(secret).substr(0, kDigits) + ">";
}

bool is_redacted_secret(std::string_view text) {
  if (text.size() != kPrefix.size() + kDigits + 1 || text.substr(0, kPrefix.size()) != kPrefix ||
      text.back() != '>')
    return false;
  for (char c : text.substr(kPrefix.size(), kDigits))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

DomainSpec redact_secrets(DomainSpec spec) {
  if (spec.guest) spec.guest->password_hash = redacted_secret(spec.guest->password_hash);
  return spec;
}

nlohmann::json redact_domain_json(nlohmann::json spec) {
  if (spec.is_object() && spec.contains("guest")) redact_field(spec["guest"], "password_hash");
  return spec;
}

nlohmann::json redact_vm_manifest(nlohmann::json manifest) {
  if (!manifest.is_object() || !manifest.contains("spec") || !manifest["spec"].is_object())
    return manifest;
  nlohmann::json& spec = manifest["spec"];
  if (!spec.contains("guest") || !spec["guest"].is_object()) return manifest;
  redact_field(spec["guest"], "passwordHash");
  redact_field(spec["guest"], "password");
  return manifest;
}

}  // namespace xc
