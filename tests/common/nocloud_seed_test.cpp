#include "common/nocloud_seed.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

using namespace xc;
using nlohmann::json;

namespace {

constexpr const char* kKey =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKQig858ZtMmeRFsA+eWzR5DPfNDbAM+d6J2+ihKYxnu ops@example";
constexpr const char* kHash = "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd";

DomainSpec spec_with_guest() {
  DomainSpec s;
  s.tenant = "education";
  s.name = "web-1";
  s.spec_hash = "ab";
  s.cpus = 1;
  s.memory_mib = 512;
  DomainNic a;
  a.network = "education/app";
  a.mac = "52:54:00:1a:2b:3c";
  a.ipv4 = "10.20.1.15";
  a.ipv4_prefix = 24;
  a.ipv4_gateway = "10.20.1.1";
  a.ipv6 = "fd00:20::15";
  a.ipv6_prefix = 64;
  a.ipv6_gateway = "fd00:20::1";
  a.dns = {"10.20.0.53", "fd00::53"};
  DomainNic b;
  b.network = "education/db";
  b.mac = "52:54:00:1a:2b:3d";
  b.ipv6 = "auto";
  s.nics = {a, b};
  s.guest = DomainGuest{"web-1.edu", {kKey}, kHash};
  return s;
}

json body(const std::string& text) {
  return json::parse(text);
}

}  // namespace

TEST_CASE("network-config version 2 matches NICs by MAC with static v4 and v6, routes and DNS") {
  NoCloudSeed seed = nocloud_seed(spec_with_guest());
  json net = body(seed.network_config);
  CHECK(net["version"] == 2);
  json e0 = net["ethernets"]["nic0"];
  CHECK(e0 == json::parse(R"({
    "match": {"macaddress": "52:54:00:1a:2b:3c"},
    "dhcp4": false, "dhcp6": false,
    "addresses": ["10.20.1.15/24", "fd00:20::15/64"],
    "routes": [{"to": "0.0.0.0/0", "via": "10.20.1.1"}, {"to": "::/0", "via": "fd00:20::1"}],
    "nameservers": {"addresses": ["10.20.0.53", "fd00::53"]}})"));
  // No static IPv4: DHCP; ipv6 auto: router advertisements (SLAAC).
  CHECK(net["ethernets"]["nic1"] == json::parse(R"({
    "match": {"macaddress": "52:54:00:1a:2b:3d"},
    "dhcp4": true, "dhcp6": false, "accept-ra": true})"));
}

TEST_CASE("user-data is #cloud-config with the keys and the hash, meta-data names the instance") {
  NoCloudSeed seed = nocloud_seed(spec_with_guest());
  REQUIRE(seed.user_data.rfind("#cloud-config\n", 0) == 0);
  json user = body(seed.user_data.substr(std::string("#cloud-config\n").size()));
  CHECK(user["hostname"] == "web-1.edu");
  CHECK(user["ssh_authorized_keys"] == json::array({kKey}));
  CHECK(user["ssh_pwauth"] == false);
  CHECK(user["chpasswd"] == json::parse(std::string(R"({"expire": false, "users": [
    {"name": "root", "password": ")") + kHash +
                                        R"(", "type": "hash"}]})"));
  json meta = body(seed.meta_data);
  CHECK(meta["local-hostname"] == "web-1.edu");
  CHECK(meta["public-keys"] == json::array({kKey}));
  std::string id = meta["instance-id"];
  CHECK(id.rfind("xc-education.web-1-", 0) == 0);
  CHECK(id.size() == std::string("xc-education.web-1-").size() + 16);
  // The hash is in user-data only.
  CHECK(seed.meta_data.find(kHash) == std::string::npos);
  CHECK(seed.network_config.find(kHash) == std::string::npos);
}

TEST_CASE("no password hash, no chpasswd, any change of content gives a new instance-id") {
  DomainSpec s = spec_with_guest();
  s.guest->password_hash.clear();
  NoCloudSeed without = nocloud_seed(s);
  CHECK_FALSE(body(without.user_data.substr(14)).contains("chpasswd"));
  NoCloudSeed with = nocloud_seed(spec_with_guest());
  CHECK(body(with.meta_data)["instance-id"] != body(without.meta_data)["instance-id"]);
  s = spec_with_guest();
  s.nics[0].dns = {"10.20.0.54"};
  CHECK(body(nocloud_seed(s).meta_data)["instance-id"] != body(with.meta_data)["instance-id"]);
  CHECK(nocloud_seed(spec_with_guest()) == with);  // a pure function
}
