#include "ctl/migrate/vm_move.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "common/domain_spec.h"
#include "ctl/migrate/disk_copy.h"
#include "ctl/migrate/shared_storage.h"

namespace xc {
namespace {

using nlohmann::json;

std::string mib_text(int64_t bytes) {
  return std::to_string((bytes + (1 << 19)) >> 20) + " MiB";
}

std::string seconds_text(int64_t ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(ms) / 1000.0);
  return text;
}

// The files a VM's disks (and NoCloud seed) live in: (volume, ext).
std::vector<std::pair<std::string, std::string>> vm_files(const DomainSpec& spec) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& d : spec.disks) {
    std::string file = disk_file_name(spec, d);
    out.push_back({file.substr(0, file.size() - 6), "qcow2"});
  }
  if (spec.guest) {
    std::string seed = seed_file_name(spec);
    out.push_back({seed.substr(0, seed.size() - 4), "iso"});
  }
  return out;
}

int64_t stat_of(const json& stats, const char* key) {
  auto it = stats.find(key);
  return it != stats.end() && it->is_number() ? it->get<int64_t>() : 0;
}

}  // namespace

const char* move_mode_name(MoveMode mode) {
  return mode == MoveMode::kLive ? "live" : "cold";
}

std::string MoveResult::summary() const {
  if (rolled_back) return "rolled back: the VM stays where it was";
  std::string how = mode == MoveMode::kCold ? "cold"
                    : tls                   ? "live over TLS"
                                            : "live WITHOUT TLS (--insecure-migration)";
  std::string out = how + ", " + seconds_text(total_ms) + ", downtime " +
                    std::to_string(downtime_ms) + " ms, " + mib_text(bytes);
  if (shared) out += ", disks on shared storage (not copied)";
  if (copied && !relayed) out += ", copied host to host";
  if (copied && relayed) {
    out += ", copied through the controller";
    if (!relayed_because.empty()) out += " (" + relayed_because + ")";
  }
  return resumed ? out + " (resumed)" : out;
}

Result<std::string> VmMover::domain_state(const std::string& host, const std::string& domain) {
  auto listed = clients_.call(host, "domains.list", json::object());
  if (!listed.ok()) return listed.status();
  for (const auto& d : listed->value("managed", json::array()))
    if (d.value("domain", "") == domain) return d.value("state", std::string("unknown"));
  return std::string();
}

Status VmMover::journal(const MoveRequest& r, const std::string& phase, const json& extra) {
  MoveRecord m;
  m.tenant = r.tenant;
  m.name = r.name;
  m.domain = r.domain;
  m.from_host = r.from_host;
  m.to_host = r.to_host;
  m.mode = move_mode_name(r.mode);
  m.phase = phase;
  json kept = extra.is_object() ? extra : json::object();
  kept["spec"] = r.spec;
  kept["bandwidth_mib"] = r.bandwidth_mib;
  kept["shared"] = r.shared_storage;
  m.spec_json = kept.dump();
  m.started_ms = m.updated_ms = now_();
  return log_.store().put_move(m);
}

Status VmMover::finish(const MoveRequest& r, const MoveResult& result) {
  Store& store = log_.store();
  return store.transact([&]() -> Status {
    ResourceKey key{"VirtualMachine", r.tenant, r.name};
    std::string hash;
    if (auto stored = store.get_resource(key); stored.ok()) {
      hash = stored->spec_hash;
      if (Status s = store.set_placement(key, r.to_host); !s.ok()) return s;
    } else if (stored.status().code() != Code::kNotFound) {
      return stored.status();
    }
    AuditRecord a = who_.record("VirtualMachine", r.tenant, r.name, "migrate");
    a.hash_before = a.hash_after = hash;
    a.result = kAuditOk;
    a.message = "host " + r.from_host + " -> " + r.to_host + ": " + result.summary();
    if (auto appended = log_.append(a); !appended.ok()) return appended.status();
    return store.delete_move(r.tenant, r.name);
  });
}

