#include "agent/host_arch.h"

#include <sys/utsname.h>

#include <pugixml.hpp>

#include "common/model.h"

namespace xc {

std::string host_arch(bool test_driver, const std::string& capabilities_xml,
                      const std::string& node_model, const std::string& own_machine) {
  if (test_driver) return arch_from_name(node_model) ? node_model : own_machine;
  pugi::xml_document caps;
  caps.load_string(capabilities_xml.c_str());
  std::string arch = caps.select_node("/capabilities/host/cpu/arch").node().text().as_string();
  return arch.empty() ? node_model : arch;
}

std::string own_machine() {
  struct utsname name;
  return ::uname(&name) == 0 ? name.machine : "";
}

}  // namespace xc
