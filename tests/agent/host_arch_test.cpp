#include "agent/host_arch.h"

#include <doctest/doctest.h>

#include <string>

namespace xc {
namespace {

// The architecture this test binary was built for: under qemu-aarch64 the
// cross-built tests see "aarch64" from uname as a Kunpeng host would.
constexpr const char* kBuiltFor =
#if defined(__aarch64__)
    "aarch64";
#elif defined(__x86_64__)
    "x86_64";
#else
    "";
#endif

const char* kKunpengCaps =
    "<capabilities><host><uuid>1</uuid><cpu><arch>aarch64</arch><model>cortex-a72</model></cpu>"
    "</host><guest><arch name='x86_64'/></guest></capabilities>";

TEST_CASE("host arch: a real host is what libvirt's capabilities say, whatever the node model") {
  CHECK(host_arch(false, kKunpengCaps, "x86_64", "x86_64") == "aarch64");
  CHECK(host_arch(false, "<capabilities><host/></capabilities>", "aarch64", "x86_64") == "aarch64");
  CHECK(host_arch(false, "not xml", "x86_64", "aarch64") == "x86_64");
}

TEST_CASE("host arch: a simulated host's node model wins, the driver default means this machine") {
  CHECK(host_arch(true, kKunpengCaps, "x86_64", "aarch64") == "x86_64");
  CHECK(host_arch(true, "", "aarch64", "x86_64") == "aarch64");
  CHECK(host_arch(true, "", "i686", "aarch64") == "aarch64");
  CHECK(host_arch(true, "", "i686", "x86_64") == "x86_64");
  CHECK(host_arch(true, "", "", "aarch64") == "aarch64");
}

TEST_CASE("host arch: the agent's own machine is the architecture it was built for") {
  REQUIRE(std::string(kBuiltFor) != "");
  CHECK(own_machine() == kBuiltFor);
}

}  // namespace
}  // namespace xc
