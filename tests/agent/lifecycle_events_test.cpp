// The agent's lifecycle events: the ring's numbering, bounds and long-poll,
// the event name table, and events.wait on a simulated host (libvirt's
// test:/// driver emits lifecycle events through the default event loop).
#include "agent/lifecycle_events.h"

#include <doctest/doctest.h>

#include <future>
#include <thread>

#include "agent/agent_config.h"
#include "agent/rpc_service.h"
#include "tests/support/test_host.h"

using namespace xc;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

LifecycleEvent event(const std::string& domain, const std::string& type) {
  LifecycleEvent e;
  e.domain = domain;
  e.type = type;
  return e;
}

std::string types(const json& events) {
  std::string out;
  for (const auto& e : events)
    out += e["type"].get<std::string>() + "/" + e["detail"].get<std::string>() + " ";
  return out;
}

}  // namespace

TEST_CASE("the event ring numbers events from 1 and returns those after a sequence number") {
  EventRing ring(8);
  for (const char* d : {"a", "b", "c"}) ring.append(event(d, "started"));
  EventBatch all = ring.read(0, 100, milliseconds(0));
  REQUIRE(all.events.size() == 3);
  CHECK(all.events[0].seq == 1);
  CHECK(all.events[2].seq == 3);
  CHECK(all.last_seq == 3);
  CHECK(all.missed == 0);
  EventBatch after = ring.read(2, 100, milliseconds(0));
  REQUIRE(after.events.size() == 1);
  CHECK(after.events[0].domain == "c");
  CHECK(ring.read(1, 1, milliseconds(0)).events[0].domain == "b");  // at most `max`
  CHECK(ring.read(3, 100, milliseconds(0)).events.empty());
  // A number from a former agent (past ours) is read as "everything".
  CHECK(ring.read(99, 100, milliseconds(0)).events.size() == 3);
}

TEST_CASE("a full ring drops the oldest events and says how many a reader missed") {
  EventRing ring(4);
  for (int i = 0; i < 10; ++i) ring.append(event("d" + std::to_string(i), "started"));
  EventBatch b = ring.read(2, 100, milliseconds(0));
  CHECK(b.missed == 4);  // 3..6 are gone; 7..10 are held
  REQUIRE(b.events.size() == 4);
  CHECK(b.events.front().seq == 7);
  CHECK(b.events.back().seq == 10);
  CHECK(ring.read(8, 100, milliseconds(0)).missed == 0);
}

TEST_CASE("a read waits for the next event, up to its limit, and close() ends the wait") {
  EventRing ring;
  auto t0 = std::chrono::steady_clock::now();
  CHECK(ring.read(0, 10, milliseconds(50)).events.empty());
  CHECK(std::chrono::steady_clock::now() - t0 >= milliseconds(50));

  auto waiting =
      std::async(std::launch::async, [&] { return ring.read(0, 10, milliseconds(10000)); });
  std::this_thread::sleep_for(milliseconds(20));
  ring.append(event("web", "crashed"));
  EventBatch b = waiting.get();
  REQUIRE(b.events.size() == 1);
  CHECK(b.events[0].type == "crashed");

  auto closed =
      std::async(std::launch::async, [&] { return ring.read(1, 10, milliseconds(10000)); });
  t0 = std::chrono::steady_clock::now();
  ring.close();
  CHECK(closed.get().events.empty());
  CHECK(std::chrono::steady_clock::now() - t0 < milliseconds(5000));
}

TEST_CASE("libvirt's lifecycle codes get the names the controller stores") {
  auto name = [](int e, int d) {
    EventName n = lifecycle_event_name(e, d);
    return n.type + "/" + n.detail;
  };
  CHECK(name(VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_BOOTED) == "started/booted");
  CHECK(name(VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN) == "shutdown/guest");
  CHECK(name(VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_DESTROYED) == "stopped/destroyed");
  CHECK(name(VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_FAILED) == "crashed/failed");
  CHECK(name(VIR_DOMAIN_EVENT_CRASHED, VIR_DOMAIN_EVENT_CRASHED_PANICKED) == "crashed/panicked");
  CHECK(name(VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_IOERROR) == "paused/io-error");
  CHECK(name(VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_UNPAUSED) == "resumed/unpaused");
  CHECK(name(VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_MIGRATED) == "migrated/in");
  CHECK(name(VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_MIGRATED) == "migrated/out");
  CHECK(name(VIR_DOMAIN_EVENT_STOPPED, 99) == "stopped/detail-99");
  CHECK(name(77, 1) == "other/event-77-1");
}

TEST_CASE("events.wait delivers a simulated host's lifecycle events and long-polls for the next") {
  testing::TestHost host;
  auto config = load_agent_config(host.write_agent_config());
  REQUIRE(config.ok());
  auto conn = open_libvirt(config->libvirt_uri);
  REQUIRE(conn.ok());
  virConnectPtr raw = conn->get();
  RpcService service(std::move(*conn), *config);
  REQUIRE(service.events_error() == "");
  auto call = [&](const std::string& method, const json& params) {
    return service.handle({{"id", 1}, {"method", method}, {"params", params}});
  };
  const char* xml =
      "<domain type='test'><name>web</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>"
      "<os><type arch='x86_64'>hvm</type></os></domain>";
  Domain dom(virDomainDefineXML(raw, xml));
  REQUIRE(dom);
  REQUIRE(virDomainCreate(dom.get()) == 0);
  REQUIRE(virDomainSuspend(dom.get()) == 0);
  REQUIRE(virDomainResume(dom.get()) == 0);
  REQUIRE(virDomainDestroy(dom.get()) == 0);

  // Delivered by the event loop's thread: wait until all five are there.
  json r;
  std::string boot;
  for (int i = 0; i < 100; ++i) {
    r = call("events.wait", {{"after", 0}, {"waitMs", 1000}});
    REQUIRE(r.contains("result"));
    if (r["result"]["events"].size() >= 5) break;
    std::this_thread::sleep_for(milliseconds(20));
  }
  CHECK(types(r["result"]["events"]) ==
        "defined/added started/booted paused/paused resumed/unpaused stopped/destroyed ");
  CHECK(r["result"]["events"][1]["domain"] == "web");
  CHECK(r["result"]["events"][1]["uuid"].get<std::string>().size() == 36);
  CHECK(r["result"]["lastSeq"] == 5);
  boot = r["result"]["bootId"];
  CHECK(boot.size() == 32);

  // Nothing after 5: the call waits, and answers when the next event comes.
  auto next = std::async(std::launch::async, [&] {
    return call("events.wait", {{"after", 5}, {"bootId", boot}, {"waitMs", 10000}});
  });
  std::this_thread::sleep_for(milliseconds(100));
  REQUIRE(virDomainCreate(dom.get()) == 0);
  json later = next.get();
  REQUIRE(later["result"]["events"].size() >= 1);
  CHECK(later["result"]["events"][0]["seq"] == 6);
  CHECK(later["result"]["events"][0]["type"] == "started");
  CHECK(later["result"]["reset"] == false);

  // Another agent's boot id: the numbers are meaningless, everything comes back.
  json reset = call("events.wait", {{"after", 5}, {"bootId", "another-run"}, {"waitMs", 10000}});
  CHECK(reset["result"]["reset"] == true);
  CHECK(reset["result"]["events"][0]["seq"] == 1);

  json beat = call("host.heartbeat", json::object());
  CHECK(beat["result"]["bootId"] == boot);
  CHECK(beat["result"]["lastEventSeq"] == 6);
}
