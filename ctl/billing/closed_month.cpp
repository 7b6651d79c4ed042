#include "ctl/billing/closed_month.h"

#include <nlohmann/json.hpp>

#include "common/sm_crypto.h"
#include "common/time.h"

namespace xc {
namespace {

using nlohmann::json;

json line_json(const BillLine& l) {
  json out = {{"tenant", l.tenant},
              {"system", l.system},
              {"vm", l.vm},
              {"item", l.item},
              {"quantity_months", l.quantity_months},
              {"amount_fen", l.amount_fen}};
  if (l.adjustment_id != 0) {
    out["adjustment_id"] = l.adjustment_id;
    out["adjustment_reason"] = l.adjustment_reason;
  }
  return out;
}

BillLine line_from(const json& j) {
  BillLine l;
  l.tenant = j.at("tenant").get<std::string>();
  l.system = j.at("system").get<std::string>();
  l.vm = j.at("vm").get<std::string>();
  l.item = j.at("item").get<std::string>();
  l.quantity_months = j.at("quantity_months").get<std::string>();
  l.amount_fen = j.at("amount_fen").get<int64_t>();
  l.adjustment_id = j.value("adjustment_id", int64_t{0});
  l.adjustment_reason = j.value("adjustment_reason", std::string());
  return l;
}

}  // namespace

Result<ClosedMonthRecord> freeze_month(const std::vector<Bill>& bills, int64_t closed_at_ms) {
  if (bills.empty()) return error(Code::kInternal, "freeze_month: no bill given");
  json groupings = json::object();
  for (const Bill& b : bills) {
    json lines = json::array();
    for (const BillLine& l : b.lines) lines.push_back(line_json(l));
    groupings[group_by_name(b.group_by)] = {{"lines", lines}, {"total_fen", b.total_fen}};
  }
  const std::string month = bills.front().period.label();
  for (GroupBy g : kFrozenGroupings) {
    if (!groupings.contains(group_by_name(g))) {
      return error(Code::kInternal, "closed month " + month + ": no bill by " + group_by_name(g));
    }
  }
  ClosedMonthRecord out;
  out.month = month;
  out.closed_at_ms = closed_at_ms;
  out.bill_json = json{{"month", month}, {"currency", "CNY"}, {"groupings", groupings}}.dump();
  auto digest = sm3(out.bill_json);
  if (!digest.ok()) return digest.status();
  out.digest = std::string(as_bytes(*digest));
  return out;
}

Result<Bill> thaw_month(const ClosedMonthRecord& record, const BillPeriod& period, GroupBy group_by,
                        const std::string& tenant) {
  auto bad = [&](const std::string& why) {
    return error(Code::kFailedPrecondition, "closed month " + record.month + ": " + why);
  };
  auto digest = sm3(record.bill_json);
  if (!digest.ok()) return digest.status();
  if (std::string(as_bytes(*digest)) != record.digest)
    return bad("the frozen bill does not match its SM3 digest");
  if (group_by == GroupBy::kItem && !tenant.empty())
    return bad(
        "the frozen bill by item covers every tenant; leave out --tenant or bill by "
        "tenant, system or vm");
  json frozen = json::parse(record.bill_json, nullptr, false);
  const char* name = group_by_name(group_by);
  if (!frozen.is_object() || !frozen.contains("groupings") || !frozen["groupings"].contains(name))
    return bad(std::string("the frozen bill has no lines by ") + name);
  Bill out;
  out.period = period;
  out.group_by = group_by;
  try {
    for (const json& j : frozen["groupings"][name].at("lines")) {
      BillLine line = line_from(j);
      if (!in_tenant_subtree(line.tenant, tenant)) continue;
      out.total_fen += line.amount_fen;
      out.lines.push_back(std::move(line));
    }
  } catch (const json::exception& e) {
    return bad(std::string("the frozen bill cannot be read: ") + e.what());
  }
  return out;
}

Status check_month_ended(const BillPeriod& month, int64_t now_ms) {
  if (now_ms >= month.end_ms) return {};
  return error(Code::kFailedPrecondition, "month " + month.label() + " has not ended (it ends " +
                                              civil::format_local(month.end_ms, month.offset_ms) +
                                              "); only a past month can be closed");
}

std::string next_month_label(const std::string& month) {
  int year = std::stoi(month.substr(0, 4));
  int m = std::stoi(month.substr(5, 2)) + 1;
  if (m == 13) ++year, m = 1;
  return std::to_string(year) + (m < 10 ? "-0" : "-") + std::to_string(m);
}

std::string first_open_month(const std::vector<ClosedMonthRecord>& closed, int64_t now_ms) {
  if (closed.empty()) return month_containing(now_ms, kShanghaiOffsetMs).label();
  return next_month_label(closed.back().month);
}

}  // namespace xc
