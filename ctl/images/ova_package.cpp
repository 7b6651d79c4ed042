#include "ctl/images/ova_package.h"

#include <cctype>
#include <charconv>
#include <map>
#include <pugixml.hpp>
#include <sstream>

namespace xc {
namespace {

// A member name an OVA may use: letters, digits, '.', '_', '-', not leading '.'.
bool plain_name(std::string_view name) {
  if (name.empty() || name.size() > 255 || name[0] == '.') return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'))
      return false;
  return true;
}

bool to_int64(std::string_view text, int64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= 0;
}

// The element's local name, without its namespace prefix ("ovf:File" -> "File").
std::string_view local(const char* name) {
  std::string_view n(name);
  size_t colon = n.find(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

std::string attribute(const pugi::xml_node& node, std::string_view want) {
  for (const auto& a : node.attributes())
    if (local(a.name()) == want) return a.value();
  return "";
}

std::string child_text(const pugi::xml_node& node, std::string_view want) {
  for (const auto& c : node.children())
    if (local(c.name()) == want) return c.text().as_string();
  return "";
}

}  // namespace

Result<std::vector<OvaMember>> parse_ova_listing(std::string_view listing, int64_t max_bytes) {
  std::vector<OvaMember> out;
  int64_t total = 0;
  std::istringstream lines{std::string(listing)};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    std::istringstream f(line);
    std::string mode, owner, size, date, time;
    f >> mode >> owner >> size >> date >> time;
    std::string name;
    std::getline(f >> std::ws, name);
    int64_t bytes = 0;
    if (mode.size() != 10 || !to_int64(size, bytes) || bytes < 0 || name.empty())
      return error(Code::kInvalidArgument, "the OVA's tar listing is not understood");
    if (mode[0] != '-')
      return error(Code::kInvalidArgument,
                   "OVA member '" + name + "' is not a regular file (a directory or link)");
    if (!plain_name(name))
      return error(Code::kInvalidArgument, "OVA member '" + name +
                                               "': a member is a plain file name (letters, "
                                               "digits, '.', '_', '-'), no path");
    if (bytes > max_bytes - total)  // total stays <= max_bytes: no overflow
      return error(Code::kInvalidArgument,
                   "the OVA's members hold more than " + std::to_string(max_bytes) + " bytes");
    total += bytes;
    for (const auto& m : out)
      if (m.name == name) return error(Code::kInvalidArgument, "OVA member '" + name + "' twice");
    out.push_back({name, bytes});
    if (out.size() > kMaxOvaMembers)
      return error(Code::kInvalidArgument, "an OVA of more than 64 members");
  }
  if (out.empty()) return error(Code::kInvalidArgument, "the OVA is empty");
  return out;
}

Result<OvfHints> parse_ovf(std::string_view xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size(), pugi::parse_default & ~pugi::parse_doctype))
    return error(Code::kInvalidArgument, "the .ovf is not XML");
  OvfHints hints;
  // The disks are DiskSection's Disk elements, each naming a References/File
  // by id; other Files (an ISO, NVRAM) are not disks.
  std::map<std::string, std::string> file_hrefs;
  std::vector<std::string> disk_refs;
  for (const auto& node : doc.select_nodes("//*")) {
    pugi::xml_node n = node.node();
    std::string_view name = local(n.name());
    if (name == "File" && local(n.parent().name()) == "References")
      file_hrefs[attribute(n, "id")] = attribute(n, "href");
    if (name == "Disk" && local(n.parent().name()) == "DiskSection")
      disk_refs.push_back(attribute(n, "fileRef"));
    if (name != "Item") continue;
    int64_t type = 0, quantity = 0;
    if (!to_int64(child_text(n, "ResourceType"), type) ||
        !to_int64(child_text(n, "VirtualQuantity"), quantity))
      continue;
    if (type == 3 && quantity > 0 && quantity <= 1024) hints.cpus = static_cast<int>(quantity);
    if (type == 4 && quantity > 0) {
      std::string unit = child_text(n, "AllocationUnits");  // "byte * 2^20" (MiB) or "byte * 2^30"
      constexpr int64_t kMaxMib = int64_t{16} << 20;        // 16 TiB
      int64_t mib = unit.find("2^30") != std::string::npos
                        ? (quantity <= kMaxMib / 1024 ? quantity * 1024 : 0)
                    : unit.find("2^20") != std::string::npos ? quantity
                                                             : 0;
      if (mib > 0 && mib <= kMaxMib) hints.memory_mib = mib;
    }
  }
  for (const std::string& ref : disk_refs) {
    auto href = file_hrefs.find(ref);
    if (href == file_hrefs.end() || href->second.empty())
      return error(Code::kInvalidArgument,
                   "the .ovf's disk refers to file '" + ref + "', which References does not list");
    hints.disk_files.push_back(href->second);
  }
  if (hints.disk_files.empty())
    return error(Code::kInvalidArgument, "the .ovf names no disk (DiskSection/Disk)");
  return hints;
}

}  // namespace xc
