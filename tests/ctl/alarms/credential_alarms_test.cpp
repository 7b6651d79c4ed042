// The credential rules: certificate-expiring (30 days ahead, and once expired)
// and credential-old (six months after issue), over a fixed list of
// credentials; they clear when a renewed certificate replaces the old one.
#include <doctest/doctest.h>

#include "ctl/alarms/alarm_evaluate.h"
#include "tests/ctl/controller/loop_harness.h"

using namespace xc;
using namespace xc::test;

namespace {

constexpr int64_t kCredentialDay = 86'400'000;
const AuditIdentity kCredentialEvaluator{"ops", "", "", "test-host", "xcloudctl alarms evaluate"};

Credential agent_certificate(int64_t issued, int64_t expires) {
  return {"certificate/host/x86-03",
          "agent certificate of host x86-03 (serial 01)",
          "x86-03",
          "xcloudctl host renew x86-03",
          issued,
          expires};
}

AlarmEvaluation evaluate_credentials(LoopHarness& h, const std::vector<Credential>& credentials) {
  CandidateOptions o;
  o.credentials = &credentials;
  auto done = evaluate_alarms(*h.store, h.now_ms, o, kCredentialEvaluator);
  REQUIRE_MESSAGE(done.ok(), done.status().message());
  return *done;
}

}  // namespace

TEST_CASE("alarms: a certificate fires 30 days before it expires, and clears when renewed") {
  LoopHarness h;
  const int64_t now = h.now_ms;
  std::vector<Credential> creds = {
      agent_certificate(now - 10 * kCredentialDay, now + 31 * kCredentialDay)};
  CHECK(evaluate_credentials(h, creds).fired.empty());

  h.now_ms = now + 2 * kCredentialDay;  // 29 days left
  AlarmEvaluation due = evaluate_credentials(h, creds);
  REQUIRE(due.fired.size() == 1);
  CHECK(due.fired[0].rule == "certificate-expiring");
  CHECK(due.fired[0].object == "certificate/host/x86-03");
  CHECK(due.fired[0].host == "x86-03");
  CHECK(due.fired[0].severity == "major");
  CHECK(due.fired[0].value.find("(in 29 days)") != std::string::npos);
  CHECK(due.fired[0].summary.find("renew: xcloudctl host renew x86-03") != std::string::npos);
  CHECK(evaluate_credentials(h, creds).fired.empty());  // once, not every round

  creds = {agent_certificate(h.now_ms, h.now_ms + 730 * kCredentialDay)};  // host renew
  AlarmEvaluation renewed = evaluate_credentials(h, creds);
  REQUIRE(renewed.cleared.size() == 1);
  CHECK(renewed.cleared[0].rule == "certificate-expiring");
}

TEST_CASE("alarms: an expired certificate says so") {
  LoopHarness h;
  std::vector<Credential> creds = {
      agent_certificate(h.now_ms - 100 * kCredentialDay, h.now_ms - 1)};
  AlarmEvaluation e = evaluate_credentials(h, creds);
  REQUIRE(e.fired.size() == 1);
  CHECK(e.fired[0].value.rfind("expired on ", 0) == 0);
  CHECK(e.fired[0].summary.find("has expired") != std::string::npos);
}

TEST_CASE("alarms: a credential issued six months ago asks to be rotated") {
  LoopHarness h;
  std::vector<Credential> creds = {
      agent_certificate(h.now_ms - 182 * kCredentialDay, h.now_ms + 500 * kCredentialDay)};
  CHECK(evaluate_credentials(h, creds).fired.empty());
  h.now_ms += kCredentialDay;  // 183 days
  AlarmEvaluation old = evaluate_credentials(h, creds);
  REQUIRE(old.fired.size() == 1);
  CHECK(old.fired[0].rule == "credential-old");
  CHECK(old.fired[0].severity == "minor");
  CHECK(old.fired[0].value.find("(183 days ago)") != std::string::npos);
  CHECK(old.fired[0].summary.find("rotate it: xcloudctl host renew x86-03") != std::string::npos);
}

TEST_CASE("alarms: a TOTP secret ages like a certificate but never expires") {
  LoopHarness h;
  Credential totp{"totp/user/li",
                  "TOTP secret of user li",
                  "",
                  "xcloudctl user totp li",
                  h.now_ms - 200 * kCredentialDay,
                  0,
                  false};
  AlarmEvaluation e = evaluate_credentials(h, {totp});
  REQUIRE(e.fired.size() == 1);  // old, and not "expired" for its empty expiry
  CHECK(e.fired[0].rule == "credential-old");
  CHECK(e.fired[0].object == "totp/user/li");
  CHECK(e.fired[0].summary.find("rotate it: xcloudctl user totp li") != std::string::npos);
}

TEST_CASE("alarms: without a list of credentials the credential rules stay quiet") {
  LoopHarness h;
  auto done = evaluate_alarms(*h.store, h.now_ms, CandidateOptions{}, kCredentialEvaluator);
  REQUIRE(done.ok());
  CHECK(done->fired.empty());
}
