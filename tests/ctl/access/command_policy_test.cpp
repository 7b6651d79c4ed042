// The role matrix: every xcloudctl command x every role x (inside the
// user's tenant, outside it, no tenant named) against the table below, which
// is written out here rather than derived from the code under test.
#include "ctl/access/command_policy.h"

#include <doctest/doctest.h>

#include <map>
#include <set>

#include "ctl/cli/command_tree.h"

namespace xc::test {
namespace {

// Per class, per role (sysadmin, secadmin, auditadmin, tenant-admin,
// tenant-user, monitor, supervisor): Y allowed, T only inside the user's
// tenant subtree, - never.
const std::map<std::string, std::string> kMatrix = {
    {"anyone", "YYYYYYY"},       {"read", "YY-TTYY"},       {"operate", "Y------"},
    {"operate-vm", "Y--TT--"},   {"console", "---TT--"},    {"security", "-Y-----"},
    {"users", "-Y-T---"},        {"audit-read", "--Y---Y"}, {"audit-manage", "--Y----"},
    {"service-only", "-------"}, {"request", "Y--TT--"},    {"approve", "Y--T---"},
};

// Every command's class as this test expects it.
const std::map<std::string, std::string> kCommands = {
    {"validate", "anyone"},
    {"login", "anyone"},
    {"logout", "anyone"},
    {"init", "service-only"},
    {"ca init", "security"},
    {"ca renew-controller", "security"},
    {"ca rotate", "security"},
    {"host enroll", "security"},
    {"host renew", "security"},
    {"host upgrade", "operate"},
    {"host maintenance", "operate"},
    {"host drain", "operate"},
    {"host fence", "operate"},
    {"host evacuate", "operate"},
    {"diff", "read"},
    {"apply", "operate"},
    {"get", "read"},
    {"describe", "read"},
    {"delete", "operate"},
    {"audit list", "audit-read"},
    {"audit verify", "audit-read"},
    {"audit export", "audit-read"},
    {"audit checkpoint", "audit-manage"},
    {"audit keygen", "audit-manage"},
    {"audit prune", "audit-manage"},
    {"audit note", "operate"},
    {"quota", "read"},
    {"bill", "read"},
    {"bill close", "operate"},
    {"bill adjust", "operate"},
    {"prices", "read"},
    {"prices history", "read"},
    {"report weekly", "read"},
    {"report monthly", "read"},
    {"vm start", "operate-vm"},
    {"vm stop", "operate-vm"},
    {"vm shutdown", "operate-vm"},
    {"vm reboot", "operate-vm"},
    {"vm migrate", "operate"},
    {"vm clone", "operate"},
    {"console", "console"},
    {"serve", "service-only"},
    {"heartbeat", "operate"},
    {"events", "read"},
    {"events pull", "operate"},
    {"collect", "operate"},
    {"top", "read"},
    {"sla", "read"},
    {"capacity", "read"},
    {"alarms", "read"},
    {"alarms list", "read"},
    {"alarms show", "read"},
    {"alarms evaluate", "operate"},
    {"alarms ack", "operate"},
    {"alarms assign", "operate"},
    {"alarms severity", "operate"},
    {"alarms comment", "operate"},
    {"alarms clear", "operate"},
    {"snapshot create", "operate-vm"},
    {"snapshot list", "read"},
    {"snapshot revert", "operate-vm"},
    {"snapshot delete", "operate-vm"},
    {"backup run", "operate-vm"},
    {"backup list", "read"},
    {"backup verify", "operate-vm"},
    {"backup restore", "operate-vm"},
    {"backup prune", "operate"},
    {"backup schedule", "operate"},
    {"adopt", "operate"},
    {"image", "operate"},
    {"image import", "operate"},
    {"image push", "operate"},
    {"play", "operate"},
    {"image capture", "operate"},
    {"user roles", "anyone"},
    {"user add", "users"},
    {"user list", "users"},
    {"user show", "users"},
    {"user disable", "users"},
    {"user enable", "users"},
    {"user delete", "users"},
    {"user reset", "users"},
    {"user totp", "users"},
    {"user cert", "security"},
    {"user revoke-cert", "security"},
    {"user renew", "security"},
    {"grant console", "users"},
    {"grant list", "users"},
    {"grant revoke", "users"},
    {"request create", "request"},
    {"request cancel", "request"},
    {"request list", "read"},
    {"request show", "read"},
    {"request approve", "approve"},
    {"request reject", "approve"},
    {"webhook deliver", "operate"},
    {"webhook status", "read"},
};

bool is_group(const std::vector<std::string>& paths, const std::string& p) {
  for (const auto& q : paths)
    if (q.size() > p.size() && q.compare(0, p.size() + 1, p + " ") == 0) return true;
  return false;
}

}  // namespace

TEST_CASE("every command of the CLI has a class, and the test knows it") {
  std::vector<std::string> paths = command_paths();
  REQUIRE(paths.size() > 40);
  for (const auto& p : paths) {
    CAPTURE(p);
    if (is_group(paths, p) && kCommands.count(p) == 0) continue;  // "vm": only its commands run
    REQUIRE(kCommands.count(p) == 1);
    CHECK(access_name(command_access(p)) == kCommands.at(p));
  }
  for (const auto& [words, _] : kCommands) {
    CAPTURE(words);
    CHECK(std::find(paths.begin(), paths.end(), words) != paths.end());
  }
}

TEST_CASE("the role matrix: every command x role x tenant scope") {
  const std::vector<Role>& roles = all_roles();
  REQUIRE(roles.size() == 7);
  int cells = 0;
  for (const auto& [words, klass] : kCommands) {
    const std::string& row = kMatrix.at(klass);
    for (size_t r = 0; r < roles.size(); ++r) {
      Principal who{"u", {roles[r]}, is_tenant_role(roles[r]) ? "education" : ""};
      for (const char* tenant : {"education/schools", "health", ""}) {
        CAPTURE(words);
        CAPTURE(role_name(roles[r]));
        CAPTURE(tenant);
        bool inside = std::string(tenant).rfind("education", 0) == 0;
        bool want = row[r] == 'Y' || (row[r] == 'T' && inside);
        Decision d = authorize(who, words, tenant);
        CHECK(d.allowed == want);
        if (!d.allowed) CHECK_FALSE(d.reason.empty());
        ++cells;
      }
    }
  }
  CHECK(cells == static_cast<int>(kCommands.size() * 7 * 3));
}

TEST_CASE("a user with two roles gets the union, scope names the tenant") {
  Principal both{"li", {Role::kTenantUser, Role::kMonitor}, "education"};
  CHECK(authorize(both, "get", "").allowed);  // monitor reads the fleet
  CHECK_FALSE(authorize(both, "vm start", "health").allowed);
  CHECK(authorize(both, "vm start", "education").allowed);
  Principal tenant{"li", {Role::kTenantUser}, "education"};
  Decision out = authorize(tenant, "vm start", "health");
  CHECK(out.reason ==
        "\"vm start\" (operate-vm): li acts only inside tenant education, not health");
  CHECK(authorize(tenant, "get", "").reason ==
        "\"get\" (read): li acts only inside tenant education; name one with --tenant");
  CHECK(authorize(tenant, "apply", "education").reason ==
        "\"apply\" (operate) is not allowed to li (tenant-user)");
  CHECK_FALSE(tenant_in_scope("educationx", "education"));
  CHECK(tenant_in_scope("education/schools/x", "education"));
  CHECK(command_access("no-such-command") == Access::kServiceOnly);
}

TEST_CASE("roles: known names, one administrator of three, scope with tenant roles") {
  CHECK(checked_roles({"sysadmin", "monitor"}, "").ok());
  for (auto pair : std::vector<std::vector<std::string>>{
           {"sysadmin", "secadmin"}, {"secadmin", "auditadmin"}, {"sysadmin", "auditadmin"}}) {
    auto r = checked_roles(pair, "");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("separation of duties") != std::string::npos);
  }
  CHECK_FALSE(checked_roles({"tenant-user"}, "").ok());
  CHECK_FALSE(checked_roles({"sysadmin"}, "education").ok());
  CHECK(checked_roles({"tenant-admin"}, "education").ok());
  auto bad = checked_roles({"root"}, "");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("unknown role \"root\"") == 0);
  CHECK_FALSE(checked_roles({}, "").ok());
  CHECK(split_roles("a,b") == std::vector<std::string>{"a", "b"});
}

}  // namespace xc::test
