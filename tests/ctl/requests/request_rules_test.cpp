// The request state machine and who may do what: pure rules, no store.
#include "ctl/requests/request_rules.h"

#include <doctest/doctest.h>

namespace xc::test {
namespace {

constexpr RequestState kAll[] = {RequestState::kPending,  RequestState::kApproved,
                                 RequestState::kApplied,  RequestState::kFailed,
                                 RequestState::kRejected, RequestState::kCancelled};
constexpr RequestEvent kEvents[] = {RequestEvent::kApprove, RequestEvent::kReject,
                                    RequestEvent::kCancel, RequestEvent::kApplied,
                                    RequestEvent::kFailed};

ServiceOfferingSpec rules_offering() {
  ServiceOfferingSpec o;
  o.tenants = {"education"};
  o.approval_required = true;
  o.approver = "tenant-admin";
  return o;
}

RequestActor operator_(const std::string& name, std::vector<Role> roles,
                       const std::string& scope = "") {
  return {name, Principal{name, std::move(roles), scope}};
}

RequestRecord request_by(const std::string& requester, const std::string& tenant) {
  RequestRecord r;
  r.id = 7;
  r.requester = requester;
  r.tenant = tenant;
  r.state = "pending";
  return r;
}

}  // namespace

TEST_CASE("request states: pending -> approved -> applied|failed, pending -> rejected|cancelled") {
  // The whole table: every (state, event) pair not listed is refused.
  std::map<std::pair<RequestState, RequestEvent>, RequestState> allowed = {
      {{RequestState::kPending, RequestEvent::kApprove}, RequestState::kApproved},
      {{RequestState::kPending, RequestEvent::kReject}, RequestState::kRejected},
      {{RequestState::kPending, RequestEvent::kCancel}, RequestState::kCancelled},
      {{RequestState::kApproved, RequestEvent::kApplied}, RequestState::kApplied},
      {{RequestState::kApproved, RequestEvent::kFailed}, RequestState::kFailed},
  };
  int refused = 0;
  for (RequestState from : kAll) {
    for (RequestEvent e : kEvents) {
      CAPTURE(request_state_name(from));
      CAPTURE(request_event_name(e));
      auto next = next_request_state(7, from, e);
      auto it = allowed.find({from, e});
      if (it != allowed.end()) {
        REQUIRE(next.ok());
        CHECK(*next == it->second);
      } else {
        REQUIRE_FALSE(next.ok());
        CHECK(next.status().code() == Code::kFailedPrecondition);
        ++refused;
      }
    }
  }
  CHECK(refused == 6 * 5 - 5);
  CHECK(next_request_state(7, RequestState::kRejected, RequestEvent::kApprove).status().message() ==
        "request 7 is rejected; only a pending request can be approved");
  CHECK(next_request_state(7, RequestState::kApplied, RequestEvent::kFailed).status().message() ==
        "request 7 is applied; only an approved request can be applied");
}

TEST_CASE("request state names round-trip and unknown names are refused") {
  for (RequestState s : kAll) CHECK(parse_request_state(request_state_name(s)) == s);
  CHECK_FALSE(parse_request_state("done"));
  CHECK_FALSE(parse_request_state(""));
}

TEST_CASE("a tenant user requests inside their scope and the offering's tenants only") {
  ServiceOfferingSpec o = rules_offering();
  auto liwei = operator_("liwei", {Role::kTenantUser}, "education");
  CHECK(may_request(liwei, "edu", o, "education").ok());
  CHECK(may_request(liwei, "edu", o, "education/schools").ok());
  Status other = may_request(liwei, "edu", o, "health");
  CHECK(other.code() == Code::kPermissionDenied);
  CHECK(other.message() == "offering edu is not offered to tenant health (only to education)");
  // Offered to health too, but not liwei's scope.
  o.tenants.push_back("health");
  CHECK(may_request(liwei, "edu", o, "health").message() ==
        "liwei acts only inside tenant education, not health");
  // A sysadmin, and the service user, may request for any offered tenant.
  CHECK(may_request(operator_("sam", {Role::kSysadmin}), "edu", o, "health").ok());
  CHECK(may_request(RequestActor{"root", std::nullopt}, "edu", o, "health").ok());
  // "educationx" is not below "education".
  CHECK_FALSE(
      may_request(RequestActor{"root", std::nullopt}, "edu", rules_offering(), "educationx").ok());
}

TEST_CASE("nobody approves their own request, whatever their roles") {
  RequestRecord r = request_by("wang", "education/schools");
  Status self = may_decide(operator_("wang", {Role::kTenantAdmin}, "education"), r, "tenant-admin");
  CHECK(self.code() == Code::kPermissionDenied);
  CHECK(self.message() ==
        "separation of duties: wang made request 7 and may not approve or reject it; another "
        "tenant-admin decides");
  CHECK_FALSE(may_decide(RequestActor{"wang", std::nullopt}, r, "sysadmin").ok());
}

TEST_CASE("the approver holds the offering's role, a tenant-admin inside their scope") {
  RequestRecord r = request_by("liwei", "education/schools");
  CHECK(may_decide(operator_("zhang", {Role::kTenantAdmin}, "education"), r, "tenant-admin").ok());
  CHECK(may_decide(operator_("zhang", {Role::kTenantAdmin}, "education/schools"), r, "tenant-admin")
            .ok());
  CHECK(
      may_decide(operator_("zhao", {Role::kTenantAdmin}, "health"), r, "tenant-admin").message() ==
      "zhao approves only inside tenant health, not education/schools");
  CHECK(may_decide(operator_("sam", {Role::kSysadmin}), r, "tenant-admin").message() ==
        "request 7 is approved by a tenant-admin; sam is sysadmin");
  CHECK(may_decide(operator_("sam", {Role::kSysadmin}), r, "sysadmin").ok());
  CHECK_FALSE(
      may_decide(operator_("zhang", {Role::kTenantAdmin}, "education"), r, "sysadmin").ok());
  CHECK_FALSE(may_decide(operator_("mo", {Role::kMonitor}), r, "sysadmin").ok());
  CHECK_FALSE(
      may_decide(operator_("li2", {Role::kTenantUser}, "education"), r, "tenant-admin").ok());
  CHECK(may_decide(RequestActor{"root", std::nullopt}, r, "tenant-admin").ok());
}

TEST_CASE("only the requester cancels, tenant roles see their subtree's requests") {
  RequestRecord r = request_by("liwei", "education/schools");
  CHECK(may_cancel(operator_("liwei", {Role::kTenantUser}, "education"), r).ok());
  CHECK(may_cancel(operator_("zhang", {Role::kTenantAdmin}, "education"), r).message() ==
        "only its requester liwei may cancel request 7");
  CHECK(may_see(operator_("zhang", {Role::kTenantAdmin}, "education"), r));
  CHECK_FALSE(may_see(operator_("zhao", {Role::kTenantUser}, "health"), r));
  CHECK(may_see(operator_("mo", {Role::kMonitor}), r));
  CHECK(may_see(RequestActor{"root", std::nullopt}, r));
}

}  // namespace xc::test
