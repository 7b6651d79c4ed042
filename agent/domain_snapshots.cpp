#include "agent/domain_snapshots.h"

#include <sys/stat.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <sstream>
#include <thread>

#include "agent/subprocess.h"

namespace xc {
namespace {

pugi::xml_document domain_xml(virDomainPtr d, bool live) {
  pugi::xml_document doc;
  unsigned flags = live ? 0 : VIR_DOMAIN_XML_INACTIVE;
  doc.load_string(take_string(virDomainGetXMLDesc(d, flags)).c_str());
  return doc;
}

// The files in the live chain of disk `target` (top first).
std::vector<std::string> live_chain(virDomainPtr d, const std::string& target) {
  std::vector<std::string> out;
  pugi::xml_document doc = domain_xml(d, true);
  for (auto disk : doc.select_nodes("/domain/devices/disk")) {
    if (std::string(disk.node().child("target").attribute("dev").as_string()) != target) continue;
    for (pugi::xml_node n = disk.node(); n; n = n.child("backingStore")) {
      std::string file = n.child("source").attribute("file").as_string();
      if (!file.empty()) out.push_back(file);
    }
  }
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  for (const auto& x : v)
    if (x == s) return true;
  return false;
}

}  // namespace

std::vector<DomainDiskFile> domain_disk_files(virDomainPtr d, bool live) {
  std::vector<DomainDiskFile> out;
  pugi::xml_document doc = domain_xml(d, live);
  for (auto disk : doc.select_nodes("/domain/devices/disk[@device='disk']"))
    out.push_back({disk.node().child("target").attribute("dev").as_string(),
                   disk.node().child("source").attribute("file").as_string()});
  return out;
}

std::vector<std::string> other_disk_targets(virDomainPtr d, bool live) {
  std::vector<std::string> out;
  pugi::xml_document doc = domain_xml(d, live);
  for (auto disk : doc.select_nodes("/domain/devices/disk[@device!='disk']"))
    out.push_back(disk.node().child("target").attribute("dev").as_string());
  return out;
}

int64_t allocated_bytes(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_blocks) * 512;
}

Result<std::vector<SnapshotInfo>> list_snapshots(virDomainPtr d) {
  virDomainSnapshotPtr* snaps = nullptr;
  int n = virDomainListAllSnapshots(d, &snaps, 0);
  if (n < 0) return libvirt_error("snapshots: ");
  std::map<std::string, SnapshotInfo> by_name;
  for (int i = 0; i < n; ++i) {
    pugi::xml_document doc;
    doc.load_string(take_string(virDomainSnapshotGetXMLDesc(snaps[i], 0)).c_str());
    virDomainSnapshotFree(snaps[i]);
    pugi::xml_node s = doc.child("domainsnapshot");
    SnapshotInfo info;
    info.name = s.child("name").text().as_string();
    info.parent = s.child("parent").child("name").text().as_string();
    info.created_unix = s.child("creationTime").text().as_llong();
    auto note = nlohmann::json::parse(s.child("description").text().as_string(), nullptr, false);
    if (note.is_object()) {
      info.quiesced = note.value("quiesced", false);
      info.note = note.value("note", "");
    }
    for (auto disk : s.child("disks").children("disk")) {
      if (std::string(disk.attribute("snapshot").as_string()) != "external") continue;
      std::string file = disk.child("source").attribute("file").as_string();
      info.overlays.push_back({disk.attribute("name").as_string(), file});
      info.bytes += allocated_bytes(file);
    }
    by_name[info.name] = std::move(info);
  }
  free(snaps);
  // Chain order: follow children from the snapshot without a parent.
  std::vector<SnapshotInfo> out;
  std::string parent;
  while (out.size() < by_name.size()) {
    bool found = false;
    for (auto& [name, info] : by_name) {
      if (info.parent != parent) continue;
      out.push_back(info);
      parent = name;
      found = true;
      break;
    }
    if (!found) break;
  }
  if (out.size() != by_name.size())
    return error(Code::kFailedPrecondition,
                 "snapshots: the chain is not linear (made outside xcloud?); fix with virsh");
  return out;
}

Status set_disk_source(virConnectPtr conn, virDomainPtr d, const std::string& target,
                       const std::string& file) {
  pugi::xml_document doc;
  doc.load_string(
      take_string(virDomainGetXMLDesc(d, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE)).c_str());
  bool found = false;
  for (auto disk : doc.select_nodes("/domain/devices/disk[@device='disk']")) {
    if (std::string(disk.node().child("target").attribute("dev").as_string()) != target) continue;
    disk.node().child("source").attribute("file").set_value(file.c_str());
    disk.node().remove_child("backingStore");
    found = true;
  }
  if (!found) return error(Code::kNotFound, "disk " + target + ": not in the definition");
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_default | pugi::format_no_declaration);
  virDomainPtr defined = virDomainDefineXML(conn, out.str().c_str());
  if (!defined) return libvirt_error("disk " + target + ": redefine: ");
  virDomainFree(defined);
  return {};
}

Status commit_online(virDomainPtr d, const std::string& target, const std::string& top,
                     const std::string& base, bool active) {
  unsigned flags = active ? VIR_DOMAIN_BLOCK_COMMIT_ACTIVE : 0;
  if (virDomainBlockCommit(d, target.c_str(), base.c_str(), top.c_str(), 0, flags) < 0)
    return libvirt_error("disk " + target + ": block commit: ");
  // Bounded below the clients' 300 s request deadline.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(240);
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    virDomainBlockJobInfo info{};
    int rc = virDomainGetBlockJobInfo(d, target.c_str(), &info, 0);
    if (rc < 0) return libvirt_error("disk " + target + ": block commit: ");
    if (!active && rc == 0) break;  // the job is gone: done
    if (active && rc == 0)
      return error(Code::kIo, "disk " + target + ": block commit ended without pivot");
    if (active && info.end > 0 && info.cur == info.end) {
      if (virDomainBlockJobAbort(d, target.c_str(), VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT) == 0) break;
      virResetLastError();  // not ready yet
    }
  }
  // libvirt updates the definition when it handles the job's end event.
  for (int i = 0; i < 60 && contains(live_chain(d, target), top); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (contains(live_chain(d, target), top)) {
    virDomainBlockJobAbort(d, target.c_str(), 0);
    virResetLastError();
    return error(Code::kIo, "disk " + target + ": block commit of " + top +
                                " did not finish in 240 s; the snapshot is kept");
  }
  return {};
}

Status commit_offline(const std::string& top, const std::string& base, const std::string& child) {
  Status s = run_program({"qemu-img", "commit", "-q", "-f", "qcow2", top});
  if (!s.ok()) return s;
  if (child.empty()) return {};
  return run_program({"qemu-img", "rebase", "-u", "-f", "qcow2", "-F", "qcow2", "-b", base, child});
}

}  // namespace xc
