// Imports a disk image file into the controller's image store: the format is
// read from the file's header (disk_format.h) and confirmed by qemu-img, the
// file converted to qcow2 (virt-v2v for another hypervisor's disk when it is
// installed, else qemu-img), and the result named by its SHA-256, with its
// SM3 and virtual size. I/O and subprocesses; one import per call, no shared
// state.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "ctl/images/bounded_program.h"

namespace xc {

inline constexpr int64_t kMaxImportFileBytes = int64_t{4} << 40;      // 4 TiB on disk
inline constexpr int64_t kMaxImportVirtualBytes = int64_t{16} << 40;  // 16 TiB of guest disk

// Who converts. kAuto: virt-v2v (which installs KVM's drivers into the guest)
// for a VMware or Hyper-V disk (vmdk, vhd, vhdx, ova) when it is installed,
// and qemu-img when it is not or when virt-v2v finds no guest to convert (a
// data disk); kVirtV2v: virt-v2v or fail; kQemuImg: the format only.
enum class ImportConverter { kAuto, kVirtV2v, kQemuImg };

struct ImportRequest {
  std::string file;             // what the user named; only opened, never put in a path
  std::string declared_format;  // the user's --format word, or ""
  std::string store_dir;        // the image store, created 0700 when missing
  ProgramLimits limits;
  ImportConverter converter = ImportConverter::kAuto;
};

struct ImportedImage {
  std::string source_format;    // the user's word: qcow2, vmdk, vhd, vhdx, raw
  std::string path;             // store_dir/<sha256>.qcow2
  std::string sha256, sm3;      // of the stored qcow2 file, lowercase hex
  int64_t virtual_bytes = 0;    // the guest's disk size
  int64_t file_bytes = 0;       // the stored file's size
  std::string converter;        // "qemu-img" or "virt-v2v"
  std::string converter_note;   // kAuto only: why virt-v2v did not convert it, if it was tried
  bool already_stored = false;  // the same bytes were imported before
  // From an OVA: the disk imported (its first) and what its .ovf asks for.
  std::string ova_disk;
  int ova_cpus = 0;
  int64_t ova_memory_mib = 0;
};

// kInvalidArgument for a file that is not a disk image of an accepted
// format, disagrees with `declared_format`, has a backing file, or is too
// big; kIo when qemu-img fails or times out. Nothing is left in the store on
// failure.
Result<ImportedImage> import_image_file(const ImportRequest& request);

// "<directory of the state database>/images".
std::string image_store_dir(const std::string& state_path);

// The SHA-256 an Image record (a stored resource's spec_json) gives its file
// in the store, or "" when it has none.
std::string image_record_sha256(const std::string& spec_json);

// Creates the image store directory when missing and makes it mode 0700.
Status ensure_image_store(const std::string& store_dir);

// SHA-256 and SM3 of a file, read once in 1 MiB blocks.
struct FileDigests {
  std::string sha256, sm3;
  int64_t bytes = 0;
};
Result<FileDigests> file_digests(const std::string& path);

// True when `program` is an executable file in a PATH directory.
bool program_installed(const std::string& program);

}  // namespace xc
