// What this binary is: xcloud's version (the VERSION file), the git commit it
// was built from ("unknown" outside git) and the architecture it was built
// for. Filled in at build time (cmake/build_info.cmake); immutable, thread-safe.
#pragma once

#include <string>

namespace xc {

struct BuildInfo {
  std::string version;  // "0.2.0"
  std::string commit;   // "4102c6d" or "unknown"
  std::string arch;     // "x86_64", "aarch64"
};

const BuildInfo& build_info();

// "xcloudctl 0.2.0 (commit 4102c6d, x86_64)", for --version.
std::string version_line(const std::string& program);

// Debian's name for an architecture as uname says it: x86_64 -> amd64,
// aarch64 -> arm64; others unchanged.
std::string debian_architecture(const std::string& arch);

}  // namespace xc
