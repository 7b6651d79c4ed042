#include "agent/guest_stop.h"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

namespace xc {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A guest on a fake clock: it goes off `off_after` after the ACPI request
// (never when unset), and records what was asked of it.
struct FakeGuest {
  bool off = false;
  bool acpi_refused = false;
  bool power_off_fails = false;
  std::optional<milliseconds> off_after;
  std::chrono::steady_clock::time_point clock{};
  std::optional<std::chrono::steady_clock::time_point> asked_at;
  std::vector<std::string> calls;

  GuestStopOps ops() {
    GuestStopOps o;
    o.is_off = [this] {
      if (asked_at && off_after && clock >= *asked_at + *off_after) off = true;
      return off;
    };
    o.ask_shutdown = [this] {
      calls.push_back("shutdown");
      if (acpi_refused) return false;
      asked_at = clock;
      return true;
    };
    o.power_off = [this] {
      calls.push_back("destroy");
      if (power_off_fails) return false;
      off = true;
      return true;
    };
    o.sleep = [this](milliseconds ms) { clock += ms; };
    o.now = [this] { return clock; };
    return o;
  }
};

TEST_CASE("guest stop: a guest that shuts down when asked is not powered off") {
  FakeGuest g;
  g.off_after = seconds(3);
  StopResult r = stop_guest(g.ops(), seconds(120), true);
  CHECK(r.outcome == StopOutcome::kGuest);
  CHECK(r.waited == seconds(3));
  CHECK(g.calls == std::vector<std::string>{"shutdown"});
}

TEST_CASE(
    "guest stop: a guest that ignores the request is powered off after the timeout, and only "
    "then") {
  FakeGuest g;
  StopResult r = stop_guest(g.ops(), seconds(3), true);
  CHECK(r.outcome == StopOutcome::kPoweredOff);
  CHECK(r.waited == seconds(3));
  CHECK(g.calls == std::vector<std::string>{"shutdown", "destroy"});
}

TEST_CASE("guest stop: without power_off_after an ignoring guest is left running") {
  FakeGuest g;
  StopResult r = stop_guest(g.ops(), seconds(2), false);
  CHECK(r.outcome == StopOutcome::kStillRunning);
  CHECK(g.calls == std::vector<std::string>{"shutdown"});
  CHECK_FALSE(g.off);
}

TEST_CASE("guest stop: a zero timeout with power-off powers off at once without asking") {
  FakeGuest g;
  StopResult r = stop_guest(g.ops(), milliseconds(0), true);
  CHECK(r.outcome == StopOutcome::kPoweredOff);
  CHECK(r.waited == milliseconds(0));
  CHECK(g.calls == std::vector<std::string>{"destroy"});
}

TEST_CASE("guest stop: a refused ACPI request is not waited for") {
  FakeGuest g;
  g.acpi_refused = true;
  StopResult r = stop_guest(g.ops(), seconds(120), true);
  CHECK(r.outcome == StopOutcome::kPoweredOff);
  CHECK(r.shutdown_refused);
  CHECK(r.waited == milliseconds(0));
}

TEST_CASE("guest stop: an off guest is left alone and a failed power-off is reported") {
  FakeGuest off;
  off.off = true;
  CHECK(stop_guest(off.ops(), seconds(5), true).outcome == StopOutcome::kAlreadyOff);
  CHECK(off.calls.empty());
  FakeGuest stuck;
  stuck.power_off_fails = true;
  CHECK(stop_guest(stuck.ops(), seconds(1), true).outcome == StopOutcome::kFailed);
  CHECK(std::string(stop_outcome_name(StopOutcome::kGuest)) == "guest");
  CHECK(std::string(stop_outcome_name(StopOutcome::kPoweredOff)) == "powered-off");
}

}  // namespace
}  // namespace xc
