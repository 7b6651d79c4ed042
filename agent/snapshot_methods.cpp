// snapshot.create, snapshot.list, snapshot.revert, snapshot.delete: disk-only
// external snapshots (qcow2 overlays beside the disk, agent/snapshot_files.h)
// recorded in libvirt's snapshot metadata, so the agent stays stateless.
// libvirt 9.0 neither reverts nor deletes external snapshots itself: revert
// (stopped domain) and delete (block commit, or qemu-img when stopped) are
// done here, then only the metadata is dropped.
#include <unistd.h>

#include <cstdio>
#include <pugixml.hpp>
#include <sstream>
#include <tuple>

#include "agent/domain_inventory.h"
#include "agent/domain_snapshots.h"
#include "agent/rpc_service.h"
#include "agent/snapshot_files.h"
#include "agent/subprocess.h"

namespace xc {
namespace {

using nlohmann::json;

bool is_running(virDomainPtr d) {
  int state = 0, reason = 0;
  return virDomainGetState(d, &state, &reason, 0) == 0 && state != VIR_DOMAIN_SHUTOFF;
}

json snapshot_json(const SnapshotInfo& s) {
  json disks = json::array();
  for (const auto& o : s.overlays) disks.push_back({{"target", o.target}, {"overlay", o.source}});
  json out = {{"name", s.name},         {"parent", s.parent}, {"createdUnix", s.created_unix},
              {"quiesced", s.quiesced}, {"bytes", s.bytes},   {"disks", disks}};
  if (!s.note.empty()) out["note"] = s.note;
  return out;
}

struct Target {
  Domain domain;
  std::vector<SnapshotInfo> chain;
};

Result<Target> open_target(AgentContext& ctx, const std::string& name) {
  auto domain = owned_domain(ctx, name);
  if (!domain.ok()) return domain.status();
  if (ctx.test_driver)
    return error(Code::kFailedPrecondition,
                 "domain " + name + ": snapshots need a QEMU host (this is a simulated host)");
  auto chain = list_snapshots(domain->get());
  if (!chain.ok())
    return error(chain.status().code(), "domain " + name + ": " + chain.status().message());
  return Target{std::move(*domain), std::move(*chain)};
}

size_t index_of(const std::vector<SnapshotInfo>& chain, const std::string& snapshot) {
  for (size_t i = 0; i < chain.size(); ++i)
    if (chain[i].name == snapshot) return i;
  return chain.size();
}

// The file below `s`'s overlay of `target`: the parent's overlay or the disk.
std::string backing_of(const std::vector<SnapshotInfo>& chain, size_t i, const DomainDiskFile& o) {
  if (i > 0)
    for (const auto& p : chain[i - 1].overlays)
      if (p.target == o.target) return p.source;
  return base_disk_of(o.source).value_or(o.source);
}

std::string child_overlay(const std::vector<SnapshotInfo>& chain, size_t i,
                          const std::string& target) {
  if (i + 1 >= chain.size()) return "";
  for (const auto& c : chain[i + 1].overlays)
    if (c.target == target) return c.source;
  return "";
}

Status drop_metadata(virDomainPtr d, const std::string& snapshot) {
  virDomainSnapshotPtr s = virDomainSnapshotLookupByName(d, snapshot.c_str(), 0);
  if (!s) return libvirt_error("snapshot " + snapshot + ": ");
  int rc = virDomainSnapshotDelete(s, VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY);
  virDomainSnapshotFree(s);
  return rc < 0 ? libvirt_error("snapshot " + snapshot + ": ") : Status{};
}

// Offline changes to the chain (qemu-img) do not keep QEMU's dirty bitmaps
// right: every checkpoint goes, so the next backup is full, never an
// incremental that misses blocks.
int drop_checkpoints(virDomainPtr d) {
  virDomainCheckpointPtr* cps = nullptr;
  int n = virDomainListAllCheckpoints(d, &cps, 0);
  int dropped = 0;
  for (int i = 0; i < n; ++i) {
    if (virDomainCheckpointDelete(cps[i], 0) == 0 ||
        virDomainCheckpointDelete(cps[i], VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY) == 0)
      ++dropped;
    virDomainCheckpointFree(cps[i]);
  }
  free(cps);
  virResetLastError();
  return dropped;
}

Result<std::pair<std::string, std::string>> names(const json& params) {
  auto name = param_string(params, "name");
  if (!name.ok()) return name.status();
  auto snapshot = param_string(params, "snapshot");
  if (!snapshot.ok()) return snapshot.status();
  if (!is_snapshot_name(*snapshot))
    return error(Code::kInvalidArgument,
                 "params.snapshot: expected a DNS label of at most 40 characters");
  return std::make_pair(*name, *snapshot);
}

std::string snapshot_xml(const std::string& snapshot, const json& note,
                         const std::vector<DomainDiskFile>& disks,
                         const std::vector<std::string>& others) {
  pugi::xml_document doc;
  pugi::xml_node root = doc.append_child("domainsnapshot");
  root.append_child("name").text() = snapshot.c_str();
  root.append_child("description").text() = note.dump().c_str();
  pugi::xml_node list = root.append_child("disks");
  for (const auto& d : disks) {
    pugi::xml_node disk = list.append_child("disk");
    disk.append_attribute("name") = d.target.c_str();
    disk.append_attribute("snapshot") = "external";
    disk.append_child("driver").append_attribute("type") = "qcow2";
    disk.append_child("source").append_attribute("file") =
        overlay_path(*base_disk_of(d.source), snapshot).c_str();
  }
  for (const auto& t : others) {
    pugi::xml_node disk = list.append_child("disk");
    disk.append_attribute("name") = t.c_str();
    disk.append_attribute("snapshot") = "no";
  }
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw | pugi::format_no_declaration);
  return out.str();
}

Result<json> snapshot_create(AgentContext& ctx, const json& params) {
  auto n = names(params);
  if (!n.ok()) return n.status();
  const auto& [name, snapshot] = *n;
  const int64_t limit = params.value("limit", int64_t{kDefaultSnapshotLimit});
  if (limit < 1 || limit > kMaxSnapshotLimit)
    return error(Code::kInvalidArgument, "params.limit: expected 1 to 64");
  auto lock = ctx.lock_object("domain/" + name);
  auto t = open_target(ctx, name);
  if (!t.ok()) return t.status();
  virDomainPtr d = t->domain.get();
  if (index_of(t->chain, snapshot) < t->chain.size())
    return error(Code::kAlreadyExists, "domain " + name + ": snapshot " + snapshot + " exists");
  if (static_cast<int64_t>(t->chain.size()) >= limit)
    return error(Code::kFailedPrecondition,
                 "domain " + name + ": has " + std::to_string(t->chain.size()) +
                     " snapshots, the limit is " + std::to_string(limit) + "; delete one first");
  const bool running = is_running(d);
  auto disks = domain_disk_files(d, running);
  for (const auto& disk : disks) {
    auto base = base_disk_of(disk.source);
    if (!base || base->rfind(ctx.config.storage_dir + "/", 0) != 0)
      return error(Code::kFailedPrecondition, "domain " + name + ": disk " + disk.target + " (" +
                                                  disk.source + ") is not an xcloud disk in " +
                                                  ctx.config.storage_dir);
    if (access(overlay_path(*base, snapshot).c_str(), F_OK) == 0)
      return error(Code::kAlreadyExists,
                   "domain " + name + ": " + overlay_path(*base, snapshot) + " exists");
  }
  auto others = other_disk_targets(d, running);
  unsigned flags = VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY | VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC;
  json note = {{"quiesced", running}};
  virDomainSnapshotPtr made = nullptr;
  if (running) {
    made = virDomainSnapshotCreateXML(d, snapshot_xml(snapshot, note, disks, others).c_str(),
                                      flags | VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE);
    if (!made) {
      // No guest agent (or it did not answer): a crash-consistent snapshot,
      // and the record says so.
      note = {{"quiesced", false}, {"note", "not quiesced: " + libvirt_error("").message()}};
      virResetLastError();
    }
  } else {
    note["note"] = "taken while stopped";
  }
  if (!made)
    made =
        virDomainSnapshotCreateXML(d, snapshot_xml(snapshot, note, disks, others).c_str(), flags);
  if (!made) return libvirt_error("domain " + name + ": snapshot " + snapshot + ": ");
  virDomainSnapshotFree(made);
  auto chain = list_snapshots(d);
  if (!chain.ok()) return chain.status();
  json out = {{"domain", name}, {"running", running}, {"count", chain->size()}};
  out["snapshot"] = snapshot_json(chain->back());
  return out;
}

Result<json> snapshot_list(AgentContext& ctx, const json& params) {
  auto name = param_string(params, "name");
  if (!name.ok()) return name.status();
  auto lock = ctx.lock_object("domain/" + *name);
  auto t = open_target(ctx, *name);
  if (!t.ok()) return t.status();
  json list = json::array();
  for (const auto& s : t->chain) list.push_back(snapshot_json(s));
  return json{{"domain", *name}, {"running", is_running(t->domain.get())}, {"snapshots", list}};
}

// An existing snapshot of a domain, with the domain's lock held.
struct Located {
  std::unique_lock<std::mutex> lock;
  std::string name, snapshot;
  Target target;
  size_t index = 0;
};

Result<Located> locate(AgentContext& ctx, const json& params) {
  auto n = names(params);
  if (!n.ok()) return n.status();
  Located out;
  std::tie(out.name, out.snapshot) = *n;
  out.lock = ctx.lock_object("domain/" + out.name);
  auto t = open_target(ctx, out.name);
  if (!t.ok()) return t.status();
  out.target = std::move(*t);
  out.index = index_of(out.target.chain, out.snapshot);
  if (out.index == out.target.chain.size())
    return error(Code::kNotFound, "domain " + out.name + ": no snapshot " + out.snapshot);
  return out;
}

Result<json> snapshot_delete(AgentContext& ctx, const json& params) {
  auto found = locate(ctx, params);
  if (!found.ok()) return found.status();
  const std::string &name = found->name, &snapshot = found->snapshot;
  Target* t = &found->target;
  virDomainPtr d = t->domain.get();
  const size_t i = found->index;
  const bool running = is_running(d);
  const bool active = i + 1 == t->chain.size();
  for (const auto& o : t->chain[i].overlays) {
    std::string base = backing_of(t->chain, i, o);
    std::string child = child_overlay(t->chain, i, o.target);
    Status s = running ? commit_online(d, o.target, o.source, base, active)
                       : commit_offline(o.source, base, child);
    if (s.ok() && !running && active) s = set_disk_source(ctx.conn, d, o.target, base);
    if (!s.ok())
      return error(s.code(), "domain " + name + ": snapshot " + snapshot + ": " + s.message());
    if (unlink(o.source.c_str()) != 0)
      return error(Code::kIo, "domain " + name + ": " + o.source + ": cannot remove");
  }
  Status dropped = drop_metadata(d, snapshot);
  if (!dropped.ok()) return dropped;
  json out = {{"domain", name},
              {"snapshot", snapshot},
              {"running", running},
              {"merged", running ? "block commit" : "qemu-img commit"}};
  if (!running) out["checkpointsDropped"] = drop_checkpoints(d);
  return out;
}

Result<json> snapshot_revert(AgentContext& ctx, const json& params) {
  auto found = locate(ctx, params);
  if (!found.ok()) return found.status();
  const std::string &name = found->name, &snapshot = found->snapshot;
  Target* t = &found->target;
  virDomainPtr d = t->domain.get();
  const size_t i = found->index;
  if (is_running(d))
    return error(Code::kFailedPrecondition,
                 "domain " + name + ": revert needs the VM stopped; stop it first");
  // A fresh overlay replaces the snapshot's own (atomically, by rename), the
  // definition points at it, then later snapshots go.
  for (const auto& o : t->chain[i].overlays) {
    std::string fresh = o.source + ".reverting";
    Status s = run_program({"qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b",
                            backing_of(t->chain, i, o), fresh});
    if (s.ok() && std::rename(fresh.c_str(), o.source.c_str()) != 0)
      s = error(Code::kIo, o.source + ": cannot replace");
    if (s.ok()) s = set_disk_source(ctx.conn, d, o.target, o.source);
    if (!s.ok()) return error(s.code(), "domain " + name + ": revert: " + s.message());
  }
  json discarded = json::array();
  for (size_t j = t->chain.size(); j-- > i + 1;) {
    for (const auto& o : t->chain[j].overlays) unlink(o.source.c_str());
    Status dropped = drop_metadata(d, t->chain[j].name);
    if (!dropped.ok()) return dropped;
    discarded.push_back(t->chain[j].name);
  }
  return json{{"domain", name},
              {"snapshot", snapshot},
              {"discardedSnapshots", discarded},
              {"checkpointsDropped", drop_checkpoints(d)}};
}

}  // namespace

void add_snapshot_methods(MethodTable& table) {
  table["snapshot.create"] = snapshot_create;
  table["snapshot.list"] = snapshot_list;
  table["snapshot.delete"] = snapshot_delete;
  table["snapshot.revert"] = snapshot_revert;
}

}  // namespace xc
