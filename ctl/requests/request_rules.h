// The request state machine and who may do what with a request: pure rules,
// no store, no hosts (the commands in ctl/cli/cmd_request.cpp and the apply
// in request_apply.h act on their answers). Thread-safe.
//
//   pending -> approved -> applied | failed
//   pending -> rejected | cancelled
//
// A request whose offering needs no approval goes pending -> approved at once.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/model.h"
#include "common/status.h"
#include "ctl/access/command_policy.h"
#include "ctl/store/request_records.h"

namespace xc {

enum class RequestState { kPending, kApproved, kApplied, kFailed, kRejected, kCancelled };
enum class RequestEvent { kApprove, kReject, kCancel, kApplied, kFailed };

const char* request_state_name(RequestState state);
std::optional<RequestState> parse_request_state(std::string_view name);
const char* request_event_name(RequestEvent event);  // the audit action: "approve", ...

// The state after `event`, or kFailedPrecondition naming both ("request 7 is
// rejected; only a pending request can be approved").
Result<RequestState> next_request_state(int64_t id, RequestState from, RequestEvent event);

// Who acts: an operator through the controller (their user and roles), or
// the service user on the state file itself (no principal: every role).
struct RequestActor {
  std::string name;  // the audit actor
  std::optional<Principal> principal;
};

// May `who` ask `offering` for a VM of `tenant`? The tenant must be inside
// one of the offering's subtrees, and a tenant role's own scope.
Status may_request(const RequestActor& who, const std::string& offering_name,
                   const ServiceOfferingSpec& offering, const std::string& tenant);

// May `who` approve or reject `request`, whose offering names `approver`
// ("sysadmin" or "tenant-admin")? Never its own requester (separation of
// duties); else one holding that role (a tenant-admin inside their scope).
Status may_decide(const RequestActor& who, const RequestRecord& request,
                  const std::string& approver);

// Only the requester cancels.
Status may_cancel(const RequestActor& who, const RequestRecord& request);

// Tenant roles see the requests of their subtree; other roles see all.
bool may_see(const RequestActor& who, const RequestRecord& request);

}  // namespace xc
