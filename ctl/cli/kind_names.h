// Kind names as operators type them on the command line. Pure.
#pragma once

#include <string>
#include <vector>

namespace xc {

// "vm", "vms", "virtualmachine", "VirtualMachine" -> "VirtualMachine";
// "vdc" -> "Tenant", "sg" -> "SecurityGroup", "pg" -> "PlacementGroup";
// "" if unknown.
std::string stored_kind(const std::string& text);

// The lowercase kind names ("virtualmachine", "vm", "tenant", ...), for a
// "did you mean" on an unknown one.
std::vector<std::string> kind_words();

}  // namespace xc
