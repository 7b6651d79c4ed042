#include "ctl/images/image_import.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/digest.h"
#include "common/printable.h"
#include "common/sm_crypto.h"
#include "ctl/images/disk_format.h"
#include "ctl/images/ova_package.h"

namespace xc {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

// The first 4 KiB and the last 512 bytes of an open file.
Status read_ends(int fd, int64_t size, std::string& head, std::string& tail) {
  head.resize(static_cast<size_t>(std::min<int64_t>(size, 4096)));
  tail.resize(static_cast<size_t>(std::min<int64_t>(size, 512)));
  for (auto [buf, at] :
       {std::pair{&head, int64_t{0}}, std::pair{&tail, size - int64_t(tail.size())}})
    if (!buf->empty() && pread(fd, buf->data(), buf->size(), at) != ssize_t(buf->size()))
      return error(Code::kIo, std::string("cannot read: ") + std::strerror(errno));
  return {};
}

// The format the file holds: its header's, checked against what the user said.
Result<std::string> settle_format(const std::string& head, const std::string& tail, int64_t size,
                                  const std::string& declared) {
  std::string want = declared.empty() ? "" : qemu_format_name(declared);
  if (!declared.empty() && want.empty())
    return error(Code::kInvalidArgument, "--format " + declared +
                                             ": not a format xcloud imports (vmdk, vhd, vhdx, "
                                             "qcow2, raw, ova)");
  auto found = detect_disk_format(head, tail, size);
  if (!found.ok() && found.status().code() != Code::kNotFound) return found.status();
  if (!found.ok()) {
    if (want != "raw")
      return error(Code::kInvalidArgument,
                   found.status().message() +
                       (want.empty() ? "; a raw disk has no header: say --format raw if it is one"
                                     : "; --format " + declared + " does not match"));
    if (size == 0 || size % 512 != 0)
      return error(Code::kInvalidArgument,
                   "--format raw: a raw disk is a whole number of "
                   "512-byte sectors, this file has " +
                       std::to_string(size) + " bytes");
    return std::string("raw");
  }
  if (!want.empty() && want != *found)
    return error(Code::kInvalidArgument, "--format " + declared + " but the file's header says " +
                                             user_format_name(*found) +
                                             "; the name and --format are not trusted, drop "
                                             "--format or give the right one");
  return *found;
}

// qemu-img's view of the file in `format`: its virtual size; refuses files
// that would make qemu-img read other files (a backing file, a VMDK extent
// elsewhere, a qcow2 external data file).
Result<int64_t> checked_virtual_size(const std::string& path, const std::string& format,
                                     const ProgramLimits& limits) {
  ProgramLimits info_limits = limits;
  info_limits.timeout = std::min(limits.timeout, std::chrono::milliseconds(120000));
  info_limits.max_output = 1 << 20;
  auto out = run_bounded({"qemu-img", "info", "-f", format, "--output=json", path}, info_limits);
  if (!out.ok()) return out.status();
  json info = json::parse(*out, nullptr, false);
  if (!info.is_object() || !info.contains("virtual-size") || !info["virtual-size"].is_number())
    return error(Code::kIo, "qemu-img info: no virtual size in its answer");
  if (info.value("format", "") != format)
    return error(Code::kInvalidArgument,
                 "qemu-img reads the file as " + info.value("format", "?") + ", not " + format);
  if (info.contains("backing-filename") || info.contains("full-backing-filename"))
    return error(Code::kInvalidArgument,
                 "the image has a backing file; import a standalone image (qemu-img convert "
                 "it first)");
  const json data = info.value("format-specific", json::object()).value("data", json::object());
  if (data.is_object() && data.contains("data-file"))
    return error(Code::kInvalidArgument, "the qcow2 image keeps its data in another file");
  if (data.is_object() && data.contains("extents") && data["extents"].is_array() &&
      data["extents"].size() > 1)
    return error(Code::kInvalidArgument, "the VMDK has more than one extent file");
  int64_t size = info["virtual-size"].get<int64_t>();
  if (size <= 0 || size > kMaxImportVirtualBytes)
    return error(Code::kInvalidArgument,
                 "virtual size " + std::to_string(size) + " bytes is outside 1 B..16 TiB");
  return size;
}

// qemu-img check where the format has one (qcow2, vmdk, vhdx): a cut or
// damaged file would otherwise convert with zeros where its data was.
Status check_consistent(const std::string& path, const std::string& format,
                        const ProgramLimits& limits) {
  if (format != "qcow2" && format != "vmdk" && format != "vhdx") return {};
  ProgramLimits check_limits = limits;
  check_limits.ok_exits = {0, 3};  // 3: leaked clusters only, no data lost
  auto out = run_bounded({"qemu-img", "check", "-q", "-f", format, path}, check_limits);
  if (!out.ok())
    return error(Code::kInvalidArgument,
                 "the image is damaged or truncated (" + out.status().message() + ")");
  return {};
}

// Removes a scratch directory unless released.
struct Scratch {
  std::string dir;
  ScratchHold hold;  // store_scratch.h: not swept while this import runs
  ~Scratch() {
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
  }
};

// A disk from VMware or Hyper-V, whose guest lacks KVM's virtio drivers.
bool from_other_hypervisor(const std::string& format) {
  return format == "vmdk" || format == "vpc" || format == "vhdx";
}

Result<std::string> convert_v2v(const ImportRequest& r, const std::string& scratch) {
  // Absolute, so a file named like an option is still a file to virt-v2v.
  const std::string source = fs::absolute(r.file).string();
  auto out = run_bounded({"virt-v2v", "-i", "disk", source, "-o", "local", "-os", scratch, "-of",
                          "qcow2", "-on", "import"},
                         r.limits);
  if (!out.ok()) return out.status();
  return scratch + "/import-sda";
}

Result<std::string> convert(const ImportRequest& r, const std::string& format,
                            const std::string& scratch, ImportedImage& out) {
  const bool v2v_installed = program_installed("virt-v2v");
  if (r.converter == ImportConverter::kVirtV2v) {
    if (!v2v_installed)
      return error(Code::kFailedPrecondition,
                   "--v2v: virt-v2v is not installed (apt-get install virt-v2v)");
    out.converter = "virt-v2v";
    return convert_v2v(r, scratch);
  }
  if (r.converter == ImportConverter::kAuto && v2v_installed && from_other_hypervisor(format)) {
    auto converted = convert_v2v(r, scratch);
    if (converted.ok()) {
      out.converter = "virt-v2v";
      return converted;
    }
    // A data disk has no guest to convert; its bytes still import as they are.
    out.converter_note = "virt-v2v did not convert it (" + converted.status().message() +
                         "); converted by qemu-img, no drivers added";
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(scratch, ec)) fs::remove_all(entry.path(), ec);
  }
  out.converter = "qemu-img";
  std::string converted = scratch + "/disk.qcow2";
  auto run = run_bounded({"qemu-img", "convert", "-q", "-f", format, "-O", "qcow2", "-o",
                          "compat=1.1", r.file, converted},
                         r.limits);
  if (!run.ok()) return run.status();
  return converted;
}

