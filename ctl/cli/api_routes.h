// The supervision API's routes (xcloudctl serve --api): which GET path is
// which read, its query checked against stated limits, and the xcloudctl
// command whose `-o json` output answers it (so the API and the CLI share
// one implementation of every listing, bill and SLA). Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace xc {

inline constexpr size_t kApiMaxQueryParameters = 8;
inline constexpr size_t kApiMaxQueryValueBytes = 256;
inline constexpr int64_t kApiMaxPageSize = 1000;
inline constexpr int64_t kApiDefaultPageSize = 100;

using ApiQuery = std::vector<std::pair<std::string, std::string>>;

struct ApiRoute {
  std::string endpoint;  // "/v1/vms"
  // The command whose access class (ctl/access/command_policy.h) decides
  // who may read this: "get", "audit list".
  std::string words;
  // The xcloudctl arguments (after --state) that print the answer as JSON;
  // empty for /v1/platform, answered in process.
  std::vector<std::string> args;
  std::string tenant;  // the tenant the request is limited to; "" cloud-wide
  std::string system;  // /v1/vms?system=: only that system's VMs
};

// Every path served, for the log and the OpenAPI test.
const std::vector<std::string>& api_endpoints();

// The route of GET `path` with `query`: kNotFound for a path not served,
// kInvalidArgument naming the parameter for a query that is unknown,
// repeated, too long or malformed.
Result<ApiRoute> route_request(std::string_view path, const ApiQuery& query);

}  // namespace xc
