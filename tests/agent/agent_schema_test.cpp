// The agent protocol schemas (schemas/agent/) against the real agent: a
// simulated host is driven through a realistic sequence and every request
// and response is checked against the envelope and its method's schemas.
#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>
#include <vector>

#include "agent/agent_config.h"
#include "agent/rpc_service.h"
#include "agent/volume_transfer.h"
#include "common/digest.h"
#include "common/embedded_files.h"
#include "tests/support/test_host.h"
#include "tests/support/test_pki.h"

using namespace xc;
using nlohmann::json;

namespace {

constexpr const char* kAgentSchemas = "schemas/agent/";

json embedded_schema(const std::string& name) {
  const auto& files = embedded_files();
  auto it = files.find(kAgentSchemas + name);
  if (it == files.end()) FAIL("schema not compiled in: " << name);
  return json::parse(it->second);
}

// Schemas by reference ("domains.list.result.schema.json" or
// "envelope.schema.json#/definitions/request"), parsed once.
class ProtocolSchemas {
 public:
  // Each problem as "/pointer: description"; empty when `doc` is valid.
  std::vector<std::string> check(const std::string& ref, const json& doc) {
    auto& schema = schemas_[ref];
    if (!schema) {
      schema = std::make_unique<valijson::Schema>();
      // A definition is checked as the root of a copy of its file, so that
      // the file's own "#/definitions/..." references still resolve.
      size_t hash = ref.find('#');
      json root = embedded_schema(ref.substr(0, hash));
      if (hash != std::string::npos)
        root = {{"definitions", root["definitions"]}, {"$ref", ref.substr(hash)}};
      valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
      valijson::adapters::NlohmannJsonAdapter adapter(root);
      auto fetch = [](const std::string& uri) -> const json* {
        return new json(embedded_schema(uri.substr(uri.find_last_of('/') + 1)));
      };
      auto free_doc = [](const json* doc) { delete doc; };
      parser.populateSchema(adapter, *schema, fetch, free_doc);
    }
    valijson::Validator validator;  // strict types: "8" is not an integer
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter target(doc);
    std::vector<std::string> problems;
    if (validator.validate(*schema, target, &results)) return problems;
    valijson::ValidationResults::Error e;
    while (results.popError(e)) {
      std::string where;
      for (const auto& part : e.context) where += part == "<root>" ? "" : part;
      problems.push_back((where.empty() ? "/" : where) + ": " + e.description);
    }
    return problems;
  }

 private:
  std::map<std::string, std::unique_ptr<valijson::Schema>> schemas_;
};

// One item per line, so that a failed CHECK prints what differs.
template <typename List>
std::string lines(const List& items) {
  std::string out;
  for (const auto& item : items) out += item + "\n";
  return out;
}

std::set<std::string> method_names() {
  MethodTable table;
  add_all_methods(table);
  std::set<std::string> names;
  for (const auto& [name, _] : table) names.insert(name);
  return names;
}

// A real RpcService on a simulated host; every call is checked against the
// schemas and its problems kept, prefixed with the call.
struct CheckedAgent {
  testing::TestHost host;
  std::unique_ptr<RpcService> service;
  ProtocolSchemas schemas;
  std::vector<std::string> problems;     // should stay empty
  std::vector<std::string> refused;      // methods of the requests the schemas refused
  std::set<std::string> methods_called;  // with a response that had a result
  int next_id = 1;

  explicit CheckedAgent(const testing::TestHostOptions& options, const std::string& tls_ca = "")
      : host(options) {
    auto config = load_agent_config(host.write_agent_config());
    REQUIRE(config.ok());
    if (!tls_ca.empty()) config->tls_ca = tls_ca;
    auto conn = open_libvirt(config->libvirt_uri);
    REQUIRE(conn.ok());
    service = std::make_unique<RpcService>(std::move(*conn), *config);
  }

  void note(const std::string& label, const std::string& what,
            const std::vector<std::string>& found, std::vector<std::string>& into) {
    for (const auto& p : found) into.push_back(label + " " + what + ": " + p);
  }

