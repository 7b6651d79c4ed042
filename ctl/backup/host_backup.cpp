#include "ctl/backup/host_backup.h"

#include <algorithm>

#include "common/time.h"

namespace xc {
namespace {

using nlohmann::json;

struct ScratchDisk {
  std::string file;
  std::vector<json> extents;  // {start, length, offset}
};

// Guest offsets to the scratch file's bytes through the extent table.
class AgentSource : public BackupSource {
 public:
  AgentSource(HostClients& clients, std::string host, std::map<std::string, ScratchDisk> disks)
      : clients_(clients), host_(std::move(host)), disks_(std::move(disks)) {}

  Result<std::string> read(const std::string& disk, int64_t offset, int64_t length) override {
    const ScratchDisk& d = disks_.at(disk);
    for (const auto& e : d.extents) {
      int64_t start = e["start"], len = e["length"];
      if (offset < start || offset + length > start + len) continue;
      if (e.value("zero", false)) return std::string(static_cast<size_t>(length), '\0');
      int64_t file_offset = e["offset"];
      std::string out;
      auto reply = clients_.call_bytes(
          host_, "backup.read",
          {{"file", d.file}, {"offset", file_offset + (offset - start)}, {"length", length}}, {},
          out);
      if (!reply.ok()) return reply.status();
      if (static_cast<int64_t>(out.size()) != length)
        return error(Code::kIo, "backup.read: " + std::to_string(out.size()) + " bytes, expected " +
                                    std::to_string(length));
      return out;
    }
    return error(Code::kInternal,
                 "disk " + disk + ": " + std::to_string(offset) + " is not inside one extent");
  }

 private:
  HostClients& clients_;
  std::string host_;
  std::map<std::string, ScratchDisk> disks_;
};

}  // namespace

std::string backup_id_for(int64_t time_ms) {
  std::string t = format_time_ms(time_ms);  // 2026-01-02T03:04:05.006Z
  std::string id;
  for (char c : t)
    if (std::isdigit(static_cast<unsigned char>(c)) || c == 'T' || c == 'Z') id.push_back(c);
  return id;
}

Result<HostBackupResult> run_host_backup(HostClients& clients, const BackupRepository& repo,
                                         const BackupKey& key, const HostBackupRequest& req,
                                         const std::vector<BackupManifest>& history) {
  HostBackupResult result;
  std::string since = history.empty() ? "" : history.back().checkpoint;
  json params = {{"name", req.domain}, {"id", req.id}};
  if (!since.empty()) params["since"] = since;
  auto begun = clients.call(req.host, "backup.begin", params);
  if (!begun.ok() && !since.empty()) {
    // The checkpoint is gone or inconsistent (bitmaps of a crashed QEMU):
    // drop every checkpoint and take a full backup.
    result.note =
        "full: the incremental since " + since + " failed (" + begun.status().message() + ")";
    (void)clients.call(req.host, "backup.end",
                       {{"name", req.domain}, {"id", req.id}, {"keep_checkpoint", false}});
    params.erase("since");
    begun = clients.call(req.host, "backup.begin", params);
  }
  if (!begun.ok()) return begun.status();
  BackupManifest m;
  m.tenant = req.tenant;
  m.vm = req.vm;
  m.id = req.id;
  m.time_ms = req.time_ms;
  m.chunk_bytes = req.chunk_bytes;
  m.kind = (*begun)["kind"];
  m.parent = m.kind == "incremental" ? history.back().id : "";
  m.checkpoint = (*begun)["checkpoint"];
  m.method = (*begun)["method"];
  std::map<std::string, ScratchDisk> scratch;
  std::map<std::string, std::vector<DiskExtent>> extents;
  for (const auto& d : (*begun)["disks"]) {
    std::string target = d["target"];
    m.disks.push_back({target, d["size"]});
    ScratchDisk s{d["file"], {}};
    for (const auto& e : d["extents"]) {
      s.extents.push_back(e);
      extents[target].push_back({e["start"], e["length"]});
    }
    scratch[target] = std::move(s);
  }
  AgentSource source(clients, req.host, std::move(scratch));
  auto written = repo.write(m, extents, source, key);
  // On failure the new checkpoint must not become the base of the next
  // incremental: every checkpoint goes and the next backup is full.
  auto ended =
      clients.call(req.host, "backup.end",
                   {{"name", req.domain}, {"id", req.id}, {"keep_checkpoint", written.ok()}});
  if (!written.ok()) return written.status();
  if (!ended.ok()) result.note += (result.note.empty() ? "" : "; ") + ended.status().message();
  result.manifest = std::move(*written);
  return result;
}

}  // namespace xc
