// Monthly availability (tender 2.4.1) from what the controller recorded: per
// VM, per business system (down while any of its VMs declared running is not
// running) and for the platform, with each system's outages. Pure: the
// caller turns the store's meter intervals and events into SlaInput.
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ctl/sla/spans.h"

namespace xc {

// A stop the operator declared shows first as the agent's "stopped" event,
// then as the meter's stop (or the other way round): a VM that stops this
// close before its declared-running span ends is not counted down.
inline constexpr int64_t kDeclaredStopGraceMs = 60'000;

// What the VM's events say its state became at `time_ms`.
struct VmStateChange {
  int64_t time_ms = 0;
  bool running = false;
  std::string what;  // "crashed", "shutdown (guest)": says why, for outages
};

struct SlaVm {
  std::string tenant, name, system, host;  // host: where it is placed
  Spans declared_running;                  // applied as running (the meter's running spans)
  std::vector<VmStateChange> changes;      // in time order
};

struct SlaHost {
  std::string name;
  Spans unreachable;  // host-unreachable to host-ready
  Spans maintenance;  // the host in maintenance: its VMs' downtime does not count
};

struct SlaInput {
  Span period;         // the month, [first instant, first instant after)
  int64_t now_ms = 0;  // nothing is known after now: later time is not counted
  std::vector<SlaVm> vms;
  std::vector<SlaHost> hosts;
  // Declared maintenance per business system ("tenant/system").
  std::map<std::string, Spans> system_maintenance;
  // When the controller was watching (it recorded metrics); time outside is
  // reported as unobserved, never as up.
  Spans observed;
};

struct Outage {
  Span span;          // within the period
  std::string cause;  // "vm web-1 crashed", "host x86-01 unreachable"
};

struct VmAvailability {
  std::string tenant, name, system;
  int64_t service_ms = 0;     // declared running in the period, up to now
  int64_t down_ms = 0;        // of which not running, outside maintenance
  int64_t unobserved_ms = 0;  // of service_ms, when the controller was not watching
  Spans down;
};

struct SystemAvailability {
  std::string tenant, system;
  int64_t service_ms = 0;  // time any of its VMs was declared running
  int64_t down_ms = 0;     // the union of its VMs' downtime
  int64_t unobserved_ms = 0;
  int64_t longest_outage_ms = 0;
  std::vector<Outage> outages;  // disjoint, in time order; one spanning the month's edge is cut
  std::vector<VmAvailability> vms;
};

struct PlatformAvailability {
  int64_t vm_service_ms = 0, vm_down_ms = 0, unobserved_ms = 0;
  std::vector<SystemAvailability> systems;  // by tenant, system
};

PlatformAvailability compute_availability(const SlaInput& input);

// Availability in millionths (999900 = 99.99%): up / service rounded down, so
// a figure shown never rounds up past a threshold. 1000000 with no service.
int64_t availability_ppm(int64_t service_ms, int64_t down_ms);

// Exactly: is (service - down) / service below ppm / 1e6?
bool availability_below(int64_t service_ms, int64_t down_ms, int64_t ppm);

// "99.9861%" from 999861.
std::string ppm_percent_text(int64_t ppm);

}  // namespace xc
