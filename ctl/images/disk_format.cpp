#include "ctl/images/disk_format.h"

namespace xc {
namespace {

bool starts_with(std::string_view text, std::string_view prefix, size_t at = 0) {
  return text.size() >= at + prefix.size() && text.substr(at, prefix.size()) == prefix;
}

}  // namespace

Result<std::string> detect_disk_format(std::string_view head, std::string_view tail, int64_t size) {
  using namespace std::string_view_literals;
  if (starts_with(head, "QFI\xfb"sv)) {
    // version, backing file offset/size, cluster bits, size: 72 bytes in v2.
    if (size < 72 || head.size() < 72)
      return error(Code::kInvalidArgument, "qcow2 header is truncated (" + std::to_string(size) +
                                               " bytes, a header has at least 72)");
    return std::string("qcow2");
  }
  if (starts_with(head, "KDMV")) {
    if (size < 512 || head.size() < 512)
      return error(Code::kInvalidArgument,
                   "VMDK sparse header is truncated (" + std::to_string(size) + " bytes of 512)");
    return std::string("vmdk");
  }
  if (starts_with(head, "# Disk DescriptorFile"))
    return error(Code::kInvalidArgument,
                 "this is a VMDK descriptor that names its data in other files; import the "
                 "single-file VMDK (monolithicSparse or streamOptimized) or the OVA instead");
  if (starts_with(head, "vhdxfile")) {
    if (size < 1024 * 1024)
      return error(Code::kInvalidArgument, "VHDX header is truncated (" + std::to_string(size) +
                                               " bytes, the header region is 1 MiB)");
    return std::string("vhdx");
  }
  // A dynamic VHD copies its footer to the start; a fixed one has it only at the end.
  if (starts_with(head, "conectix") || starts_with(tail, "conectix")) {
    if (size < 512)
      return error(Code::kInvalidArgument,
                   "VHD footer is truncated (" + std::to_string(size) + " bytes of 512)");
    return std::string("vpc");
  }
  if (starts_with(head, "ustar", 257)) return std::string("ova");
  return error(Code::kNotFound, "no known disk image header (qcow2, vmdk, vhd, vhdx, ova)");
}

std::string qemu_format_name(std::string_view user_word) {
  if (user_word == "vhd" || user_word == "vpc") return "vpc";
  for (const char* name : {"vmdk", "vhdx", "qcow2", "raw", "ova"})
    if (user_word == name) return name;
  return "";
}

std::string user_format_name(std::string_view qemu_name) {
  return qemu_name == "vpc" ? "vhd" : std::string(qemu_name);
}

}  // namespace xc
