#include "agent/rpc_service.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>

#include "agent/agent_config.h"
#include "agent/host_arch.h"
#include "agent/stdio_server.h"
#include "common/build_info.h"
#include "common/protocol_version.h"
#include "tests/support/test_host.h"

using namespace xc;
using nlohmann::json;

namespace {

struct Agent {
  testing::TestHost host;
  std::unique_ptr<RpcService> service;

  explicit Agent(const testing::TestHostOptions& options = {}) : host(options) {
    auto config = load_agent_config(host.write_agent_config());
    REQUIRE(config.ok());
    auto conn = open_libvirt(config->libvirt_uri);
    REQUIRE(conn.ok());
    service = std::make_unique<RpcService>(std::move(*conn), *config);
  }

  json call(const std::string& method, const json& params = json::object()) {
    return service->handle({{"id", 7}, {"method", method}, {"params", params}});
  }
};

}  // namespace

TEST_CASE("host.facts reports the simulated host's size, arch, storage and GPUs") {
  Agent agent({.arch = "aarch64", .cpus = 64, .memory_kib = 256LL * 1024 * 1024, .with_gpu = true});
  json r = agent.call("host.facts");
  REQUIRE(r.contains("result"));
  const json& f = r["result"];
  CHECK(f["arch"] == "aarch64");
  CHECK(f["cpu"]["count"] == 64);
  CHECK(f["memoryKiB"] == 256LL * 1024 * 1024);
  CHECK(f["storage"]["pool"] == "xcloud");
  CHECK(f["storage"]["capacityBytes"].get<int64_t>() > 0);
  REQUIRE(f["accelerators"].size() == 1);
  CHECK(f["accelerators"][0]["address"] == "0000:3b:00.0");
  CHECK(f["accelerators"][0]["type"] == "gpu-16g");
  CHECK(f["accelerators"][0]["iommuGroup"] == 12);
  CHECK(f["accelerators"][0]["usedBy"].is_null());
  CHECK(r["id"] == 7);
}

TEST_CASE("agent.hello and host.facts name this build's version, commit, arch and protocol") {
  Agent agent({.arch = "aarch64"});
  const BuildInfo& b = build_info();
  json identity = {{"version", b.version},
                   {"commit", b.commit},
                   {"arch", b.arch},
                   {"protocol", kProtocolVersion.text()}};
  CHECK(agent.call("agent.hello", {{"protocol", "1.1"}, {"version", "0.2.0"}})["result"] ==
        identity);
  // The binary's arch, not the simulated host's.
  json facts = agent.call("host.facts")["result"];
  CHECK(facts["agent"] == identity);
  CHECK(facts["arch"] == "aarch64");
}

TEST_CASE("the test-only setting makes the agent claim another protocol and version") {
  testing::TestHost host;
  auto config = load_agent_config(
      host.write_agent_config("testOnly: {protocol: \"1.0\", version: \"0.1.9\"}\n"));
  REQUIRE_MESSAGE(config.ok(), config.status().message());
  auto conn = open_libvirt(config->libvirt_uri);
  REQUIRE(conn.ok());
  RpcService service(std::move(*conn), *config);
  json hello = service.handle({{"id", 1}, {"method", "agent.hello"}})["result"];
  CHECK(hello["protocol"] == "1.0");
  CHECK(hello["version"] == "0.1.9");
  CHECK(hello["commit"] == build_info().commit);
}

TEST_CASE("host.facts of a host the driver does not simulate an arch for: the agent's machine") {
  Agent agent({.arch = ""});
  json r = agent.call("host.facts");
  REQUIRE(r.contains("result"));
  CHECK(r["result"]["arch"] == own_machine());
#if defined(__aarch64__)
  CHECK(r["result"]["arch"] == "aarch64");
#elif defined(__x86_64__)
  CHECK(r["result"]["arch"] == "x86_64");
#endif
  CHECK(r["result"]["cpu"]["model"] == "simulated-i686");
}

TEST_CASE("volumes grow but never shrink, and names cannot escape the pool") {
  Agent agent;
  json r = agent.call("volume.ensure", {{"name", "data-1"}, {"size_gib", 10}});
  REQUIRE(r.contains("result"));
  CHECK(r["result"]["action"] == "created");
  CHECK(r["result"]["path"] == agent.host.dir() + "/disks/data-1.qcow2");
  CHECK(agent.call("volume.ensure", {{"name", "data-1"}, {"size_gib", 10}})["result"]["action"] ==
        "unchanged");
  CHECK(agent.call("volume.resize", {{"name", "data-1"}, {"size_gib", 20}})["result"]["action"] ==
        "resized");
  json shrink = agent.call("volume.resize", {{"name", "data-1"}, {"size_gib", 5}});
  CHECK(shrink["error"]["code"] == "failed_precondition");
  CHECK(shrink["error"]["message"] ==
        "volume data-1: cannot shrink from 20 GiB to 5 GiB (volumes only grow)");
  CHECK(agent.call("volume.resize", {{"name", "nope"}, {"size_gib", 5}})["error"]["message"] ==
        "volume nope: no such volume");
  CHECK(agent.call("volume.ensure", {{"name", "../../etc/passwd"},
                                     {"size_gib", 1}})["error"]["code"] == "invalid_argument");
  CHECK(agent.call("volume.delete", {{"name", "data-1"}})["result"]["action"] == "deleted");
  CHECK(agent.call("volume.delete", {{"name", "data-1"}})["result"]["action"] == "absent");
}

