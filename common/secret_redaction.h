// Keeps the guest's password hash out of everything xcloud prints, stores or
// audits: a stored copy carries a marker naming a digest of the secret, so a
// changed secret still shows as a change. Pure; safe from any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/domain_spec.h"

namespace xc {

// "<redacted:0123456789abcdef>" (the first 16 hex digits of the secret's
// SHA-256); empty for an empty secret; a marker is returned unchanged.
std::string redacted_secret(std::string_view secret);
bool is_redacted_secret(std::string_view text);

// The spec with guest.password_hash redacted.
DomainSpec redact_secrets(DomainSpec spec);
// domain.ensure params (or a stored copy of them): guest.password_hash redacted.
nlohmann::json redact_domain_json(nlohmann::json spec);
// A VirtualMachine manifest: spec.guest.passwordHash redacted (and a refused
// plaintext spec.guest.password too, should one ever reach a printer).
nlohmann::json redact_vm_manifest(nlohmann::json manifest);

}  // namespace xc