void VmMover::record_failure(const MoveRequest& r, const Status& status) {
  AuditRecord a = who_.record("VirtualMachine", r.tenant, r.name, "migrate");
  a.result = kAuditError;
  a.message = "host " + r.from_host + " -> " + r.to_host + " (" + move_mode_name(r.mode) +
              "): " + status.message();
  (void)log_.append(a);  // best effort: the move's own error is what the user sees
}

Result<MoveResult> VmMover::move(const MoveRequest& r, MoveObserver& observer) {
  if (r.from_host == r.to_host)
    return error(Code::kInvalidArgument,
                 "VirtualMachine " + r.tenant + "/" + r.name + ": already on " + r.to_host);
  MoveRequest req = r;
  auto shared = shared_storage_between(log_.store(), r.from_host, r.to_host);
  if (!shared.ok()) return shared.status();
  req.shared_storage = !shared->empty();
  if (req.shared_storage) req.copy_storage = false;
  auto moved = req.mode == MoveMode::kLive ? live(req, observer) : cold(req, observer, false);
  if (!moved.ok()) record_failure(req, moved.status());
  return moved;
}

Status VmMover::check_shared(const MoveRequest& r,
                             const std::vector<std::pair<std::string, std::string>>& files) {
  // The same size and first bytes on both hosts; a pool declared shared that
  // is not (another mount, a local copy) refuses the move before the VM stops.
  for (const auto& [volume, ext] : files) {
    json read = {{"name", volume}, {"ext", ext}, {"offset", 0}, {"length", 65536}};
    std::string here_bytes, there_bytes;
    auto here = clients_.call_bytes(r.from_host, "volume.read", read, {}, here_bytes);
    if (!here.ok()) return here.status();
    auto there = clients_.call_bytes(r.to_host, "volume.read", read, {}, there_bytes);
    if (!there.ok() || (*there)["size"] != (*here)["size"] || there_bytes != here_bytes)
      return error(Code::kFailedPrecondition,
                   "VirtualMachine " + r.tenant + "/" + r.name + ": the hosts' pools share " +
                       "storage, but " + r.to_host + " does not see " + r.from_host + "'s " +
                       volume + "." + ext +
                       (there.ok() ? "" : " (" + there.status().message() + ")") +
                       "; nothing was moved");
  }
  return {};
}

Result<bool> VmMover::live_tls(const MoveRequest& r) {
  std::string problems;
  for (const std::string& host : {r.from_host, r.to_host}) {
    auto tls = clients_.call(host, "host.migration_tls", json::object());
    std::string why = !tls.ok()                   ? tls.status().message()
                      : !tls->value("tls", false) ? tls->value("problem", std::string("unknown"))
                                                  : "";
    if (!why.empty()) problems += (problems.empty() ? "" : "; ") + host + ": " + why;
  }
  if (problems.empty()) return true;
  if (r.insecure_migration) return false;
  return error(Code::kFailedPrecondition,
               "live migration refused: the guest's memory would cross the network unencrypted (" +
                   problems +
                   "); install the hosts' migration certificates from 'xcloudctl host enroll' "
                   "(README: live migration over TLS), move it --cold, or accept plain TCP "
                   "with --insecure-migration; nothing was changed");
}

Status VmMover::supply_images(const MoveRequest& r) {
  if (!images_) return {};
  Status s = images_->supply(r.to_host, r.spec);
  if (s.ok()) return s;
  return error(s.code(), "VirtualMachine " + r.tenant + "/" + r.name + ": " + s.message() +
                             "; nothing was moved");
}

