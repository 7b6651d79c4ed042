// version_line(); build_info() itself is generated (cmake/build_info.cmake).
#include "common/build_info.h"

namespace xc {

std::string version_line(const std::string& program) {
  const BuildInfo& b = build_info();
  return program + " " + b.version + " (commit " + b.commit + ", " + b.arch + ")";
}

std::string debian_architecture(const std::string& arch) {
  if (arch == "x86_64") return "amd64";
  if (arch == "aarch64") return "arm64";
  return arch;
}

}  // namespace xc
