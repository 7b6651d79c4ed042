// Which CPU architecture a host reports (host.facts "arch", the scheduler's
// arch rule): libvirt's view for a real host; for the test driver, the
// simulated node's or else the agent's own machine. Pure; safe from any thread.
#pragma once

#include <string>

namespace xc {

// A real host: <capabilities><host><cpu><arch> (node_model when the XML has
// none). The test driver: node_model when it names an architecture xcloud
// schedules (x86_64, aarch64: a simulated host says so in its node XML);
// otherwise the driver's built-in default ("i686", no host of ours) means
// nothing is simulated and the host is the machine the agent runs on.
std::string host_arch(bool test_driver, const std::string& capabilities_xml,
                      const std::string& node_model, const std::string& own_machine);

// uname(2)'s machine: what this agent runs on ("aarch64" under qemu-aarch64).
std::string own_machine();

}  // namespace xc
