#include "common/secret_redaction.h"

#include <doctest/doctest.h>

using namespace xc;
using nlohmann::json;

namespace {
constexpr const char* kHash = "$6$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSw";
}

TEST_CASE("a redaction marker names a digest of the secret, never the secret") {
  std::string marker = redacted_secret(kHash);
  CHECK(marker.size() == std::string("<redacted:0123456789abcdef>").size());
  CHECK(marker.rfind("<redacted:", 0) == 0);
  CHECK(is_redacted_secret(marker));
  CHECK(redacted_secret(marker) == marker);  // redacting twice changes nothing
  CHECK(redacted_secret("") == "");
  CHECK(redacted_secret("$6$other$hash") != marker);  // a new hash is a change
  CHECK_FALSE(is_redacted_secret("<redacted>"));
  CHECK_FALSE(is_redacted_secret(kHash));
}

TEST_CASE("manifests and domain specs are redacted where they hold the password hash") {
  json manifest = {
      {"kind", "VirtualMachine"},
      {"spec", {{"cpus", 2}, {"guest", {{"hostname", "web-1"}, {"passwordHash", kHash}}}}}};
  json redacted = redact_vm_manifest(manifest);
  CHECK(redacted["spec"]["guest"]["passwordHash"] == redacted_secret(kHash));
  CHECK(redacted["spec"]["guest"]["hostname"] == "web-1");
  CHECK(redacted.dump().find(kHash) == std::string::npos);
  CHECK(redact_vm_manifest({{"kind", "Network"}}) == json{{"kind", "Network"}});

  json params = {{"name", "web-1"}, {"guest", {{"hostname", "web-1"}, {"password_hash", kHash}}}};
  CHECK(redact_domain_json(params).dump().find(kHash) == std::string::npos);
  DomainSpec spec;
  spec.guest = DomainGuest{"web-1", {}, kHash};
  CHECK(redact_secrets(spec).guest->password_hash == redacted_secret(kHash));
}