  // Sends a request; a request the schemas refuse is recorded in `refused`,
  // any problem with the response in `problems`.
  json call(const std::string& method, const json& params = json::object()) {
    json request = {{"id", next_id++}, {"method", method}, {"params", params}};
    std::string label = "#" + request["id"].dump() + " " + method;
    std::vector<std::string> request_problems =
        schemas.check("envelope.schema.json#/definitions/request", request);
    if (request_problems.empty())
      request_problems = schemas.check(method + ".params.schema.json", params);
    if (!request_problems.empty()) refused.push_back(method);

    json response = service->handle(request);
    note(label, "response", schemas.check("envelope.schema.json#/definitions/response", response),
         problems);
    if (response.contains("result") && request_problems.empty()) {
      note(label, "result", schemas.check(method + ".result.schema.json", response["result"]),
           problems);
      methods_called.insert(method);
    }
    if (response["id"] != request["id"])
      problems.push_back(label + ": response id " + response["id"].dump());
    return response;
  }
};

json web_spec(int cpus, int64_t generation) {
  return {{"tenant", "education/schools"},
          {"name", "web-1"},
          {"spec_hash", "ab12"},
          {"generation", generation},
          {"arch", "x86_64"},
          {"cpus", cpus},
          {"memory_mib", 2048},
          {"disks", {{{"name", "root"}, {"size_gib", 20}, {"tier", "high"}, {"iops", 5000}}}},
          {"nics",
           {{{"network", "education/app"},
             {"mac", "52:54:00:0a:0b:0c"},
             {"vlan", 120},
             {"ipv4", "10.0.0.5"},
             {"security_groups", {"web"}}}}},
          {"accelerators", {{{"type", "gpu-16g"}, {"pci_address", "0000:3b:00.0"}}}}};
}

}  // namespace

TEST_CASE("every agent method has a params and a result schema, and every schema a method") {
  std::set<std::string> methods = method_names();
  std::set<std::string> expected_files = {"schemas/agent/envelope.schema.json",
                                          "schemas/agent/definitions.schema.json"};
  for (const auto& m : methods) {
    expected_files.insert(kAgentSchemas + m + ".params.schema.json");
    expected_files.insert(kAgentSchemas + m + ".result.schema.json");
  }
  std::set<std::string> files;
  for (const auto& [path, _] : embedded_files())
    if (path.rfind(kAgentSchemas, 0) == 0) files.insert(path);
  CHECK(lines(files) == lines(expected_files));

  json listed = embedded_schema(
      "envelope.schema.json")["definitions"]["request"]["properties"]["method"]["enum"];
  CHECK(lines(listed.get<std::set<std::string>>()) == lines(methods));
}

