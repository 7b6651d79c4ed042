#include "ctl/store/inventory.h"

#include <doctest/doctest.h>

#include "tests/support/temp_dir.h"

using namespace xc;
using nlohmann::json;

namespace {

std::string snapshot(const json& extra, const std::string& vm) {
  json s = {{"facts", {{"arch", "x86_64"}, {"cpu", {{"count", 32}}}, {"memoryKiB", 1 << 27}}},
            {"unmanaged", json::array()},
            {"contactedAtMs", 1000}};
  s["domains"] = json::array();
  if (!vm.empty())
    s["domains"].push_back({{"tenant", "education"},
                            {"vmName", vm},
                            {"state", "running"},
                            {"uuid", "u-1"},
                            {"cpus", 2},
                            {"memoryMiB", 4096}});
  s.update(extra);
  return s.dump();
}

}  // namespace

TEST_CASE("inventory: a host's state, and unknown for a VM last seen on an unreachable host") {
  xc::test::TempDir dir;
  auto opened = open_store(dir.path("state.db"), OpenMode::kCreate);
  REQUIRE(opened.ok());
  Store& store = **opened;
  auto put_host = [&](const std::string& name, const std::string& facts) {
    REQUIRE(store.upsert_host({name, "", "tls", "erlonglu", "gov", "x86_64", facts, 5}).ok());
  };
  put_host("h-ready", snapshot({{"lastError", "old failure"}, {"lastErrorAtMs", 500}}, "web-1"));
  put_host("h-lost", snapshot({{"unreachableSinceMs", 2000},
                               {"lastError", "host h-lost: connection refused"},
                               {"lastErrorAtMs", 3000}},
                              "web-2"));
  put_host("h-maint", snapshot(json::object(), ""));
  put_host("h-never", "{}");
  REQUIRE(store
              .put_resource({"Host", "", "h-maint",
                             json{{"manifest", {{"spec", {{"maintenance", true}}}}}}.dump(), "h", 0,
                             "default", 0})
              .ok());
  for (const std::string host : {"h-ready", "h-lost"}) {
    std::string name = host == "h-ready" ? "web-1" : "web-2";
    REQUIRE(store
                .put_resource({"VirtualMachine", "education", name,
                               json{{"manifest", {{"metadata", {{"name", name}}}}},
                                    {"domain", {{"cpus", 2}, {"memory_mib", 4096}}}}
                                   .dump(),
                               "x", 0, "default", 0})
                .ok());
    REQUIRE(store.set_placement({"VirtualMachine", "education", name}, host).ok());
  }
  auto inv = load_inventory(store);
  REQUIRE_MESSAGE(inv.ok(), inv.status().message());
  std::map<std::string, const HostView*> hosts;
  for (const auto& h : inv->hosts) hosts[h.record.name] = &h;
  CHECK(hosts["h-ready"]->state == "ready");
  CHECK(hosts["h-ready"]->last_error == "old failure");  // kept after the host came back
  CHECK(hosts["h-lost"]->state == "unreachable");
  CHECK(hosts["h-lost"]->unreachable_since_ms == 2000);
  CHECK(hosts["h-lost"]->contacted_at_ms == 1000);  // the last successful contact
  CHECK(hosts["h-lost"]->last_error == "host h-lost: connection refused");
  CHECK(hosts["h-maint"]->state == "maintenance");
  CHECK(hosts["h-never"]->state == "unknown");
  CHECK(hosts["h-lost"]->to_json()["state"] == "unreachable");
  std::map<std::string, std::string> state_of;
  for (const auto& vm : inv->vms) state_of[vm.name] = vm.state;
  CHECK(state_of["web-1"] == "running");
  // web-2's host reported it running, but that host cannot be reached now.
  CHECK(state_of["web-2"] == "unknown");
}
