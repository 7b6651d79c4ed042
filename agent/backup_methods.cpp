// backup.begin, backup.read, backup.end: the host's half of a backup. A
// running domain is backed up with libvirt's push-mode backup API into a
// scratch qcow2 per disk (incremental since a checkpoint, i.e. a QEMU dirty
// bitmap, when asked), with a new checkpoint; a stopped one with qemu-img
// convert (always full). The allocated extents of the scratch file are the
// data to keep (for an incremental, exactly the changed blocks); the
// controller reads them with backup.read, seals and stores them, then
// backup.end removes the scratch files and older checkpoints.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <pugixml.hpp>
#include <thread>

#include "agent/domain_inventory.h"
#include "agent/domain_snapshots.h"
#include "agent/rpc_service.h"
#include "agent/subprocess.h"
#include "agent/xml_text.h"

namespace xc {
namespace {

using nlohmann::json;
constexpr int64_t kMaxRead = 8 << 20;

bool is_backup_id(const std::string& id) {
  if (id.empty() || id.size() > 40) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  return true;
}

std::string scratch_file(const AgentContext& ctx, const std::string& id,
                         const std::string& target) {
  return ctx.config.storage_dir + "/backup-" + id + "." + target + ".qcow2";
}

// The extents of a scratch file that hold data: guest offset, length and
// the offset in the file where the bytes are (qemu-img map). With
// `zeroes`, also the allocated zero clusters (an incremental's blocks the
// guest zeroed since: they must overwrite the older data at restore).
Result<json> data_extents(const std::string& file, bool zeroes) {
  auto out = run_program_output({"qemu-img", "map", "-U", "--output=json", "-f", "qcow2", file});
  if (!out.ok()) return out.status();
  json map = json::parse(*out, nullptr, false);
  if (!map.is_array()) return error(Code::kIo, file + ": qemu-img map: unreadable output");
  json extents = json::array();
  for (const auto& e : map) {
    if (e.value("depth", 0) != 0) continue;
    if (zeroes && e.value("present", false) && e.value("zero", false) && !e.value("data", false)) {
      extents.push_back({{"start", e["start"]}, {"length", e["length"]}, {"zero", true}});
      continue;
    }
    if (!e.value("data", false)) continue;
    if (!e.contains("offset"))
      return error(Code::kIo, file + ": an extent without a file offset (compressed?)");
    extents.push_back({{"start", e["start"]}, {"length", e["length"]}, {"offset", e["offset"]}});
  }
  return extents;
}

Result<int64_t> virtual_size(const std::string& file) {
  auto out = run_program_output({"qemu-img", "info", "-U", "--output=json", file});
  if (!out.ok()) return out.status();
  json info = json::parse(*out, nullptr, false);
  if (!info.is_object() || !info.contains("virtual-size"))
    return error(Code::kIo, file + ": qemu-img info: unreadable output");
  return info["virtual-size"].get<int64_t>();
}

Status push_backup(virDomainPtr d, const std::string& id, const std::string& since,
                   const std::vector<DomainDiskFile>& disks, const std::vector<std::string>& others,
                   const AgentContext& ctx) {
  pugi::xml_document backup, checkpoint;
  pugi::xml_node b = backup.append_child("domainbackup");
  b.append_attribute("mode") = "push";
  if (!since.empty()) b.append_child("incremental").text() = since.c_str();
  pugi::xml_node bdisks = b.append_child("disks");
  pugi::xml_node c = checkpoint.append_child("domaincheckpoint");
  c.append_child("name").text() = id.c_str();
  pugi::xml_node cdisks = c.append_child("disks");
  for (const auto& disk : disks) {
    pugi::xml_node bd = bdisks.append_child("disk");
    bd.append_attribute("name") = disk.target.c_str();
    bd.append_attribute("type") = "file";
    bd.append_child("target").append_attribute("file") = scratch_file(ctx, id, disk.target).c_str();
    bd.append_child("driver").append_attribute("type") = "qcow2";
    pugi::xml_node cd = cdisks.append_child("disk");
    cd.append_attribute("name") = disk.target.c_str();
    cd.append_attribute("checkpoint") = "bitmap";
  }
  for (const auto& t : others) {
    pugi::xml_node bd = bdisks.append_child("disk");
    bd.append_attribute("name") = t.c_str();
    bd.append_attribute("backup") = "no";
    pugi::xml_node cd = cdisks.append_child("disk");
    cd.append_attribute("name") = t.c_str();
    cd.append_attribute("checkpoint") = "no";
  }
  if (virDomainBackupBegin(d, xml_text(backup).c_str(), xml_text(checkpoint).c_str(), 0) < 0)
    return libvirt_error("backup: ");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(280);
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    virDomainJobInfo info{};
    if (virDomainGetJobInfo(d, &info) < 0) return libvirt_error("backup: ");
    if (info.type == VIR_DOMAIN_JOB_NONE) break;
    if (std::chrono::steady_clock::now() > deadline) {
      virDomainAbortJob(d);
      return error(Code::kIo, "backup: not finished in 280 s; aborted");
    }
  }
  int type = 0, n = 0;
  virTypedParameterPtr params = nullptr;
  if (virDomainGetJobStats(d, &type, &params, &n, VIR_DOMAIN_JOB_STATS_COMPLETED) < 0)
    return libvirt_error("backup: ");
  const char* message = nullptr;
  virTypedParamsGetString(params, n, VIR_DOMAIN_JOB_ERRMSG, &message);
  std::string why = message ? message : "failed";
  virTypedParamsFree(params, n);
  if (type != VIR_DOMAIN_JOB_COMPLETED) return error(Code::kIo, "backup: " + why);
  return {};
}

Result<json> backup_begin(AgentContext& ctx, const json& params) {
  auto name = param_string(params, "name");
  if (!name.ok()) return name.status();
  auto id = param_string(params, "id");
  if (!id.ok()) return id.status();
  if (!is_backup_id(*id))
    return error(Code::kInvalidArgument, "params.id: expected up to 40 letters, digits or -");
  const std::string since = params.value("since", "");
  if (!since.empty() && !is_backup_id(since))
    return error(Code::kInvalidArgument, "params.since: expected a checkpoint name");
  auto lock = ctx.lock_object("domain/" + *name);
  auto domain = owned_domain(ctx, *name);
  if (!domain.ok()) return domain.status();
  virDomainPtr d = domain->get();
  int state = 0, reason = 0;
  virDomainGetState(d, &state, &reason, 0);
  const bool running = state != VIR_DOMAIN_SHUTOFF;
  // A simulated host has no QEMU for the backup API; a stopped VM's disks
  // are plain files for qemu-img, when something wrote them.
  if (ctx.test_driver && running)
    return error(
        Code::kFailedPrecondition,
        "domain " + *name + ": a running VM's backup needs a QEMU host (this is a simulated host)");
  auto disks = domain_disk_files(d, running);
  json out = {{"domain", *name}, {"id", *id}, {"running", running}};
  if (running) {
    if (!since.empty()) {
      virDomainCheckpointPtr cp = virDomainCheckpointLookupByName(d, since.c_str(), 0);
      if (!cp) {
        virResetLastError();
        return error(Code::kNotFound,
                     "domain " + *name + ": checkpoint " + since + " is gone; take a full backup");
      }
      virDomainCheckpointFree(cp);
    }
    Status s = push_backup(d, *id, since, disks, other_disk_targets(d, true), ctx);
    if (!s.ok() && s.message().find("qcow2 v2") != std::string::npos)
      return error(Code::kFailedPrecondition,
                   "domain " + *name + ": " + s.message() +
                       " (a disk made by an older agent: with the VM stopped, run "
                       "`qemu-img amend -o compat=1.1 DISK` on each of its disks)");
    if (!s.ok()) return error(s.code(), "domain " + *name + ": " + s.message());
    out["kind"] = since.empty() ? "full" : "incremental";
    out["checkpoint"] = *id;
    out["method"] = since.empty() ? "libvirt push backup, full, new checkpoint"
                                  : "libvirt push backup, incremental since checkpoint " + since;
  } else {
    for (const auto& disk : disks) {
      Status s = run_program(
          {"qemu-img", "convert", "-O", "qcow2", disk.source, scratch_file(ctx, *id, disk.target)});
      if (!s.ok()) return error(s.code(), "domain " + *name + ": " + s.message());
    }
    out["kind"] = "full";
    out["checkpoint"] = "";
    out["method"] = "qemu-img convert of the stopped VM's disks (full)";
  }
  json files = json::array();
  for (const auto& disk : disks) {
    std::string file = scratch_file(ctx, *id, disk.target);
    auto size = virtual_size(file);
    if (!size.ok()) return size.status();
    auto extents = data_extents(file, out["kind"] == "incremental");
    if (!extents.ok()) return extents.status();
    files.push_back(
        {{"target", disk.target}, {"file", file}, {"size", *size}, {"extents", *extents}});
  }
  out["disks"] = files;
  return out;
}

// A scratch file of this agent: in the storage directory, named backup-*.
Status check_scratch(const AgentContext& ctx, const std::string& file) {
  std::filesystem::path p(file);
  if (p.parent_path().string() != ctx.config.storage_dir ||
      p.filename().string().rfind("backup-", 0) != 0 || file.find("/../") != std::string::npos)
    return error(Code::kPermissionDenied, "params.file: not a backup scratch file of this host");
  return {};
}

Result<ByteReply> backup_read(AgentContext& ctx, const json& params, const std::string&) {
  auto file = param_string(params, "file");
  if (!file.ok()) return file.status();
  if (Status s = check_scratch(ctx, *file); !s.ok()) return s;
  const int64_t offset = params.value("offset", int64_t{-1});
  const int64_t length = params.value("length", int64_t{-1});
  if (offset < 0 || length <= 0 || length > kMaxRead)
    return error(Code::kInvalidArgument, "params: expected offset >= 0 and 1 <= length <= 8 MiB");
  int fd = ::open(file->c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return error(Code::kNotFound, *file + ": cannot open");
  std::string data(static_cast<size_t>(length), '\0');
  ssize_t n = ::pread(fd, data.data(), data.size(), offset);
  ::close(fd);
  if (n != length) return error(Code::kIo, *file + ": short read at " + std::to_string(offset));
  return ByteReply{json::object(), std::move(data)};
}

Result<json> backup_end(AgentContext& ctx, const json& params) {
  auto name = param_string(params, "name");
  if (!name.ok()) return name.status();
  auto id = param_string(params, "id");
  if (!id.ok()) return id.status();
  if (!is_backup_id(*id)) return error(Code::kInvalidArgument, "params.id: not a backup id");
  const bool keep = params.value("keep_checkpoint", true);
  auto lock = ctx.lock_object("domain/" + *name);
  auto domain = owned_domain(ctx, *name);
  if (!domain.ok()) return domain.status();
  int removed = 0;
  std::error_code ec;
  const std::string prefix = "backup-" + *id + ".";
  for (const auto& entry : std::filesystem::directory_iterator(ctx.config.storage_dir, ec))
    if (entry.path().filename().string().rfind(prefix, 0) == 0 &&
        std::filesystem::remove(entry.path(), ec))
      ++removed;
  // Only the newest checkpoint is needed for the next incremental; each kept
  // one costs a dirty bitmap per disk. Without keep, this backup's goes too.
  json dropped = json::array();
  virDomainCheckpointPtr* cps = nullptr;
  int n = virDomainListAllCheckpoints(domain->get(), &cps, 0);
  for (int i = 0; i < n; ++i) {
    std::string cp = virDomainCheckpointGetName(cps[i]);
    if (!keep || cp != *id) {
      if (virDomainCheckpointDelete(cps[i], 0) == 0) dropped.push_back(cp);
      virResetLastError();
    }
    virDomainCheckpointFree(cps[i]);
  }
  free(cps);
  if (n < 0) virResetLastError();
  return json{{"domain", *name}, {"removedFiles", removed}, {"droppedCheckpoints", dropped}};
}

}  // namespace

void add_backup_methods(MethodTable& table, ByteMethodTable* bytes) {
  table["backup.begin"] = backup_begin;
  add_byte_method(table, bytes, "backup.read", backup_read);
  table["backup.end"] = backup_end;
}

}  // namespace xc