TEST_CASE("every request and response of a realistic session matches the agent schemas") {
  CheckedAgent agent({.with_gpu = true, .with_legacy = true});
  const std::string vm = "xc-education.schools.web-1";

  CHECK(agent.call("agent.hello", {{"protocol", "1.1"}, {"version", "0.2.0"}})["result"].contains(
      "protocol"));
  CHECK(agent.call("host.facts")["result"]["accelerators"][0]["usedBy"].is_null());
  CHECK(agent.call("network.ensure",
                   {{"tenant", "education"}, {"name", "app"}, {"vlan", 120}})["result"]["action"] ==
        "created");
  CHECK(agent.call("network.ensure",
                   {{"tenant", "education"}, {"name", "app"}, {"vlan", 120}})["result"]["action"] ==
        "unchanged");
  json sg = agent.call("securitygroup.ensure",
                       {{"tenant", "education"},
                        {"name", "web"},
                        {"ingress",
                         {{{"protocol", "tcp"}, {"from", "10.0.0.0/8"}, {"port_from", 22}},
                          {{"protocol", "icmp"}}}}});
  CHECK(sg["result"]["applied"] == false);
  CHECK(agent.call("securitygroup.delete",
                   {{"tenant", "education"}, {"name", "web"}})["result"]["action"] == "absent");

  CHECK(agent.call("volume.ensure", {{"name", "data-1"}, {"size_gib", 10}})["result"]["action"] ==
        "created");
  CHECK(agent.call("volume.resize", {{"name", "data-1"}, {"size_gib", 20}})["result"]["action"] ==
        "resized");
  CHECK(agent.call("volume.resize", {{"name", "data-1"}, {"size_gib", 5}})["error"]["code"] ==
        "failed_precondition");
  CHECK(agent.call("volume.delete", {{"name", "data-1"}, {"wipe", true}})["result"]["action"] ==
        "deleted");
  CHECK(agent.call("volume.delete", {{"name", "data-1"}})["result"]["action"] == "absent");

  CHECK(agent.call("domain.ensure", web_spec(2, 1))["result"]["action"] == "created");
  CHECK(agent.call("domain.ensure", web_spec(2, 1))["result"]["action"] == "unchanged");
  json updated = agent.call("domain.ensure", {{"spec", web_spec(4, 2)}, {"allow_restart", false}});
  CHECK(updated["result"]["action"] == "updated");
  CHECK(updated["result"]["restart"] == json::array({"cpus 2 -> 4"}));
  CHECK(updated["result"]["pending"] == true);

  json list = agent.call("domains.list");
  CHECK(list["result"]["managed"][0]["domain"] == vm);
  CHECK(list["result"]["managed"][0]["restartPending"] == true);
  CHECK(list["result"]["unmanaged"][0]["domain"] == "legacy-erp");
  CHECK(agent.call("host.facts")["result"]["accelerators"][0]["usedBy"] == vm);
  CHECK(agent.call("domain.console", {{"name", vm}})["error"]["code"] == "failed_precondition");
  CHECK(agent.call("domain.console", {{"name", "legacy-erp"}})["error"]["code"] ==
        "permission_denied");
  CHECK(agent.call("metrics.sample")["result"]["domains"].size() == 2);

  CHECK(agent.call("domain.power",
                   {{"name", vm}, {"action", "shutdown"}, {"timeout_s", 1}})["result"]["state"] ==
        "stopped");
  CHECK(agent.call("domain.power", {{"name", vm}, {"action", "start"}})["result"]["state"] ==
        "running");
  CHECK(agent.call("domain.power", {{"name", vm}, {"action", "reboot"}})["result"]["before"] ==
        "running");
  CHECK(agent.call("domain.power",
                   {{"name", vm}, {"action", "reboot"}, {"force", true}})["result"]["outcome"] ==
        "reset");
  CHECK(agent.call("domain.power", {{"name", vm}, {"action", "destroy"}})["result"]["state"] ==
        "stopped");
  CHECK(agent.call("domain.power", {{"name", vm}, {"action", "reboot"}})["error"]["code"] ==
        "failed_precondition");
  CHECK(agent.call("domain.power", {{"name", vm}, {"action", "shutdown"}})["result"]["outcome"] ==
        "already-off");
  CHECK(agent.call("domain.power", {{"name", vm}, {"action", "start"}})["result"]["outcome"] ==
        "started");
  // The test driver's guest shuts down at once when asked.
  json asked = agent.call("domain.power", {{"name", vm}, {"action", "shutdown"}, {"timeout_s", 5}});
  CHECK(asked["result"]["outcome"] == "guest");
  CHECK(asked["result"]["state"] == "stopped");
  CHECK(agent.call("domain.power",
                   {{"name", vm}, {"action", "shutdown"}, {"timeout_s", 241}})["error"]["code"] ==
        "invalid_argument");
  CHECK(agent.call("domain.power", {{"name", "nope"}, {"action", "start"}})["error"]["code"] ==
        "not_found");
  // A cold move's calls: the target prepares the volumes, the source exports
  // the definition, a file crosses in chunks and is committed with its digest,
  // the target imports (here the same host: the domain is left alone).
  CHECK(agent.call("domain.migrate_prepare", {{"spec", web_spec(2, 1)}})["result"].contains(
      "volumes"));
  // No certificates in this test host's qemu.conf directory: no TLS, and why.
  json tls = agent.call("host.migration_tls")["result"];
  CHECK(tls["tls"] == false);
  CHECK_FALSE(tls["problem"].get<std::string>().empty());
  json exported = agent.call("domain.export", {{"name", vm}});
  CHECK(exported["result"]["xml"].get<std::string>().find(vm) != std::string::npos);
  const std::string part = "xc-education.schools.web-1.moved";
  CHECK(agent.call("volume.write", {{"name", part},
                                    {"offset", 0},
                                    {"data", base64_encode("data")}})["result"]["written"] == 4);
  CHECK(agent.call("volume.read", {{"name", part}})["result"]["size"] == 0);  // not committed
  CHECK(agent.call(
            "volume.commit",
            {{"name", part}, {"size", 4}, {"sha256", sha256_hex("data")}})["result"]["action"] ==
        "committed");
  CHECK(agent.call("volume.read", {{"name", part}})["result"]["data"] == base64_encode("data"));
  // vm clone's full copy: byte-exact, beside the source; a clone of a
  // volume that has no file, or onto itself, is refused.
  json cloned =
      agent.call("volume.clone", {{"source", part}, {"name", part + "-2"}, {"mode", "copy"}});
  CHECK(cloned["result"]["sha256"] == sha256_hex("data"));
  CHECK(agent.call("volume.read", {{"name", part + "-2"}})["result"]["data"] ==
        base64_encode("data"));
  CHECK(agent.call("volume.clone", {{"source", "nofile"},
                                    {"name", part + "-3"},
                                    {"mode", "copy"}})["error"]["code"] == "not_found");
  CHECK(agent.call("volume.clone",
                   {{"source", part}, {"name", part}, {"mode", "copy"}})["error"]["code"] ==
        "invalid_argument");
  CHECK(agent.call("domain.import", {{"name", vm}, {"xml", exported["result"]["xml"]}})["result"]
            .is_object());
  // A simulated host has no migration or job statistics; their results are
  // checked by tests/system/live_migration.sh on real libvirtd hosts.
  CHECK(agent.call("domain.job", {{"name", vm}}).contains("error"));
  CHECK(agent.call("domain.migrate", {{"name", vm}, {"uri", "qemu+tcp://nowhere/system"}})
            .contains("error"));
  json deleted = agent.call("domain.delete", {{"name", vm}, {"wipe", true}});
  CHECK(deleted["result"]["action"] == "deleted");
  CHECK(deleted["result"]["volumes"].size() == 1);
  CHECK(agent.call("domain.delete", {{"name", vm}})["result"]["action"] == "absent");
  CHECK(agent.call("network.delete",
                   {{"tenant", "education"}, {"name", "app"}})["result"]["action"] == "deleted");
  json beat = agent.call("host.heartbeat");
  json events = agent.call("events.wait", {{"after", 0}, {"waitMs", 2000}, {"max", 1000}});
  CHECK(events["result"]["bootId"] == beat["result"]["bootId"]);
  CHECK(agent.call("events.wait", {{"bootId", "0ld"}})["result"]["reset"] == true);

  // Requests the schemas refuse, as the agent does.
  CHECK(agent.call("events.wait", {{"waitMs", 60001}})["error"]["code"] == "invalid_argument");
  CHECK(agent.call("no.such")["error"]["code"] == "not_found");
  CHECK(agent.call("domain.power", {{"name", vm}})["error"]["code"] == "invalid_argument");
  CHECK(agent.call("volume.ensure", {{"name", "data-2"}, {"size_gib", "10"}})["error"]["code"] ==
        "invalid_argument");
  json cpu_text = web_spec(2, 1);
  cpu_text["cpus"] = "2";
  CHECK(agent.call("domain.ensure", cpu_text)["error"]["message"] ==
        "params.cpus: expected a positive integer");
  CHECK(agent.call("domain.ensure",
                   {{"spec", web_spec(2, 1)}, {"force", true}})["result"]["action"] == "created");

  CHECK(lines(agent.problems) == "");
  CHECK(lines(agent.refused) ==
        "domain.power\nevents.wait\nno.such\ndomain.power\nvolume.ensure\ndomain.ensure\n"
        "domain.ensure\n");
  // Snapshots and backups need a QEMU host: a simulated one refuses them
  // (their requests still meet the params schemas; their results are
  // exercised on a real libvirtd by tests/system/protect.sh).
  const std::vector<std::pair<std::string, json>> qemu_only = {
      {"snapshot.create", {{"name", vm}, {"snapshot", "s1"}}},
      {"snapshot.list", {{"name", vm}}},
      {"snapshot.revert", {{"name", vm}, {"snapshot", "s1"}}},
      {"snapshot.delete", {{"name", vm}, {"snapshot", "s1"}}},
      {"backup.begin", {{"name", vm}, {"id", "b1"}}},
  };
  for (const auto& [method, params] : qemu_only)
    CHECK_MESSAGE(agent.call(method, params)["error"]["code"] == "failed_precondition", method);
  CHECK(agent.call("backup.read",
                   {{"file", "/etc/shadow"}, {"offset", 0}, {"length", 1}})["error"]["code"] ==
        "permission_denied");
  CHECK(agent.call("backup.end", {{"name", vm}, {"id", "b1"}})["result"]["removedFiles"] == 0);
  // Image transfer writes into the host's image directory (the default
  // /var/lib/xcloud/images here): only its refusals are exercised; its
  // results by tests/e2e/image_push.sh.
  const std::string digest(64, 'a');
  CHECK(agent.call("image.stat", {{"sha256", digest}})["result"]["present"] == false);
  CHECK(agent.call("image.write",
                   {{"sha256", digest}, {"offset", 0}, {"data", "!!!!"}})["error"]["code"] ==
        "invalid_argument");
  CHECK(agent.call("image.commit", {{"sha256", digest}, {"size", 4}})["error"]["code"] == "io");
  // Adoption: the domain xcloud does not own is read, then taken over.
  json legacy = agent.call("domain.inspect", {{"name", "legacy-erp"}})["result"];
  CHECK(legacy["managed"] == false);
  CHECK(legacy["memoryKiB"] == 1024 * 1024);
  json adopted = {{"tenant", "education"}, {"name", "legacy-erp"},   {"spec_hash", "ab12"},
                  {"generation", 1},       {"arch", "x86_64"},       {"cpus", 2},
                  {"memory_mib", 1024},    {"disks", json::array()}, {"adopted", true}};
  CHECK(agent.call("domain.adopt", {{"spec", adopted}, {"uuid", legacy["uuid"]}})["result"]["id"] ==
        legacy["id"]);
  CHECK(agent.call("domain.inspect", {{"name", "legacy-erp"}})["result"]["managed"] == true);
  // In rpc mode (here, and over SSH) there is no TLS certificate to renew.
  CHECK(agent.call("host.install_identity",
                   {{"certificate", "PEM"}, {"key", "PEM"}})["error"]["code"] ==
        "failed_precondition");
  json garbage = {{"ca", "PEM"},
                  {"serverCertificate", "PEM"},
                  {"serverKey", "PEM"},
                  {"clientCertificate", "PEM"},
                  {"clientKey", "PEM"}};
  CHECK(agent.call("host.install_migration_tls", garbage)["error"]["code"] == "invalid_argument");
  CHECK(lines(agent.problems) == "");
  // Every method answered with a result, except domain.console: a simulated
  // domain never has a VNC port (its result is checked in the next test).
  std::set<std::string> expected = method_names();
  expected.erase("domain.console");
  for (const auto& [method, _] : qemu_only) expected.erase(method);
  expected.erase("backup.read");
  expected.erase("domain.migrate");
  expected.erase("domain.job");
  expected.erase("image.write");
  expected.erase("image.commit");
  expected.erase("host.install_identity");       // its result: tests/e2e/host_renew.sh
  expected.erase("host.install_migration_tls");  // the same
  // A host-to-host copy needs the agent's CA file: the next test.
  for (const char* m : {"volume.offer", "volume.pull", "volume.pull_status"}) expected.erase(m);
  CHECK(lines(agent.methods_called) == lines(expected));
}

