// The requests table's row (migration 13): a tenant user's request for a VM
// from a ServiceOffering, or to resize or delete one, and where it stands.
// Value type; the state machine is ctl/requests/request_rules.h.
#pragma once

#include <cstdint>
#include <string>

namespace xc {

// Bounds the table enforces (CHECK) and the commands check first.
inline constexpr size_t kMaxRequestNameBytes = 253;     // offering, VM, size, image, system
inline constexpr size_t kMaxRequestTenantBytes = 1024;  // a VDC path
inline constexpr size_t kMaxRequestTextBytes = 1024;    // a comment or a failure's reason

struct RequestRecord {
  int64_t id = 0;      // set by the store
  std::string action;  // "create", "resize", "delete"
  std::string offering;
  std::string tenant;
  std::string vm;
  std::string system;  // the VM's `system` label (create), may be empty
  std::string size;    // create, resize
  std::string image;   // create
  std::string state;   // pending, approved, applied, failed, rejected, cancelled
  std::string requester;
  std::string decided_by;  // who approved, rejected or cancelled it
  std::string comment;     // the requester's
  std::string decision_comment;
  std::string reason;  // why it failed
  int64_t created_ms = 0;
  int64_t updated_ms = 0;

  bool operator==(const RequestRecord&) const = default;
};

}  // namespace xc
