#include "ctl/images/disk_format.h"

#include <doctest/doctest.h>

#include <string>

using namespace xc;
using namespace std::string_literals;

namespace {

std::string padded(std::string head, size_t size = 4096) {
  head.resize(size, '\0');
  return head;
}

std::string detect(const std::string& head, const std::string& tail = "", int64_t size = 1 << 20) {
  auto r = detect_disk_format(head, tail, size);
  return r.ok() ? *r : "error: " + r.status().message();
}

}  // namespace

TEST_CASE("each format is known by its magic bytes, not by a name") {
  CHECK(detect(padded("QFI\xfb\0\0\0\3"s)) == "qcow2");
  CHECK(detect(padded("KDMV\1\0\0\0"s)) == "vmdk");
  CHECK(detect(padded("vhdxfile")) == "vhdx");
  CHECK(detect(padded("conectix")) == "vpc");  // dynamic VHD: footer copy at the start
  CHECK(detect(padded(""), padded("conectix", 512)) == "vpc");  // fixed VHD: footer only
  std::string tar = padded("disk.ovf");
  tar.replace(257, 5, "ustar");
  CHECK(detect(tar) == "ova");
}

TEST_CASE("a file with no known header is not found, so raw is only what the user says") {
  auto r = detect_disk_format(padded("\x13\x37random bytes"s), padded("", 512), 1 << 20);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kNotFound);
  CHECK(r.status().message() == "no known disk image header (qcow2, vmdk, vhd, vhdx, ova)");
}

TEST_CASE("a truncated header is refused, naming the format and the sizes") {
  auto q = detect_disk_format("QFI\xfb\0\0\0\3"s, "", 8);
  REQUIRE_FALSE(q.ok());
  CHECK(q.status().code() == Code::kInvalidArgument);
  CHECK(q.status().message() == "qcow2 header is truncated (8 bytes, a header has at least 72)");
  auto v = detect_disk_format(padded("KDMV", 100), "", 100);
  REQUIRE_FALSE(v.ok());
  CHECK(v.status().message() == "VMDK sparse header is truncated (100 bytes of 512)");
  auto x = detect_disk_format(padded("vhdxfile"), "", 4096);
  REQUIRE_FALSE(x.ok());
  CHECK(x.status().message() ==
        "VHDX header is truncated (4096 bytes, the header region is 1 MiB)");
}

TEST_CASE("a VMDK descriptor that points at other files is refused") {
  auto r = detect_disk_format(padded("# Disk DescriptorFile\nversion=1\n"), "", 4096);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("VMDK descriptor") != std::string::npos);
}

TEST_CASE("the user's format words map to qemu-img's and back") {
  CHECK(qemu_format_name("vhd") == "vpc");
  CHECK(qemu_format_name("vmdk") == "vmdk");
  CHECK(qemu_format_name("raw") == "raw");
  CHECK(qemu_format_name("iso") == "");
  CHECK(qemu_format_name("") == "");
  CHECK(user_format_name("vpc") == "vhd");
  CHECK(user_format_name("vhdx") == "vhdx");
}