Result<MoveResult> VmMover::live(const MoveRequest& r, MoveObserver& observer) {
  auto spec = domain_spec_from_json(r.spec);
  if (!spec.ok()) return spec.status();
  const int64_t started = now_();
  auto tls = live_tls(r);
  if (!tls.ok()) return tls.status();
  observer.phase(r, "preparing");
  if (Status s = journal(r, "preparing", json::object()); !s.ok()) return s;
  auto undo = [&](const Status& why) -> Status {
    // Only the empty volumes prepare made, and only when no domain came.
    auto there = domain_state(r.to_host, r.domain);
    if (there.ok() && there->empty() && !r.shared_storage)
      for (const auto& [volume, ext] : vm_files(*spec))
        if (ext == "qcow2") (void)clients_.call(r.to_host, "volume.delete", {{"name", volume}});
    (void)log_.store().delete_move(r.tenant, r.name);
    return why;
  };
  if (r.shared_storage)
    if (Status s = check_shared(r, vm_files(*spec)); !s.ok()) return undo(s);
  if (Status s = supply_images(r); !s.ok()) return undo(s);
  auto prepared = clients_.call(r.to_host, "domain.migrate_prepare",
                                {{"spec", r.spec}, {"shared_storage", r.shared_storage}});
  if (!prepared.ok()) return undo(prepared.status());
  std::string uri = prepared->value("uri", std::string());
  // The NoCloud seed is a read-only CD-ROM libvirt does not copy: it goes first.
  for (const auto& [volume, ext] : vm_files(*spec)) {
    if (ext != "iso" || r.shared_storage) continue;
    auto copied = copy_volume_file(clients_, r.from_host, r.to_host, volume, ext, nullptr);
    if (!copied.ok()) return undo(copied.status());
  }
  if (Status s = journal(r, "migrating", {{"uri", uri}, {"tls", *tls}}); !s.ok()) return undo(s);
  observer.phase(r, *tls ? "migrating over TLS" : "migrating WITHOUT TLS (--insecure-migration)");
  std::atomic<bool> done{false};
  std::thread poller([&] {
    auto last = std::chrono::steady_clock::now();
    while (!done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (done || std::chrono::steady_clock::now() - last < std::chrono::milliseconds(500))
        continue;
      last = std::chrono::steady_clock::now();
      auto job = clients_.call(r.from_host, "domain.job", {{"name", r.domain}});
      if (!job.ok() || job->value("type", "") == "none") continue;
      const json& st = (*job)["stats"];
      observer.progress(r, stat_of(st, "data_processed"), stat_of(st, "data_total"),
                        stat_of(st, "memory_bps") + stat_of(st, "disk_bps"));
    }
  });
  auto migrated = clients_.call(r.from_host, "domain.migrate",
                                {{"name", r.domain},
                                 {"uri", uri},
                                 {"copy_storage", r.copy_storage},
                                 {"tls", *tls},
                                 {"bandwidth_mib", r.bandwidth_mib}});
  done = true;
  poller.join();
  if (!migrated.ok()) {
    // The reply may be lost after libvirt finished: the target decides.
    auto there = domain_state(r.to_host, r.domain);
    if (!there.ok() || *there != "running") return undo(migrated.status());
  }
  MoveResult result;
  result.mode = MoveMode::kLive;
  result.shared = r.shared_storage;
  result.tls = *tls;
  result.total_ms = now_() - started;
  auto job = clients_.call(r.to_host, "domain.job", {{"name", r.domain}, {"completed", true}});
  if (job.ok()) {
    const json& st = (*job)["stats"];
    if (int64_t t = stat_of(st, "time_elapsed"); t > 0) result.total_ms = t;
    result.downtime_ms = stat_of(st, "downtime");
    result.bytes = stat_of(st, "data_processed");
  }
  // The source's disk files are stale copies now: removed once the domain is
  // gone there (on shared storage they are the target's own: kept).
  observer.phase(r, "cleaning");
  if (auto left = domain_state(r.from_host, r.domain);
      left.ok() && left->empty() && !r.shared_storage)
    for (const auto& [volume, ext] : vm_files(*spec))
      (void)clients_.call(r.from_host, "volume.delete", {{"name", volume}, {"ext", ext}});
  observer.phase(r, "done");
  if (Status s = finish(r, result); !s.ok()) return s;
  return result;
}

