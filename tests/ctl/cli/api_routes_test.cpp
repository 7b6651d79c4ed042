#include "ctl/cli/api_routes.h"

#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "ctl/access/command_policy.h"

namespace xc {
namespace {

using Args = std::vector<std::string>;

TEST_CASE("each endpoint is answered by its CLI command's JSON") {
  CHECK(route_request("/v1/hosts", {}).value().args == Args{"get", "hosts", "-o", "json"});
  CHECK(route_request("/v1/quotas", {}).value().args == Args{"quota", "-o", "json"});
  CHECK(route_request("/v1/alarms", {{"state", "all"}}).value().args ==
        Args{"alarms", "list", "--state", "all", "-o", "json"});
  CHECK(route_request("/v1/bills", {{"month", "2026-11"}}).value().args ==
        Args{"bill", "--month", "2026-11", "-o", "json"});
  CHECK(route_request("/v1/sla", {{"month", "2026-11"}}).value().args ==
        Args{"sla", "--month", "2026-11", "-o", "json"});
  auto platform = route_request("/v1/platform", {});
  CHECK(platform.value().args.empty());  // answered in process
  CHECK(platform.value().words == "get");
}

TEST_CASE("a tenant narrows the command and is what tenant roles are checked against") {
  auto vms = route_request("/v1/vms", {{"tenant", "education/schools"}, {"system", "portal"}});
  REQUIRE(vms.ok());
  CHECK(vms->args == Args{"get", "vms", "--tenant", "education/schools", "-o", "json"});
  CHECK(vms->tenant == "education/schools");
  CHECK(vms->system == "portal");
  CHECK(route_request("/v1/quotas", {{"tenant", "education"}}).value().args ==
        Args{"quota", "education", "-o", "json"});
  for (const char* bad : {"", "Education", "a//b", "/a", "a/", "a b", "-a"})
    CHECK(route_request("/v1/vms", {{"tenant", bad}}).status().code() == Code::kInvalidArgument);
}

TEST_CASE("the audit is paged: after a seq, at most 1000 records, 100 by default") {
  CHECK(route_request("/v1/audit", {}).value().args ==
        Args{"audit", "list", "--after", "0", "--limit", "100", "-o", "json"});
  CHECK(route_request("/v1/audit", {{"after", "1200"}, {"limit", "1000"}}).value().args ==
        Args{"audit", "list", "--after", "1200", "--limit", "1000", "-o", "json"});
  CHECK(route_request("/v1/audit", {{"limit", "1001"}}).status().message() ==
        "query parameter limit=\"1001\": expected 1 to 1000");
  for (const char* bad : {"0", "-1", "ten", "1e3", " 5", "99999999999999999999"})
    CHECK(route_request("/v1/audit", {{"limit", bad}}).status().code() == Code::kInvalidArgument);
  CHECK(route_request("/v1/audit", {{"after", "-1"}}).status().message() ==
        "query parameter after=\"-1\": expected a record's seq (0 or more)");
}

TEST_CASE("queries are checked: unknown, repeated, too long or malformed parameters") {
  CHECK(route_request("/v1/hosts", {{"tenant", "x"}}).status().message() ==
        "query parameter \"tenant\": not known to /v1/hosts (known: none)");
  CHECK(route_request("/v1/vms", {{"tenant", "a"}, {"tenant", "b"}}).status().message() ==
        "query parameter tenant: given twice");
  CHECK(route_request("/v1/vms", {{"system", std::string(300, 'a')}}).status().code() ==
        Code::kInvalidArgument);
  ApiQuery many(9, {"system", "a"});
  CHECK(route_request("/v1/vms", many).status().message() == "query: more than 8 parameters");
  CHECK(route_request("/v1/sla", {}).status().message() ==
        "query parameter month: required (YYYY-MM)");
  for (const char* bad : {"2026-13", "2026-00", "2026-1", "26-11", "2026/11", "2026-11-01"})
    CHECK(route_request("/v1/bills", {{"month", bad}}).status().code() == Code::kInvalidArgument);
  CHECK(route_request("/v1/alarms", {{"state", "open"}}).status().message() ==
        "query parameter state=\"open\": expected active, firing, acknowledged, cleared or all");
  CHECK(route_request("/v1/vms", {{"tenant\n", "x"}}).status().message() ==
        "query parameter \"tenant\\n\": not known to /v1/vms (known: system, tenant)");
}

TEST_CASE("paths not served are not found") {
  for (const char* path : {"/", "/v1", "/v1/", "/v1/hosts/", "/v1/users", "/v2/hosts", "/v1/HOSTS"})
    CHECK(route_request(path, {}).status().code() == Code::kNotFound);
}

TEST_CASE("every endpoint reads: its command's class is read or audit-read") {
  for (const auto& path : api_endpoints()) {
    auto r = route_request(path, path == "/v1/sla" ? ApiQuery{{"month", "2026-11"}} : ApiQuery{});
    REQUIRE(r.ok());
    Access a = command_access(r->words);
    CHECK_MESSAGE((a == Access::kRead || a == Access::kAuditRead), path);
  }
  CHECK(api_endpoints().size() == 8);
}

TEST_CASE("the OpenAPI description has exactly the endpoints served, each a GET") {
  std::ifstream in(std::string(XC_SOURCE_DIR) + "/schemas/api/openapi.json");
  auto spec = nlohmann::json::parse(in);
  std::vector<std::string> described;
  for (const auto& [path, item] : spec["paths"].items()) {
    described.push_back(path);
    CHECK_MESSAGE(item.size() == 1, path);
    CHECK_MESSAGE(item.contains("get"), path);
  }
  CHECK(described == api_endpoints());  // both sorted
}

}  // namespace
}  // namespace xc
