#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <pugixml.hpp>
#include <sstream>

#include "agent/agent_config.h"
#include "agent/rpc_service.h"
#include "common/secret_redaction.h"
#include "tests/support/test_host.h"

using namespace xc;
using nlohmann::json;

namespace {

constexpr const char* kHash =
    "$6$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSwGfQv72N2CKPPrVACtLtip/cZ/"
    "1GM/O6IND4WQhG.";
constexpr const char* kKey =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKQig858ZtMmeRFsA+eWzR5DPfNDbAM+d6J2+ihKYxnu ops@example";

// The real handler on a test:/// host, and a second reference to its
// connection (test:/// state is per connection) to read what it defined.
struct Agent {
  testing::TestHost host;
  virConnectPtr raw = nullptr;
  std::unique_ptr<RpcService> service;
  std::string storage;

  Agent() {
    auto config = load_agent_config(host.write_agent_config());
    REQUIRE(config.ok());
    storage = config->storage_dir;
    auto conn = open_libvirt(config->libvirt_uri);
    REQUIRE(conn.ok());
    raw = conn->get();
    virConnectRef(raw);
    service = std::make_unique<RpcService>(std::move(*conn), *config);
  }
  ~Agent() {
    service.reset();
    virConnectClose(raw);
  }

  json call(const std::string& method, const json& params) {
    return service->handle({{"id", 1}, {"method", method}, {"params", params}});
  }
  std::string xml(const std::string& domain) {
    Domain d(virDomainLookupByName(raw, domain.c_str()));
    REQUIRE(d);
    return take_string(virDomainGetXMLDesc(d.get(), VIR_DOMAIN_XML_INACTIVE));
  }
};

json params(const std::string& hash = "1a") {
  json spec = {
      {"tenant", "education"}, {"name", "web-1"},
      {"spec_hash", hash},     {"generation", 1},
      {"arch", "x86_64"},      {"cpus", 1},
      {"memory_mib", 512},     {"disks", {{{"name", "root"}, {"size_gib", 1}, {"tier", "normal"}}}},
      {"nics", json::array()}};
  spec["guest"] = {
      {"hostname", "web-1"}, {"ssh_authorized_keys", {kKey}}, {"password_hash", kHash}};
  return {{"spec", spec}};
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("domain.ensure writes the seed, attaches it as a CD-ROM, and delete removes it") {
  Agent agent;
  json created = agent.call("domain.ensure", params());
  REQUIRE_MESSAGE(created.contains("result"), created.dump());
  CHECK(created["result"]["seed"] == "created");
  std::string iso = agent.storage + "/xc-education.web-1.cidata.iso";
  std::string bytes = read(iso);
  REQUIRE(bytes.size() > 32768 + 72);
  CHECK(bytes.substr(32768 + 40, 6) == "cidata");
  CHECK(bytes.find(kHash) != std::string::npos);  // the guest needs it...
  CHECK((std::filesystem::status(iso).permissions() & std::filesystem::perms::others_read) ==
        std::filesystem::perms::none);  // ...so only its owner reads the file

  pugi::xml_document doc;
  REQUIRE(doc.load_string(agent.xml("xc-education.web-1").c_str()));
  pugi::xml_node cdrom = doc.select_node("/domain/devices/disk[@device='cdrom']").node();
  REQUIRE(cdrom);
  CHECK(std::string(cdrom.child("source").attribute("file").value()) == iso);
  CHECK(cdrom.child("readonly"));
  // The applied spec in the domain's metadata keeps only a redaction marker.
  std::string all = agent.xml("xc-education.web-1");
  CHECK(all.find(kHash) == std::string::npos);
  CHECK(all.find(redacted_secret(kHash).substr(1, 25)) != std::string::npos);  // '<' is &lt;

  // The same spec again: nothing to do, the seed is not rewritten.
  json again = agent.call("domain.ensure", params());
  CHECK(again["result"]["action"] == "unchanged");
  CHECK(again["result"]["seed"] == "unchanged");

  // A new key is a restart-class change and a new seed.
  json changed = params("1b");
  changed["spec"]["guest"]["ssh_authorized_keys"].push_back(
      "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 second@example");
  json updated = agent.call("domain.ensure", changed);
  REQUIRE_MESSAGE(updated.contains("result"), updated.dump());
  CHECK(updated["result"]["seed"] == "updated");
  CHECK(updated["result"]["restart"] ==
        json::array({"guest.ssh_authorized_keys changed (1 -> 2 keys)"}));
  CHECK(updated["result"]["pending"] == true);
  CHECK(read(iso).find("second@example") != std::string::npos);

  json deleted = agent.call("domain.delete", {{"name", "xc-education.web-1"}});
  CHECK(deleted["result"]["seed"] == "deleted");
  CHECK_FALSE(std::filesystem::exists(iso));
}

TEST_CASE("domain.ensure refuses a redacted password hash instead of writing it to the guest") {
  Agent agent;
  json p = params();
  p["spec"]["guest"]["password_hash"] = redacted_secret(kHash);
  json reply = agent.call("domain.ensure", p);
  REQUIRE(reply.contains("error"));
  CHECK(reply["error"]["message"].get<std::string>().rfind(
            "params.guest.password_hash: a redacted value cannot be applied (", 0) == 0);
  CHECK(reply["error"]["message"].get<std::string>().find("send the crypt(3) hash") !=
        std::string::npos);
}

TEST_CASE("domain.ensure takes a redacted hash from the domain's own seed on this storage, only") {
  // An HA restart over shared storage: the seed the first host wrote is here.
  Agent agent;
  REQUIRE_FALSE(agent.call("domain.ensure", params()).contains("error"));
  const std::string seed = agent.storage + "/xc-education.web-1.cidata.iso";
  const std::string before = read(seed);
  REQUIRE(before.find(kHash) != std::string::npos);
  json undefine = {{"name", "xc-education.web-1"}, {"keep_disks", true}};
  REQUIRE_FALSE(agent.call("domain.delete", undefine).contains("error"));
  // Another hash's marker is not filled in from it.
  json other = params();
  other["spec"]["guest"]["password_hash"] = redacted_secret("$6$other$xyz");
  CHECK(agent.call("domain.ensure", other).contains("error"));
  json p = params();
  p["spec"]["guest"]["password_hash"] = redacted_secret(kHash);
  json reply = agent.call("domain.ensure", p);
  REQUIRE_MESSAGE(!reply.contains("error"), reply.dump());
  CHECK(reply["result"]["seed"] == "unchanged");
  CHECK(read(seed) == before);
}
