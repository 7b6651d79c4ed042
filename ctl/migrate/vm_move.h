// Moving one VM between hosts, live or cold, with a journal in the store so
// that a move interrupted at any point (this process or an agent killed) is
// finished or rolled back by the next run: the VM never runs on two hosts and
// its data always exists on at least one. The engine reports progress to a
// MoveObserver and never prints. One VmMover per thread (one Store); the
// HostClients may be shared.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/time.h"
#include "ctl/audit/audit_log.h"
#include "ctl/hosts/host_clients.h"
#include "ctl/images/image_supply.h"
#include "ctl/store/store.h"

namespace xc {

enum class MoveMode { kLive, kCold };
const char* move_mode_name(MoveMode mode);

struct MoveRequest {
  std::string tenant, name, domain;
  std::string from_host, to_host;
  MoveMode mode = MoveMode::kCold;
  nlohmann::json spec;        // the VM's DomainSpec JSON as the store keeps it
  int64_t bandwidth_mib = 0;  // live: libvirt's cap, 0 for none
  bool copy_storage = true;   // live: local disks are copied (NON_SHARED_DISK)
  // Live: move without TLS when a host is not configured for it (the operator
  // said --insecure-migration); otherwise such a move is refused.
  bool insecure_migration = false;
  int64_t stop_timeout_s = 120;
  // The hosts' pools share their storage (shared_storage.h): nothing is
  // copied and no disk file is deleted. Set by VmMover, kept in the journal.
  bool shared_storage = false;
};

// What a finished move measured (live figures from libvirt's job statistics).
struct MoveResult {
  MoveMode mode = MoveMode::kCold;
  int64_t total_ms = 0;
  int64_t downtime_ms = 0;      // live: libvirt's; cold: stopped until running again
  int64_t bytes = 0;            // transferred
  bool tls = false;             // live: libvirt's migrate_tls carried the guest
  bool resumed = false;         // finished from the journal
  bool rolled_back = false;     // the journal's move was undone: the VM stays where it was
  bool shared = false;          // the disks stayed on shared storage
  bool copied = false;          // cold: disk files were copied
  bool relayed = false;         // ...some through the controller, not host to host
  std::string relayed_because;  // ...the first reason host to host was given up, if any
  std::string summary() const;  // "live over TLS, 2.3 s, downtime 41 ms, 212 MiB"
};

class MoveObserver {
 public:
  virtual ~MoveObserver() = default;
  virtual void phase(const MoveRequest& request, const std::string& phase) = 0;
  // Bytes moved so far, of `total` (0 when unknown), and the rate in bytes/s.
  virtual void progress(const MoveRequest& request, int64_t done, int64_t total,
                        int64_t bytes_per_s) = 0;
};

class VmMover {
 public:
  VmMover(AuditLog& log, HostClients& clients, AuditIdentity who, Clock now = system_now_ms)
      : log_(log), clients_(clients), who_(std::move(who)), now_(std::move(now)) {}

  // Moves the VM and records it: placement, one audit record "migrate" with
  // the figures. The meter is not touched: a move keeps the allocation.
  Result<MoveResult> move(const MoveRequest& request, MoveObserver& observer);
  // Finishes or rolls back the journal's moves, oldest first; one Result each.
  std::vector<std::pair<MoveRequest, Result<MoveResult>>> resume(MoveObserver& observer);
  // Images of the controller's store that the target lacks are sent to it
  // before its disks are prepared (ImageSupplier; the caller reports what was
  // sent). Without it, a target without the image refuses the move.
  void supply_images_with(ImageSupplier* images) { images_ = images; }

 private:
  Result<MoveResult> live(const MoveRequest& r, MoveObserver& observer);
  // Whether both hosts migrate over TLS; an error when not and the request
  // does not allow an insecure move.
  Result<bool> live_tls(const MoveRequest& r);
  Result<MoveResult> cold(const MoveRequest& r, MoveObserver& observer, bool resuming);
  Status journal(const MoveRequest& r, const std::string& phase, const nlohmann::json& extra);
  Status finish(const MoveRequest& r, const MoveResult& result);
  void record_failure(const MoveRequest& r, const Status& status);
  // Before anything stops: the target reads the same disk files as the source.
  Status check_shared(const MoveRequest& r,
                      const std::vector<std::pair<std::string, std::string>>& files);
  // "running", "shutoff", ... or "" when the host does not hold the domain.
  Result<std::string> domain_state(const std::string& host, const std::string& domain);
  Status supply_images(const MoveRequest& r);

  AuditLog& log_;
  HostClients& clients_;
  AuditIdentity who_;
  Clock now_;
  ImageSupplier* images_ = nullptr;
};

}  // namespace xc
