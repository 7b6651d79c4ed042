#include "ctl/controller/event_pull.h"

#include <doctest/doctest.h>

#include <thread>

#include "ctl/store/inventory.h"
#include "tests/ctl/controller/loop_harness.h"

using namespace xc;
using namespace xc::test;

namespace {

// "host vm type/detail" per event, oldest first.
std::string summary(Store& store, const std::string& host = "") {
  EventFilter f;
  f.host = host;
  auto events = store.list_events(f);
  REQUIRE(events.ok());
  std::string out;
  for (const auto& e : *events)
    out += e.host + " " + (e.vm.empty() ? "-" : e.tenant + "/" + e.vm) + " " + e.type + "/" +
           e.detail + "\n";
  return out;
}

// Rounds until `want` is in the host's events: libvirt delivers them on its
// event thread, a moment after the call that caused them.
void pull_until(LoopHarness& h, const std::string& host, const std::string& want) {
  for (int i = 0; i < 200; ++i) {
    auto r = events_round(h.world, {});
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    if (summary(*h.store, host).find(want) != std::string::npos) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  FAIL("no '" << want << "' in:\n" << summary(*h.store, host));
}

std::string vm_state(Store& store) {
  auto inv = load_inventory(store);
  REQUIRE(inv.ok());
  return inv->vms.front().state;
}

}  // namespace

TEST_CASE("events: lifecycle events are stored once, named by VM, and move the VM's state") {
  LoopHarness h;
  pull_until(h, "x86-03", "education/web-1 started/booted");
  CHECK(summary(*h.store) ==
        "x86-03 education/web-1 defined/added\n"
        "x86-03 education/web-1 started/booted\n");
  auto cursor = h.store->get_event_cursor("x86-03");
  REQUIRE(cursor.ok());
  REQUIRE(cursor->has_value());
  CHECK((*cursor)->seq == 2);
  CHECK((*cursor)->boot_id.size() == 32);
  CHECK(h.log.text() ==
        "host x86-03 vm education/web-1: defined (added)\n"
        "host x86-03 vm education/web-1: started (booted)\n");

  // Behind xcloud's back, as virsh would: paused, then resumed.
  virConnectPtr conn = h.cloud.fleet.libvirt("x86-03");
  Domain dom(virDomainLookupByName(conn, "xc-education.web-1"));
  REQUIRE(dom);
  REQUIRE(virDomainSuspend(dom.get()) == 0);
  pull_until(h, "x86-03", "paused/paused");
  CHECK(vm_state(*h.store) == "paused");
  REQUIRE(virDomainResume(dom.get()) == 0);
  pull_until(h, "x86-03", "resumed/unpaused");
  CHECK(vm_state(*h.store) == "running");
  REQUIRE(virDomainDestroy(dom.get()) == 0);
  pull_until(h, "x86-03", "stopped/destroyed");
  CHECK(vm_state(*h.store) == "stopped");

  // Nothing new: another round stores nothing again.
  auto again = events_round(h.world, {});
  REQUIRE(again.ok());
  CHECK(again->stored == 0);
  CHECK(again->hosts == 3);
  CHECK(summary(*h.store) ==
        "x86-03 education/web-1 defined/added\n"
        "x86-03 education/web-1 started/booted\n"
        "x86-03 education/web-1 paused/paused\n"
        "x86-03 education/web-1 resumed/unpaused\n"
        "x86-03 education/web-1 stopped/destroyed\n");

  // A batch read twice (the cursor lost, say a crash before it was saved) is
  // stored once.
  REQUIRE(h.store->put_event_cursor({"x86-03", (*cursor)->boot_id, 0, 0}).ok());
  REQUIRE(events_round(h.world, {}).ok());
  CHECK(h.store->list_events({})->size() == 5);
}

TEST_CASE("events: a restarted agent is noticed and read from its start") {
  LoopHarness h;
  pull_until(h, "x86-03", "started/booted");
  std::string old_boot = (*h.store->get_event_cursor("x86-03"))->boot_id;

  h.cloud.fleet.restart("x86-03");  // the test driver forgets its domains too
  virConnectPtr conn = h.cloud.fleet.libvirt("x86-03");
  const char* xml =
      "<domain type='test'><name>legacy-app</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>"
      "<os><type arch='x86_64'>hvm</type></os></domain>";
  Domain dom(virDomainCreateXML(conn, xml, 0));
  REQUIRE(dom);
  pull_until(h, "x86-03", "- started/booted");
  std::string all = summary(*h.store, "x86-03");
  CHECK(all.find("x86-03 - agent-restarted/new agent run") != std::string::npos);
  auto events = h.store->list_events({});
  REQUIRE(events.ok());
  // (Ordered by time: the test's clock and the agent's differ, so look it up.)
  EventRecord last;
  for (const auto& e : *events)
    if (e.domain == "legacy-app") last = e;
  CHECK(last.domain == "legacy-app");
  CHECK(last.vm == "");
  CHECK(last.agent_seq == 1);  // numbering starts again in the new run
  CHECK(last.boot_id != old_boot);
  CHECK((*h.store->get_event_cursor("x86-03"))->boot_id == last.boot_id);
  CHECK(h.log.text().find("host x86-03 domain legacy-app: started (booted)") != std::string::npos);
}

TEST_CASE("events: an unreachable host is reported once per round and the others are read") {
  LoopHarness h;
  h.cloud.fleet.set_down("x86-01", true);
  auto r = events_round(h.world, {});
  REQUIRE(r.ok());
  CHECK(r->hosts == 3);
  CHECK(r->failed == 1);
  CHECK(h.log.text().find("events: cannot read events: host x86-01: connection refused\n") !=
        std::string::npos);
}

TEST_CASE("events: a long-poll returns as soon as an event comes, and stop ends the round") {
  LoopHarness h;
  pull_until(h, "x86-03", "started/booted");
  EventPullOptions o;
  o.wait = std::chrono::milliseconds(2000);
  o.duration = std::chrono::milliseconds(60000);
  o.retry = std::chrono::milliseconds(2000);
  auto t0 = std::chrono::steady_clock::now();
  std::thread round([&] { CHECK(events_round(h.world, o).ok()); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  Domain dom(virDomainLookupByName(h.cloud.fleet.libvirt("x86-03"), "xc-education.web-1"));
  REQUIRE(virDomainSuspend(dom.get()) == 0);
  for (int i = 0; i < 200 && h.log.text().find("paused") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(h.log.text().find("host x86-03 vm education/web-1: paused (paused)") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(5000));
  h.stop.stop();
  round.join();  // within one long-poll (2 s)
}
