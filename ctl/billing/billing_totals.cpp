// Subtotals of a bill (billing.h): sums of rounded line amounts only, so every
// total equals the sum of the lines under it to the fen.
#include "ctl/billing/billing.h"

namespace xc {
namespace {

std::vector<std::string> path_parts(const std::string& path) {
  std::vector<std::string> parts;
  size_t begin = 0;
  while (true) {
    size_t slash = path.find('/', begin);
    parts.push_back(path.substr(begin, slash - begin));
    if (slash == std::string::npos) break;
    begin = slash + 1;
  }
  return parts;
}

}  // namespace

std::vector<GroupTotal> group_totals(const Bill& bill) {
  std::vector<GroupTotal> out;
  for (const BillLine& line : bill.lines) {
    GroupTotal key{line.tenant, line.system, line.vm,
                   bill.group_by == GroupBy::kItem ? line.item : std::string(), 0};
    if (out.empty() || out.back().tenant != key.tenant || out.back().system != key.system ||
        out.back().vm != key.vm || out.back().item != key.item) {
      out.push_back(std::move(key));
    }
    out.back().amount_fen += line.amount_fen;
  }
  return out;
}

Result<std::vector<TenantTotal>> rollup_by_tenant(const std::vector<BillLine>& lines) {
  std::map<std::vector<std::string>, TenantTotal> by_path;
  for (const BillLine& line : lines) {
    if (line.tenant.empty()) {
      return error(Code::kInvalidArgument,
                   "bill line for item \"" + line.item +
                       "\" has no tenant: roll up a bill grouped by tenant, system or vm");
    }
    std::vector<std::string> parts = path_parts(line.tenant);
    std::string prefix;
    for (size_t i = 0; i < parts.size(); ++i) {
      prefix += (i == 0 ? "" : "/") + parts[i];
      std::vector<std::string> key(parts.begin(), parts.begin() + static_cast<long>(i) + 1);
      TenantTotal& total = by_path[key];
      total.tenant = prefix;
      total.total_fen += line.amount_fen;
      if (i + 1 == parts.size()) total.own_fen += line.amount_fen;
    }
  }
  std::vector<TenantTotal> out;
  out.reserve(by_path.size());
  for (auto& [path, total] : by_path) out.push_back(std::move(total));
  return out;
}

}  // namespace xc
