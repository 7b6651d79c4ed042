// Kind names as operators type them on the command line. Pure.
#pragma once

#include <string>

namespace xc {

// "vm", "vms", "virtualmachine", "VirtualMachine" -> "VirtualMachine";
// "vdc" -> "Tenant", "sg" -> "SecurityGroup", "pg" -> "PlacementGroup";
// "" if unknown.
std::string stored_kind(const std::string& text);

}  // namespace xc