TEST_CASE("a base image must be a file in imageDir, also after following symbolic links") {
  testing::TestHost host;
  const std::string images = host.dir() + "/images";
  std::filesystem::create_directories(images);
  std::filesystem::create_symlink("/etc/passwd", images + "/evil.qcow2");
  auto config = load_agent_config(host.write_agent_config("imageDir: " + images + "\n"));
  REQUIRE(config.ok());
  auto conn = open_libvirt(config->libvirt_uri);
  REQUIRE(conn.ok());
  RpcService service(std::move(*conn), *config);
  auto ensure = [&](const std::string& name, const std::string& backing) {
    return service.handle({{"id", 1},
                           {"method", "volume.ensure"},
                           {"params", {{"name", name}, {"size_gib", 1}, {"backing", backing}}}});
  };
  CHECK(ensure("a", "/etc/shadow")["error"]["code"] == "invalid_argument");
  CHECK(ensure("b", images + "/../../../etc/passwd")["error"]["code"] == "invalid_argument");
  CHECK(ensure("c", "relative.qcow2")["error"]["code"] == "invalid_argument");
  json link = ensure("d", images + "/evil.qcow2");
  CHECK(link["error"]["code"] == "permission_denied");
  CHECK(link["error"]["message"].get<std::string>().find("resolves to /etc/passwd") !=
        std::string::npos);
  CHECK(ensure("e", images + "/uos-20.qcow2")["result"]["action"] == "created");
}

TEST_CASE("each tenant network gets its own bridge") {
  Agent agent;
  json a = agent.call("network.ensure", {{"tenant", "education"}, {"name", "app"}, {"vlan", 120}});
  json b = agent.call("network.ensure", {{"tenant", "health"}, {"name", "app"}, {"vxlan", 5001}});
  REQUIRE(a.contains("result"));
  REQUIRE(b.contains("result"));
  CHECK(a["result"]["network"] == "xcn-education-app");
  CHECK(a["result"]["bridge"] != b["result"]["bridge"]);
  CHECK(a["result"]["bridge"].get<std::string>().size() <= 15);
  CHECK(agent.call("network.ensure",
                   {{"tenant", "education"}, {"name", "app"}, {"vlan", 120}})["result"]["action"] ==
        "unchanged");
  CHECK(agent.call("network.ensure", {{"tenant", "Edu<x>"}, {"name", "app"}})["error"]["code"] ==
        "invalid_argument");
  CHECK(agent.call("network.delete",
                   {{"tenant", "education"}, {"name", "app"}})["result"]["action"] == "deleted");
}

TEST_CASE("domains xcloud does not own are listed apart and never touched") {
  Agent agent({.with_legacy = true});
  json list = agent.call("domains.list");
  REQUIRE(list.contains("result"));
  CHECK(list["result"]["managed"].empty());
  REQUIRE(list["result"]["unmanaged"].size() == 1);
  CHECK(list["result"]["unmanaged"][0]["domain"] == "legacy-erp");
  CHECK(list["result"]["unmanaged"][0]["state"] == "running");
  CHECK(list["result"]["unmanaged"][0]["cpus"] == 2);
  CHECK(list["result"]["unmanaged"][0]["memoryMiB"] == 1024);
  for (const char* action : {"destroy", "shutdown", "reboot", "start"}) {
    json r = agent.call("domain.power", {{"name", "legacy-erp"}, {"action", action}});
    CHECK(r["error"]["code"] == "permission_denied");
    CHECK(r["error"]["message"] ==
          "domain legacy-erp: not managed by xcloud; refusing to touch it");
  }
  CHECK(agent.call("domain.delete", {{"name", "legacy-erp"}})["error"]["code"] ==
        "permission_denied");
  CHECK(agent.call("domains.list")["result"]["unmanaged"][0]["state"] == "running");
  CHECK(agent.call("domain.power", {{"name", "nope"}, {"action", "start"}})["error"]["code"] ==
        "not_found");
}

TEST_CASE("errors carry a stable code and name the object") {
  Agent agent;
  CHECK(agent.call("no.such")["error"]["code"] == "not_found");
  CHECK(agent.call("domain.power", {{"name", "x"}})["error"]["message"] ==
        "params.action: expected a non-empty string");
  json bad = agent.service->handle(json::array());
  CHECK(bad["error"]["code"] == "invalid_argument");
}

TEST_CASE("rpc mode answers one JSON line per request line") {
  Agent agent;
  std::istringstream in(
      "{\"id\":1,\"method\":\"domains.list\"}\nnot json\n\n{\"id\":2,\"method\":\"x\"}\n");
  std::ostringstream out;
  CHECK(serve_stdio(agent.service->handler(), in, out) == 0);
  std::istringstream lines(out.str());
  std::string line;
  std::vector<json> responses;
  while (std::getline(lines, line)) responses.push_back(json::parse(line));
  REQUIRE(responses.size() == 3);
  CHECK(responses[0]["id"] == 1);
  CHECK(responses[0].contains("result"));
  CHECK(responses[1]["error"]["message"] ==
        "request: invalid JSON: parse error at line 1, column 2: syntax error while parsing value "
        "- invalid literal; last read: 'no'");
  CHECK(responses[2]["error"]["code"] == "not_found");
}
