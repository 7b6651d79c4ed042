#include "ctl/cli/api_routes.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "common/domain_spec.h"
#include "common/printable.h"

namespace xc {
namespace {

Status bad(const std::string& name, const std::string& value, const std::string& expected) {
  return error(Code::kInvalidArgument,
               "query parameter " + name + "=\"" + printable(value) + "\": expected " + expected);
}

// "education" or "education/schools": labels joined by '/'.
bool valid_tenant(const std::string& t) {
  if (t.empty() || t.size() > 253) return false;
  size_t start = 0;
  for (;;) {
    size_t slash = t.find('/', start);
    std::string_view part = std::string_view(t).substr(start, slash - start);
    if (!is_dns_label(part)) return false;
    if (slash == std::string::npos) return true;
    start = slash + 1;
  }
}

bool valid_month(const std::string& m) {
  if (m.size() != 7 || m[4] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6})
    if (m[i] < '0' || m[i] > '9') return false;
  int month = (m[5] - '0') * 10 + (m[6] - '0');
  return month >= 1 && month <= 12;
}

bool parse_count(const std::string& text, int64_t& out) {
  if (text.empty() || text.size() > 19) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size() && out >= 0;
}

struct Endpoint {
  std::string words;
  std::vector<std::string> base;  // the command's words and fixed options
  std::set<std::string> params;
};

const std::map<std::string, Endpoint, std::less<>>& endpoint_table() {
  static const std::map<std::string, Endpoint, std::less<>> table = {
      {"/v1/platform", {"get", {}, {}}},
      {"/v1/hosts", {"get", {"get", "hosts"}, {}}},
      {"/v1/vms", {"get", {"get", "vms"}, {"tenant", "system"}}},
      {"/v1/quotas", {"quota", {"quota"}, {"tenant"}}},
      {"/v1/alarms", {"alarms list", {"alarms", "list"}, {"state"}}},
      {"/v1/bills", {"bill", {"bill"}, {"month", "tenant"}}},
      {"/v1/sla", {"sla", {"sla"}, {"month"}}},
      {"/v1/audit", {"audit list", {"audit", "list"}, {"after", "limit"}}},
  };
  return table;
}

std::string names_of(const std::set<std::string>& params) {
  std::string out;
  for (const auto& p : params) out += (out.empty() ? "" : ", ") + p;
  return out.empty() ? "none" : out;
}

}  // namespace

const std::vector<std::string>& api_endpoints() {
  static const std::vector<std::string> paths = [] {
    std::vector<std::string> out;
    for (const auto& [path, e] : endpoint_table()) out.push_back(path);
    return out;
  }();
  return paths;
}

Result<ApiRoute> route_request(std::string_view path, const ApiQuery& query) {
  auto it = endpoint_table().find(path);
  if (it == endpoint_table().end())
    return error(Code::kNotFound, "GET " + printable(path) + ": no such endpoint (see /v1/...: " +
                                      std::to_string(endpoint_table().size()) + " endpoints)");
  const Endpoint& e = it->second;
  if (query.size() > kApiMaxQueryParameters)
    return error(Code::kInvalidArgument,
                 "query: more than " + std::to_string(kApiMaxQueryParameters) + " parameters");
  std::map<std::string, std::string> given;
  for (const auto& [name, value] : query) {
    if (!e.params.count(name))
      return error(Code::kInvalidArgument, "query parameter \"" + printable(name) +
                                               "\": not known to " + it->first +
                                               " (known: " + names_of(e.params) + ")");
    if (value.size() > kApiMaxQueryValueBytes)
      return bad(name, value.substr(0, 32) + "...",
                 "at most " + std::to_string(kApiMaxQueryValueBytes) + " bytes");
    if (!given.emplace(name, value).second)
      return error(Code::kInvalidArgument, "query parameter " + name + ": given twice");
  }
  ApiRoute r;
  r.endpoint = it->first;
  r.words = e.words;
  r.args = e.base;
  for (const auto& [name, value] : given) {
    if (name == "tenant") {
      if (!valid_tenant(value)) return bad(name, value, "a tenant path such as education/schools");
      r.tenant = value;
      if (r.endpoint == "/v1/quotas")
        r.args.push_back(value);
      else
        r.args.insert(r.args.end(), {"--tenant", value});
    } else if (name == "system") {
      if (!is_dns_label(value)) return bad(name, value, "a system name (a lowercase label)");
      r.system = value;
    } else if (name == "state") {
      static const std::set<std::string> kStates = {"active", "firing", "acknowledged", "cleared",
                                                    "all"};
      if (!kStates.count(value))
        return bad(name, value, "active, firing, acknowledged, cleared or all");
      r.args.insert(r.args.end(), {"--state", value});
    } else if (name == "month") {
      if (!valid_month(value)) return bad(name, value, "a month YYYY-MM");
      r.args.insert(r.args.end(), {"--month", value});
    }
  }
  if (r.endpoint == "/v1/sla" && !given.count("month"))
    return error(Code::kInvalidArgument, "query parameter month: required (YYYY-MM)");
  if (r.endpoint == "/v1/audit") {
    int64_t after = 0, limit = kApiDefaultPageSize;
    if (given.count("after") && !parse_count(given["after"], after))
      return bad("after", given["after"], "a record's seq (0 or more)");
    if (given.count("limit") &&
        (!parse_count(given["limit"], limit) || limit < 1 || limit > kApiMaxPageSize))
      return bad("limit", given["limit"], "1 to " + std::to_string(kApiMaxPageSize));
    r.args.insert(r.args.end(),
                  {"--after", std::to_string(after), "--limit", std::to_string(limit)});
  }
  if (!r.args.empty()) r.args.insert(r.args.end(), {"-o", "json"});
  return r;
}

}  // namespace xc