TEST_CASE("a host-to-host copy's requests and answers match the agent schemas") {
  test::TestPki pki;
  CheckedAgent agent({}, pki.ca_path());
  const std::string volume = "xc-education.schools.web-1.root";
  REQUIRE(
      agent.call("volume.write", {{"name", volume}, {"offset", 0}, {"data", base64_encode("disk")}})
          .contains("result"));
  REQUIRE(
      agent.call("volume.commit", {{"name", volume}, {"size", 4}, {"sha256", sha256_hex("disk")}})
          .contains("result"));
  const std::string ticket = "00112233445566778899aabbccddeeff";
  json offered = agent.call("volume.offer", {{"name", volume}, {"ticket", ticket}});
  CHECK(offered["result"]["size"] == 4);
  CHECK(agent.call("volume.offer", {{"name", volume}, {"ticket", ticket}})["error"]["code"] ==
        "conflict");
  auto client = issue_certificate(pki.ca(), kTransferCommonNamePrefix + ticket, {},
                                  CertificateUsage::kClient, test::kLongAgo, test::kFarFuture);
  REQUIRE(client.ok());
  // Nothing listens on port 1: the pull starts, then fails unreached.
  json pull = {{"name", volume + "-copy"},
               {"ticket", ticket},
               {"size", 4},
               {"source", {{"host", "127.0.0.1"}, {"port", 1}}},
               {"certificate", client->certificate_pem},
               {"key", client->private_key_pem}};
  CHECK(agent.call("volume.pull", pull)["result"]["action"] == "pulling");
  json state = agent.call("volume.pull_status", {{"name", volume + "-copy"}, {"wait_ms", 5000}});
  CHECK(state["result"]["state"] == "failed");
  CHECK(state["result"]["unreached"] == true);
  CHECK(agent.call("volume.pull_status", {{"name", "nothing"}})["error"]["code"] == "not_found");
  pull["source"]["port"] = 0;
  agent.call("volume.pull", pull);
  CHECK(lines(agent.refused) == "volume.pull\n");
  CHECK(lines(agent.problems) == "");
}

