// How much longer a test may wait on real sockets and threads than on a
// native build: XC_TEST_TIMEOUT_SCALE (1 to 100, default 1), which ctest sets
// for the arm64 tests that run under qemu-aarch64. Safe from any thread.
#pragma once

#include <cstdlib>
#include <string>

namespace xc::test {

inline int timeout_scale() {
  const char* text = std::getenv("XC_TEST_TIMEOUT_SCALE");
  int scale = text ? std::atoi(text) : 1;
  return scale < 1 ? 1 : scale > 100 ? 100 : scale;
}

}  // namespace xc::test