// Reads a small extracted file (the .ovf descriptor).
Result<std::string> read_small(const std::string& path, size_t max_bytes) {
  Fd f{open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)};
  if (f.fd < 0) return error(Code::kIo, path + ": " + std::strerror(errno));
  std::string text(max_bytes + 1, '\0');
  ssize_t n = read(f.fd, text.data(), text.size());
  if (n < 0) return error(Code::kIo, path + ": " + std::strerror(errno));
  if (static_cast<size_t>(n) > max_bytes)
    return error(Code::kInvalidArgument, "the .ovf is larger than 1 MiB");
  text.resize(static_cast<size_t>(n));
  return text;
}

// An OVA: its members listed and checked (plain regular files, sizes), the
// .ovf and its first disk extracted with tar into a scratch directory of the
// store, and that disk (a VMDK) imported.
Result<ImportedImage> import_ova(const ImportRequest& r) {
  auto listing = run_bounded(
      {"tar", "--list", "--verbose", "--numeric-owner", "--full-time", "-f", r.file}, r.limits);
  if (!listing.ok())
    return error(Code::kInvalidArgument, "not a readable tar: " + listing.status().message());
  auto members = parse_ova_listing(*listing, kMaxImportFileBytes);
  if (!members.ok()) return members.status();
  std::string ovf;
  for (const auto& m : *members)
    if (m.name.size() > 4 && m.name.substr(m.name.size() - 4) == ".ovf") {
      if (!ovf.empty()) return error(Code::kInvalidArgument, "the OVA has more than one .ovf");
      ovf = m.name;
    }
  if (ovf.empty()) return error(Code::kInvalidArgument, "the OVA has no .ovf descriptor");
  if (Status s = ensure_image_store(r.store_dir); !s.ok()) return s;
  std::string pattern = r.store_dir + "/.ova-XXXXXX";
  if (!mkdtemp(pattern.data()))
    return error(Code::kIo, "image store " + r.store_dir + ": " + std::strerror(errno));
  Scratch scratch{pattern, ScratchHold::on_path(pattern)};
  auto extract = [&](const std::string& member) -> Status {
    auto out = run_bounded({"tar", "--extract", "--no-same-owner", "--no-same-permissions", "-f",
                            r.file, "-C", scratch.dir, "--", member},
                           r.limits);
    return out.ok() ? Status{} : out.status();
  };
  if (Status s = extract(ovf); !s.ok()) return s;
  auto text = read_small(scratch.dir + "/" + ovf, 1 << 20);
  if (!text.ok()) return text.status();
  auto hints = parse_ovf(*text);
  if (!hints.ok()) return hints.status();
  // An Image is one disk: an appliance of several would lose the others.
  if (hints->disk_files.size() > 1) {
    std::string names;
    for (const auto& d : hints->disk_files) names += (names.empty() ? "" : ", ") + excerpt(d);
    return error(Code::kInvalidArgument,
                 "the OVA holds " + std::to_string(hints->disk_files.size()) + " disks (" + names +
                     "); an Image is one disk: extract the OVA and import each VMDK by itself");
  }
  const std::string& disk = hints->disk_files.front();
  const OvaMember* member = nullptr;
  for (const auto& m : *members)
    if (m.name == disk) member = &m;
  if (!member)
    return error(Code::kInvalidArgument,
                 "the .ovf's first disk '" + excerpt(disk) + "' is not a member of the OVA");
  if (Status s = extract(disk); !s.ok()) return s;
  struct stat st {};
  const std::string disk_path = scratch.dir + "/" + disk;  // a checked plain name
  if (lstat(disk_path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != member->bytes)
    return error(Code::kInvalidArgument, "the OVA's disk '" + disk + "' did not extract as listed");
  ImportRequest inner = r;
  inner.file = disk_path;
  inner.declared_format = "vmdk";  // an OVA's disks are VMDKs; never another OVA
  auto out = import_image_file(inner);
  if (!out.ok()) return error(out.status().code(), disk + ": " + out.status().message());
  out->source_format = "ova";
  out->ova_disk = disk;
  out->ova_cpus = hints->cpus;
  out->ova_memory_mib = hints->memory_mib;
  return out;
}

}  // namespace