TEST_CASE("a response of the wrong shape fails the schemas") {
  ProtocolSchemas schemas;
  json entry = {{"domain", "vm-1"},
                {"uuid", "2eb002bb-239c-4e04-92c2-59e887669530"},
                {"state", "running"},
                {"cpus", 2},
                {"memoryMiB", 1024}};
  json good = {{"managed", json::array()}, {"unmanaged", {entry}}};
  CHECK(schemas.check("domains.list.result.schema.json", good).empty());

  json text_cpus = good;
  text_cpus["unmanaged"][0]["cpus"] = "2";
  CHECK_FALSE(schemas.check("domains.list.result.schema.json", text_cpus).empty());
  json extra = good;
  extra["unmanaged"][0]["owner"] = "xcloud";
  CHECK_FALSE(schemas.check("domains.list.result.schema.json", extra).empty());
  json no_state = good;
  no_state["unmanaged"][0].erase("state");
  CHECK_FALSE(schemas.check("domains.list.result.schema.json", no_state).empty());

  json console = {{"domain", "vm-1"}, {"type", "vnc"}, {"listen", "127.0.0.1"}, {"port", 5900}};
  CHECK(schemas.check("domain.console.result.schema.json", console).empty());
  console["port"] = 70000;
  CHECK_FALSE(schemas.check("domain.console.result.schema.json", console).empty());

  const std::string response = "envelope.schema.json#/definitions/response";
  CHECK(
      schemas.check(response, {{"id", 1}, {"error", {{"code", "not_found"}, {"message", "x: no"}}}})
          .empty());
  CHECK_FALSE(
      schemas.check(response, {{"id", 1}, {"error", {{"code", "ok"}, {"message", "x"}}}}).empty());
  CHECK_FALSE(schemas
                  .check(response, {{"id", 1},
                                    {"result", json::object()},
                                    {"error", {{"code", "io"}, {"message", "x"}}}})
                  .empty());
  CHECK_FALSE(schemas.check(response, {{"id", 1}}).empty());
}
