#include <doctest/doctest.h>

#include "common/domain_spec.h"
#include "common/secret_redaction.h"

using namespace xc;
using nlohmann::json;

namespace {

constexpr const char* kKey =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKQig858ZtMmeRFsA+eWzR5DPfNDbAM+d6J2+ihKYxnu ops@example";
constexpr const char* kHash =
    "$6$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSwGfQv72N2CKPPrVACtLtip/cZ/"
    "1GM/O6IND4WQhG.";

json guest_params() {
  json p = json::parse(R"({
    "tenant": "education", "name": "web-1", "spec_hash": "3f2a9c0d", "generation": 1,
    "arch": "x86_64", "cpus": 2, "memory_mib": 2048,
    "nics": [{"network": "education/app", "mac": "52:54:00:1a:2b:3c",
              "ipv4": "10.20.1.15", "ipv4_prefix": 24, "ipv4_gateway": "10.20.1.1",
              "ipv6": "fd00:20::15", "ipv6_prefix": 64, "ipv6_gateway": "fd00:20::1",
              "dns": ["10.20.0.53", "fd00::53"]}],
    "guest": {"hostname": "web-1.edu"}})");
  p["guest"]["ssh_authorized_keys"] = {kKey};
  p["guest"]["password_hash"] = kHash;
  return p;
}

std::string guest_refusal(const std::string& path, const json& value) {
  json params = guest_params();
  params[json::json_pointer(path)] = value;
  auto spec = domain_spec_from_json(params);
  return spec.ok() ? "accepted" : spec.status().message();
}

}  // namespace

TEST_CASE("a spec with a guest section and NIC addressing round-trips through JSON") {
  auto spec = domain_spec_from_json(guest_params());
  REQUIRE(spec.ok());
  REQUIRE(spec->guest);
  CHECK(spec->guest->hostname == "web-1.edu");
  CHECK(spec->guest->password_hash == kHash);
  CHECK(spec->nics[0].ipv4_prefix == 24);
  CHECK(spec->nics[0].ipv6_gateway == "fd00:20::1");
  CHECK(spec->nics[0].dns == std::vector<std::string>{"10.20.0.53", "fd00::53"});
  auto again = domain_spec_from_json(to_json(*spec));
  REQUIRE(again.ok());
  CHECK(*again == *spec);
}

TEST_CASE("a spec without a guest section keeps its old JSON form") {
  json p = guest_params();
  p.erase("guest");
  for (const char* key : {"ipv4_prefix", "ipv4_gateway", "ipv6_prefix", "ipv6_gateway", "dns"})
    p["nics"][0].erase(key);
  auto spec = domain_spec_from_json(p);
  REQUIRE(spec.ok());
  CHECK_FALSE(spec->guest);
  json out = to_json(*spec);
  CHECK_FALSE(out.contains("guest"));
  CHECK_FALSE(out["nics"][0].contains("dns"));
  CHECK_FALSE(out["nics"][0].contains("ipv4_prefix"));
}

TEST_CASE("a plaintext password is refused without being echoed") {
  std::string message = guest_refusal("/guest/password_hash", "hunter2-secret");
  CHECK(message ==
        "params.guest.password_hash: expected a crypt(3) hash such as $6$... or $y$...; a "
        "plaintext password is refused");
  CHECK(message.find("hunter2") == std::string::npos);
  CHECK(guest_refusal("/guest/password_hash", "$1$abcdefgh$weakmd5hashvalue") !=
        "accepted");  // MD5
  CHECK(guest_refusal("/guest/password_hash", "$6$") != "accepted");
  CHECK(guest_refusal("/guest/password_hash", "$6$salt$hash with space") != "accepted");
  CHECK(guest_refusal("/guest/password", "x") == "params.guest.password: unknown field");
}

TEST_CASE("modern crypt(3) schemes are accepted") {
  for (const char* hash :
       {"$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7",
        "$5$rounds=5000$abcdefgh$Q9mVwVvvQnHTMK0u3W0Tc1HZpWWp8nJr5sH4m7gNcG8",
        "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW", kHash})
    CHECK(guest_refusal("/guest/password_hash", hash) == "accepted");
  // What a stored copy carries instead of the hash parses too (the agent refuses to apply it).
  CHECK(guest_refusal("/guest/password_hash", redacted_secret(kHash)) == "accepted");
}

TEST_CASE("guest fields and NIC addressing are checked with limits") {
  CHECK(guest_refusal("/guest/hostname", "Web_1") ==
        "params.guest.hostname: expected a host name (lowercase DNS labels joined by '.', at "
        "most 253 bytes)");
  CHECK(guest_refusal("/guest/hostname", std::string(254, 'a')) != "accepted");
  CHECK(guest_refusal("/guest/ssh_authorized_keys/0", "ssh-ed25519 AAAA\nssh-rsa AAAA") ==
        "params.guest.ssh_authorized_keys[0]: expected one OpenSSH public key on one line "
        "(\"ssh-ed25519 AAAA... comment\"), at most 8192 bytes");
  CHECK(guest_refusal("/guest/ssh_authorized_keys/0", "not-a-type AAAAC3NzaC1lZDI1NTE5") !=
        "accepted");
  CHECK(guest_refusal("/guest/ssh_authorized_keys/0", "ssh-rsa AAAA!!!!") != "accepted");
  CHECK(guest_refusal("/guest/ssh_authorized_keys/0",
                      std::string("ssh-rsa AAAAB3NzaC1yc2EAAAADAQAB ") + std::string(8200, 'c')) !=
        "accepted");
  json many = json::array();
  for (int i = 0; i < 33; ++i) many.push_back(kKey);
  CHECK(guest_refusal("/guest/ssh_authorized_keys", many) ==
        "params.guest.ssh_authorized_keys: at most 32 entries");
  CHECK(guest_refusal("/nics/0/ipv4_prefix", 33) ==
        "params.nics[0].ipv4_prefix: expected at most 32, got 33");
  CHECK(guest_refusal("/nics/0/ipv6_prefix", 0) ==
        "params.nics[0].ipv6_prefix: expected a positive integer");
  CHECK(guest_refusal("/nics/0/ipv4_gateway", "fd00::1") ==
        "params.nics[0].ipv4_gateway: expected an IPv4 address");
  CHECK(guest_refusal("/nics/0/dns/1", "dns.example") ==
        "params.nics[0].dns[1]: expected an IP address");
  CHECK(guest_refusal("/nics/0/dns",
                      json::array({"1.1.1.1", "1.1.1.2", "1.1.1.3", "1.1.1.4", "1.1.1.5", "1.1.1.6",
                                   "1.1.1.7", "1.1.1.8", "1.1.1.9"})) ==
        "params.nics[0].dns: at most 8 entries");
  CHECK(guest_refusal("/nics/0/ipv6", "auto") ==
        "params.nics[0].ipv6_prefix: given without an ipv6 address");
}