std::string image_store_dir(const std::string& state_path) {
  fs::path parent = fs::path(state_path).parent_path();
  return (parent.empty() ? fs::path("images") : parent / "images").string();
}

std::string image_record_sha256(const std::string& spec_json) {
  json record = json::parse(spec_json, nullptr, false);
  if (!record.is_object() || !record.value("manifest", json::object()).is_object()) return "";
  json spec = record["manifest"].value("spec", json::object());
  return spec.is_object() ? spec.value("sha256", "") : "";
}

Status ensure_image_store(const std::string& store_dir) {
  std::error_code ec;
  fs::create_directories(store_dir, ec);
  if (ec) return error(Code::kIo, "image store " + store_dir + ": " + ec.message());
  if (chmod(store_dir.c_str(), 0700) != 0)
    return error(Code::kIo, "image store " + store_dir + ": " + std::strerror(errno));
  return {};
}

bool program_installed(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    if (!dir.empty() && access((dir + "/" + program).c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

Result<FileDigests> file_digests(const std::string& path) {
  Fd f{open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) return error(Code::kIo, path + ": " + std::strerror(errno));
  Sha256Hasher sha;
  if (!sha.status().ok()) return sha.status();
  Sm3Hasher sm3;
  if (!sm3.status().ok()) return sm3.status();
  std::string buf(1 << 20, '\0');
  FileDigests d;
  for (;;) {
    ssize_t n = read(f.fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return error(Code::kIo, path + ": " + std::strerror(errno));
    if (n == 0) break;
    sha.update(std::string_view(buf.data(), static_cast<size_t>(n)));
    sm3.update(std::string_view(buf.data(), static_cast<size_t>(n)));
    d.bytes += n;
  }
  auto sha256 = sha.finish_hex();
  if (!sha256.ok()) return sha256.status();
  d.sha256 = *sha256;
  auto s = sm3.finish();
  if (!s.ok()) return s.status();
  d.sm3 = to_hex(as_bytes(*s));
  return d;
}

Result<ImportedImage> import_image_file(const ImportRequest& r) {
  Fd f{open(r.file.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0)
    return error(Code::kInvalidArgument, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (fstat(f.fd, &st) != 0 || !S_ISREG(st.st_mode))
    return error(Code::kInvalidArgument, "not a regular file");
  if (st.st_size > kMaxImportFileBytes)
    return error(Code::kInvalidArgument,
                 std::to_string(st.st_size) + " bytes is more than the 4 TiB an import takes");
  std::string head, tail;
  if (Status s = read_ends(f.fd, st.st_size, head, tail); !s.ok()) return s;
  auto format = settle_format(head, tail, st.st_size, r.declared_format);
  if (!format.ok()) return format.status();
  if (*format == "ova") return import_ova(r);
  auto virtual_size = checked_virtual_size(r.file, *format, r.limits);
  if (!virtual_size.ok()) return virtual_size.status();
  if (Status s = check_consistent(r.file, *format, r.limits); !s.ok()) return s;

  if (Status s = ensure_image_store(r.store_dir); !s.ok()) return s;
  std::error_code ec;
  std::string pattern = r.store_dir + "/.import-XXXXXX";
  if (!mkdtemp(pattern.data()))
    return error(Code::kIo, "image store " + r.store_dir + ": " + std::strerror(errno));
  Scratch scratch{pattern, ScratchHold::on_path(pattern)};

  ImportedImage out;
  out.source_format = user_format_name(*format);
  auto converted = convert(r, *format, scratch.dir, out);
  if (!converted.ok()) return converted.status();
  auto stored_size = checked_virtual_size(*converted, "qcow2", r.limits);
  if (!stored_size.ok()) return stored_size.status();
  auto digests = file_digests(*converted);
  if (!digests.ok()) return digests.status();
  out.sha256 = digests->sha256;
  out.sm3 = digests->sm3;
  out.file_bytes = digests->bytes;
  out.virtual_bytes = *stored_size;
  out.path = r.store_dir + "/" + out.sha256 + ".qcow2";  // hex only: no user text in the path
  out.already_stored = fs::exists(out.path, ec);
  if (!out.already_stored) {
    if (chmod(converted->c_str(), 0600) != 0 || rename(converted->c_str(), out.path.c_str()) != 0)
      return error(Code::kIo, out.path + ": " + std::strerror(errno));
  }
  return out;
}

}  // namespace xc
