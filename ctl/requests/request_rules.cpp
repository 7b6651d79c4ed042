#include "ctl/requests/request_rules.h"

#include <algorithm>

#include "common/printable.h"

namespace xc {
namespace {

constexpr RequestState kStates[] = {RequestState::kPending,  RequestState::kApproved,
                                    RequestState::kApplied,  RequestState::kFailed,
                                    RequestState::kRejected, RequestState::kCancelled};

std::string label(int64_t id) {
  return "request " + std::to_string(id);
}

bool tenant_role_only(const Principal& p) {
  return !p.roles.empty() && std::all_of(p.roles.begin(), p.roles.end(), is_tenant_role);
}

}  // namespace

const char* request_state_name(RequestState state) {
  switch (state) {
    case RequestState::kPending:
      return "pending";
    case RequestState::kApproved:
      return "approved";
    case RequestState::kApplied:
      return "applied";
    case RequestState::kFailed:
      return "failed";
    case RequestState::kRejected:
      return "rejected";
    case RequestState::kCancelled:
      return "cancelled";
  }
  return "?";
}

std::optional<RequestState> parse_request_state(std::string_view name) {
  for (RequestState s : kStates)
    if (name == request_state_name(s)) return s;
  return std::nullopt;
}

const char* request_event_name(RequestEvent event) {
  switch (event) {
    case RequestEvent::kApprove:
      return "approve";
    case RequestEvent::kReject:
      return "reject";
    case RequestEvent::kCancel:
      return "cancel";
    case RequestEvent::kApplied:
      return "applied";
    case RequestEvent::kFailed:
      return "failed";
  }
  return "?";
}

Result<RequestState> next_request_state(int64_t id, RequestState from, RequestEvent event) {
  const bool pending = from == RequestState::kPending;
  const bool approved = from == RequestState::kApproved;
  switch (event) {
    case RequestEvent::kApprove:
      if (pending) return RequestState::kApproved;
      break;
    case RequestEvent::kReject:
      if (pending) return RequestState::kRejected;
      break;
    case RequestEvent::kCancel:
      if (pending) return RequestState::kCancelled;
      break;
    case RequestEvent::kApplied:
      if (approved) return RequestState::kApplied;
      break;
    case RequestEvent::kFailed:
      if (approved) return RequestState::kFailed;
      break;
  }
  bool needs_pending = event == RequestEvent::kApprove || event == RequestEvent::kReject ||
                       event == RequestEvent::kCancel;
  std::string verb = event == RequestEvent::kApprove  ? "approved"
                     : event == RequestEvent::kReject ? "rejected"
                     : event == RequestEvent::kCancel ? "cancelled"
                                                      : "applied";
  return error(Code::kFailedPrecondition,
               label(id) + " is " + request_state_name(from) + "; only " +
                   (needs_pending ? "a pending" : "an approved") + " request can be " + verb);
}

Status may_request(const RequestActor& who, const std::string& offering_name,
                   const ServiceOfferingSpec& offering, const std::string& tenant) {
  bool offered = std::any_of(offering.tenants.begin(), offering.tenants.end(),
                             [&](const std::string& t) { return tenant_in_scope(tenant, t); });
  if (!offered) {
    std::string list;
    for (const auto& t : offering.tenants) list += (list.empty() ? "" : ", ") + t;
    return error(Code::kPermissionDenied, "offering " + offering_name +
                                              " is not offered to tenant " + printable(tenant) +
                                              " (only to " + list + ")");
  }
  if (who.principal && tenant_role_only(*who.principal) &&
      !tenant_in_scope(tenant, who.principal->tenant_scope))
    return error(Code::kPermissionDenied, who.name + " acts only inside tenant " +
                                              printable(who.principal->tenant_scope) + ", not " +
                                              printable(tenant));
  return {};
}

Status may_decide(const RequestActor& who, const RequestRecord& r, const std::string& approver) {
  if (who.name == r.requester)
    return error(Code::kPermissionDenied,
                 "separation of duties: " + who.name + " made " + label(r.id) +
                     " and may not approve or reject it; another " + approver + " decides");
  if (!who.principal) return {};  // the service user on the state file
  auto role = parse_role(approver);
  if (!role || !has_role(*who.principal, *role))
    return error(Code::kPermissionDenied, label(r.id) + " is approved by a " + approver + "; " +
                                              who.name + " is " + role_list(who.principal->roles));
  if (is_tenant_role(*role) && !tenant_in_scope(r.tenant, who.principal->tenant_scope))
    return error(Code::kPermissionDenied, who.name + " approves only inside tenant " +
                                              printable(who.principal->tenant_scope) + ", not " +
                                              printable(r.tenant));
  return {};
}

Status may_cancel(const RequestActor& who, const RequestRecord& r) {
  if (who.name == r.requester) return {};
  return error(Code::kPermissionDenied,
               "only its requester " + r.requester + " may cancel " + label(r.id));
}

bool may_see(const RequestActor& who, const RequestRecord& r) {
  if (!who.principal || !tenant_role_only(*who.principal)) return true;
  return tenant_in_scope(r.tenant, who.principal->tenant_scope);
}

}  // namespace xc