Result<MoveResult> VmMover::cold(const MoveRequest& r, MoveObserver& observer, bool resuming) {
  auto spec = domain_spec_from_json(r.spec);
  if (!spec.ok()) return spec.status();
  const std::string what = "VirtualMachine " + r.tenant + "/" + r.name;
  const int64_t started = now_();
  auto source = domain_state(r.from_host, r.domain);
  if (!source.ok()) return source.status();
  auto target = domain_state(r.to_host, r.domain);
  if (!target.ok()) return target.status();
  MoveResult result;
  result.mode = MoveMode::kCold;
  result.resumed = resuming;
  result.shared = r.shared_storage;
  // Whether the VM ran before the move: the journal's word when resuming.
  bool was_running = *source == "running";
  if (resuming) {
    auto moves = log_.store().list_moves();
    if (!moves.ok()) return moves.status();
    for (const auto& m : *moves)
      if (m.tenant == r.tenant && m.name == r.name) {
        json kept = json::parse(m.spec_json, nullptr, false);
        if (kept.is_object()) was_running = kept.value("was_running", was_running);
      }
  }
  const json extra = {{"was_running", was_running}};
  if (!resuming && !target->empty())
    return error(Code::kAlreadyExists, what + ": " + r.to_host + " already holds domain " +
                                           r.domain + " (" + *target + "); nothing was moved");
  int64_t stopped_at = started;
  if (target->empty()) {
    if (source->empty())
      return error(Code::kFailedPrecondition,
                   what + ": on neither " + r.from_host + " nor " + r.to_host);
    if (Status s = journal(r, "preparing", extra); !s.ok()) return s;
    observer.phase(r, "preparing");
    if (r.shared_storage)
      if (Status s = check_shared(r, vm_files(*spec)); !s.ok()) return s;
    if (Status s = supply_images(r); !s.ok()) return s;
    auto prepared = clients_.call(r.to_host, "domain.migrate_prepare",
                                  {{"spec", r.spec}, {"shared_storage", r.shared_storage}});
    if (!prepared.ok()) return prepared.status();
    auto exported = clients_.call(r.from_host, "domain.export", {{"name", r.domain}});
    if (!exported.ok()) return exported.status();
    if (Status s = journal(r, "stopping", extra); !s.ok()) return s;
    observer.phase(r, "stopping");
    if (*source == "running" || *source == "paused") {
      auto stopped = clients_.call(
          r.from_host, "domain.power",
          {{"name", r.domain}, {"action", "shutdown"}, {"timeout_s", r.stop_timeout_s}});
      if (!stopped.ok()) return stopped.status();
    }
    stopped_at = now_();
    if (Status s = journal(r, "copying", extra); !s.ok()) return s;
    observer.phase(r, "copying");
    int64_t before = 0;
    // On shared storage the target's disks are the source's files: no copy.
    const auto files = r.shared_storage ? decltype(vm_files(*spec))() : vm_files(*spec);
    for (const auto& [volume, ext] : files) {
      auto t0 = std::chrono::steady_clock::now();
      auto copied = copy_volume_file(
          clients_, r.from_host, r.to_host, volume, ext, [&](int64_t done, int64_t total) {
            double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            observer.progress(r, before + done, before + total,
                              s > 0 ? static_cast<int64_t>(done / s) : 0);
          });
      if (!copied.ok()) return copied.status();
      before += copied->bytes;
      if (!copied->direct && copied->bytes > 0) {
        result.relayed = true;
        if (result.relayed_because.empty()) result.relayed_because = copied->relayed_because;
      }
    }
    result.bytes = before;
    result.copied = !files.empty();
    if (Status s = journal(r, "defining", extra); !s.ok()) return s;
    observer.phase(r, "defining");
    auto imported = clients_.call(r.to_host, "domain.import",
                                  {{"name", r.domain},
                                   {"xml", (*exported)["xml"]},
                                   {"storage_dir", (*exported)["storage_dir"]}});
    if (!imported.ok()) return imported.status();
  }
  // The target holds the VM from here on: finish, never go back.
  if (Status s = journal(r, "starting", extra); !s.ok()) return s;
  if (was_running) {
    observer.phase(r, "starting");
    auto startedv =
        clients_.call(r.to_host, "domain.power", {{"name", r.domain}, {"action", "start"}});
    if (!startedv.ok()) return startedv.status();
  }
  result.downtime_ms = was_running ? now_() - stopped_at : 0;
  if (Status s = journal(r, "cleaning", extra); !s.ok()) return s;
  observer.phase(r, "cleaning");
  auto still = domain_state(r.from_host, r.domain);
  if (!still.ok()) return still.status();
  if (!still->empty()) {
    // On shared storage only the definition goes: its disks run on the target.
    auto deleted = clients_.call(r.from_host, "domain.delete",
                                 {{"name", r.domain}, {"keep_disks", r.shared_storage}});
    if (!deleted.ok()) return deleted.status();
  }
  result.total_ms = now_() - started;
  observer.phase(r, "done");
  if (Status s = finish(r, result); !s.ok()) return s;
  return result;
}

