#include "ctl/cli/kind_names.h"

#include <cctype>
#include <map>

#include "common/model.h"

namespace xc {

std::string stored_kind(const std::string& text) {
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::map<std::string, std::string> kAliases = {{"vm", "VirtualMachine"},
                                                              {"vms", "VirtualMachine"},
                                                              {"vdc", "Tenant"},
                                                              {"vdcs", "Tenant"},
                                                              {"sg", "SecurityGroup"},
                                                              {"pg", "PlacementGroup"},
                                                              {"backuppolicies", "BackupPolicy"}};
  if (auto it = kAliases.find(lower); it != kAliases.end()) return it->second;
  for (Kind k : all_kinds()) {
    std::string name = kind_name(k);
    std::string lname;
    for (char c : name) lname += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == lname || lower == lname + "s" || lower == lname + "es") return name;
  }
  return "";
}

std::vector<std::string> kind_words() {
  std::vector<std::string> words = {"vm", "vdc", "sg", "pg"};
  for (Kind k : all_kinds()) {
    std::string lname;
    for (char c : std::string(kind_name(k)))
      lname += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    words.push_back(lname);
  }
  return words;
}

}  // namespace xc