std::vector<std::pair<MoveRequest, Result<MoveResult>>> VmMover::resume(MoveObserver& observer) {
  std::vector<std::pair<MoveRequest, Result<MoveResult>>> out;
  auto moves = log_.store().list_moves();
  if (!moves.ok()) {
    out.push_back({MoveRequest{}, moves.status()});
    return out;
  }
  for (const auto& m : *moves) {
    MoveRequest r;
    r.tenant = m.tenant;
    r.name = m.name;
    r.domain = m.domain;
    r.from_host = m.from_host;
    r.to_host = m.to_host;
    r.mode = m.mode == "live" ? MoveMode::kLive : MoveMode::kCold;
    json kept = json::parse(m.spec_json, nullptr, false);
    if (kept.is_object()) {
      r.spec = kept.value("spec", json::object());
      r.bandwidth_mib = kept.value("bandwidth_mib", int64_t{0});
      r.shared_storage = kept.value("shared", false);
    }
    if (r.mode == MoveMode::kCold) {
      auto done = cold(r, observer, true);
      if (!done.ok()) record_failure(r, done.status());
      out.push_back({r, done});
      continue;
    }
    // Live: libvirt moved the VM or did not; never both.
    auto source = domain_state(r.from_host, r.domain);
    auto target = domain_state(r.to_host, r.domain);
    if (!source.ok() || !target.ok()) {
      out.push_back({r, source.ok() ? target.status() : source.status()});
      continue;
    }
    MoveResult result;
    result.mode = MoveMode::kLive;
    result.tls = kept.is_object() && kept.value("tls", false);
    result.resumed = true;
    Status s;
    if (source->empty() && *target == "running") {
      s = finish(r, result);
    } else if (!source->empty() && target->empty()) {
      auto spec = domain_spec_from_json(r.spec);
      if (spec.ok() && !r.shared_storage)
        for (const auto& [volume, ext] : vm_files(*spec))
          if (ext == "qcow2") (void)clients_.call(r.to_host, "volume.delete", {{"name", volume}});
      result.rolled_back = true;
      s = log_.store().delete_move(r.tenant, r.name);
    } else {
      s = error(Code::kConflict, "VirtualMachine " + r.tenant + "/" + r.name + ": on " +
                                     r.from_host + " (" + *source + ") and " + r.to_host + " (" +
                                     *target + "); a live migration may still run: try again");
    }
    if (s.ok())
      out.push_back({r, result});
    else
      out.push_back({r, s});
  }
  return out;
}

}  // namespace xc
