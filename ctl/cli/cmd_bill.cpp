// xcloudctl bill: the exact bill of a month or a year from the meter
// intervals and the stored price lists (ctl/billing.h does the arithmetic);
// xcloudctl prices: the prices in effect, and one item's price history.
// Amounts are integers of fen throughout; nothing passes through a double.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>

#include "common/sm_crypto.h"
#include "common/time.h"
#include "ctl/billing/bill_adjustments.h"
#include "ctl/billing/billing.h"
#include "ctl/billing/billing_inputs.h"
#include "ctl/billing/month_bill.h"
#include "ctl/cli/cli.h"
#include "ctl/cli/json_yaml.h"
#include "ctl/cli/known_names.h"
#include "ctl/cli/table.h"
#include "ctl/report/csv.h"
#include "ctl/report/report_formats.h"
#include "ctl/store/store.h"

namespace xc {

void add_bill_command(CLI::App& app, CliContext& ctx);

namespace {

using nlohmann::json;

// The key columns a grouping fills (billing.h: BillLine).
std::vector<std::string> key_headers(GroupBy by) {
  switch (by) {
    case GroupBy::kTenant:
      return {"TENANT"};
    case GroupBy::kSystem:
      return {"TENANT", "SYSTEM"};
    case GroupBy::kVm:
      return {"TENANT", "VM"};
    case GroupBy::kItem:
      return {};
  }
  return {};
}

std::vector<std::string> key_cells(GroupBy by, const BillLine& line) {
  switch (by) {
    case GroupBy::kTenant:
      return {line.tenant};
    case GroupBy::kSystem:
      return {line.tenant, line.system.empty() ? "-" : line.system};
    case GroupBy::kVm:
      return {line.tenant, line.vm.empty() ? "-" : line.vm};
    case GroupBy::kItem:
      return {};
  }
  return {};
}

std::string item_cell(const BillLine& line) {
  return line_item_text(line);
}

std::string quantity_cell(const BillLine& line) {
  return line.adjustment_id == 0 ? line.quantity_months : "-";
}

// "closed 2026-12-02T09:00:00+08:00, frozen bill SM3 1a2b..." for a closed month.
std::string closed_note(const std::optional<ClosedMonthRecord>& closed) {
  if (!closed) return "";
  return "closed " + civil::format_local(closed->closed_at_ms, kShanghaiOffsetMs) +
         ", frozen bill SM3 " + to_hex(closed->digest);
}

void print_table(CliContext& ctx, const Bill& b, const std::vector<TenantTotal>& rollup,
                 const std::string& note) {
  ctx.out << "Bill " << b.period.label() << " (" << kBillZone << "), CNY, by "
          << group_by_name(b.group_by) << "\n";
  if (!note.empty()) ctx.out << "Month " << note << "\n";
  std::vector<std::string> headers = key_headers(b.group_by);
  for (const char* h : {"ITEM", "QUANTITY (UNIT-MONTHS)", "AMOUNT (CNY)"}) headers.push_back(h);
  Table table(headers);
  for (const BillLine& line : b.lines) {
    std::vector<std::string> row = key_cells(b.group_by, line);
    row.push_back(item_cell(line));
    row.push_back(quantity_cell(line));
    row.push_back(yuan_text(line.amount_fen));
    table.add(std::move(row));
  }
  std::vector<std::string> total(headers.size(), "");
  total[0] = "TOTAL";
  total.back() = yuan_text(b.total_fen);
  table.add(std::move(total));
  table.print(ctx.out);
  if (b.group_by != GroupBy::kTenant || rollup.empty()) return;
  ctx.out << "\nTenant totals (a tenant's total includes its sub-tenants)\n";
  Table tenants({"TENANT", "OWN (CNY)", "TOTAL (CNY)"});
  for (const TenantTotal& t : rollup)
    tenants.add({t.tenant, yuan_text(t.own_fen), yuan_text(t.total_fen)});
  tenants.print(ctx.out);
}

// The bill as a self-contained HTML page: the largest groups as bars, the
// lines, and the tenant totals when billed by tenant.
void print_html(CliContext& ctx, const Bill& b, const std::vector<TenantTotal>& rollup,
                const std::string& note) {
  constexpr size_t kBars = 20;
  std::vector<GroupTotal> groups = group_totals(b);
  std::stable_sort(groups.begin(), groups.end(), [](const GroupTotal& x, const GroupTotal& y) {
    return x.amount_fen > y.amount_fen;
  });
  if (groups.size() > kBars) groups.resize(kBars);
  std::vector<Bar> bars;
  for (const GroupTotal& g : groups) {
    std::string label = b.group_by == GroupBy::kItem ? g.item
                        : b.group_by == GroupBy::kSystem
                            ? g.tenant + " / " + (g.system.empty() ? "-" : g.system)
                        : b.group_by == GroupBy::kVm ? g.tenant + " / " + g.vm
                                                     : g.tenant;
    bars.push_back({label, g.amount_fen, yuan_text(g.amount_fen) + " CNY"});
  }
  ReportSection lines{"bill-lines",
                      "Bill lines",
                      "费用明细",
                      "Each line is rounded to the fen once, half away from zero; the TOTAL is the "
                      "sum of the lines.",
                      key_headers(b.group_by),
                      {},
                      {}};
  for (const char* h : {"ITEM", "QUANTITY (UNIT-MONTHS)", "AMOUNT (CNY)"})
    lines.headers.push_back(h);
  lines.numeric.assign(lines.headers.size(), false);
  lines.numeric[lines.headers.size() - 1] = lines.numeric[lines.headers.size() - 2] = true;
  for (const BillLine& line : b.lines) {
    std::vector<std::string> row = key_cells(b.group_by, line);
    for (const std::string& cell :
         {item_cell(line), quantity_cell(line), yuan_text(line.amount_fen)})
      row.push_back(cell);
    lines.rows.push_back({row});
  }
  std::vector<std::string> total(lines.headers.size(), "");
  total[0] = "TOTAL";
  total.back() = yuan_text(b.total_fen);
  lines.rows.push_back({total, false, true});
  std::vector<ReportSection> sections{lines};
  if (!rollup.empty()) {
    ReportSection tenants{"bill",
                          "Tenant totals",
                          "部门费用",
                          "A tenant's total includes its sub-tenants.",
                          {"TENANT", "OWN (CNY)", "TOTAL (CNY)"},
                          {},
                          {false, true, true}};
    for (const TenantTotal& t : rollup)
      tenants.rows.push_back({{t.tenant, yuan_text(t.own_fen), yuan_text(t.total_fen)}});
    sections.push_back(tenants);
  }
  ctx.out << tables_html("xcloud bill " + b.period.label() + " 账单",
                         "CNY, Asia/Shanghai, by " + std::string(group_by_name(b.group_by)) + "." +
                             (note.empty() ? "" : " Month " + note + "."),
                         {{"Largest amounts (CNY), top " + std::to_string(kBars), bars}}, sections);
}

void print_csv(CliContext& ctx, const Bill& b) {
  ctx.out << kCsvBom << "period,tenant,system,vm,item,quantity_months,amount_cny\r\n";
  for (const BillLine& line : b.lines) {
    ctx.out << b.period.label() << ',' << csv_field(line.tenant) << ',' << csv_field(line.system)
            << ',' << csv_field(line.vm) << ',' << csv_field(item_cell(line)) << ','
            << line.quantity_months << ',' << yuan_text(line.amount_fen) << "\r\n";
  }
  ctx.out << b.period.label() << ",TOTAL,,,,," << yuan_text(b.total_fen) << "\r\n";
}

void print_json(CliContext& ctx, const Bill& b, const std::vector<TenantTotal>& rollup,
                const std::optional<ClosedMonthRecord>& closed) {
  json lines = json::array();
  for (const BillLine& line : b.lines) {
    json l = {{"item", line.item},
              {"quantity_months", line.quantity_months},
              {"amount_fen", line.amount_fen}};
    if (b.group_by != GroupBy::kItem) l["tenant"] = line.tenant;
    if (b.group_by == GroupBy::kSystem) l["system"] = line.system;
    if (b.group_by == GroupBy::kVm) l["vm"] = line.vm;
    if (line.adjustment_id != 0)
      l["adjustment"] = {{"id", line.adjustment_id}, {"reason", line.adjustment_reason}};
    lines.push_back(std::move(l));
  }
  json out = {{"period", b.period.label()}, {"time_zone", kBillZone},
              {"currency", "CNY"},          {"group_by", group_by_name(b.group_by)},
              {"lines", std::move(lines)},  {"total_fen", b.total_fen}};
  if (b.group_by == GroupBy::kTenant) {
    json tenants = json::array();
    for (const TenantTotal& t : rollup)
      tenants.push_back({{"tenant", t.tenant}, {"own_fen", t.own_fen}, {"total_fen", t.total_fen}});
    out["tenants"] = std::move(tenants);
  }
  if (closed) {
    out["closed"] = {{"closed_at", civil::format_local(closed->closed_at_ms, kShanghaiOffsetMs)},
                     {"sm3", to_hex(closed->digest)}};
  }
  ctx.out << json_text(out) << "\n";
}

struct BillOptions {
  std::string month, year, tenant, by = "tenant", format;
};

void run_bill(CliContext& ctx, const BillOptions& o) {
  auto fail = [&](int code, const std::string& message) {
    print_error(ctx, message);
    ctx.exit_code = code;
  };
  if (o.month.empty() == o.year.empty())
    return fail(kExitUsage, "bill: give one of --month or --year");
  auto period = parse_bill_period(o.month.empty() ? o.year : o.month, kBillZone);
  if (!period.ok()) return fail(kExitUsage, period.status().message());
  if (!o.month.empty() && period->month == 0)
    return fail(kExitUsage, "--month \"" + o.month + "\": expected YYYY-MM");
  if (!o.year.empty() && period->month != 0)
    return fail(kExitUsage, "--year \"" + o.year + "\": expected YYYY");
  std::optional<GroupBy> by = group_by_from_name(o.by);
  if (!by) return fail(kExitUsage, "--by \"" + o.by + "\": expected tenant, system, vm or item");
  auto now = clock_now_ms();
  if (!now.ok()) return fail(kExitUsage, now.status().message());
  auto store = open_state_store(ctx);
  if (!store) return;
  // A month is frozen once closed and carries its adjustments; a year is
  // priced from the meter intervals, with its months' adjustments.
  std::optional<ClosedMonthRecord> closed;
  Result<Bill> b = error(Code::kInternal, "not billed");
  if (period->month != 0) {
    auto m = month_bill(*store, *period, *by, *now, o.tenant);
    if (!m.ok()) return fail(kExitFailure, m.status().message());
    closed = std::move(m->closed);
    b = std::move(m->bill);
  } else {
    auto history = stored_price_history(*store);
    if (!history.ok()) return fail(kExitFailure, history.status().message());
    auto intervals = store->list_meter_intervals(period->start_ms, period->end_ms);
    if (!intervals.ok()) return fail(kExitFailure, intervals.status().message());
    b = bill(*intervals, *history, *period, *by, *now, o.tenant);
    if (!b.ok()) return fail(kExitFailure, b.status().message());
    for (int m = 1; m <= 12; ++m) {
      std::string label = period->label() + (m < 10 ? "-0" : "-") + std::to_string(m);
      auto adjustments = store->list_bill_adjustments(label);
      if (!adjustments.ok()) return fail(kExitFailure, adjustments.status().message());
      if (Status s = add_adjustments(*b, *adjustments, o.tenant); !s.ok())
        return fail(kExitFailure, s.message());
    }
  }
  // A tenant deleted since still has its old bills; one that neither the
  // state nor this bill knows is a typo.
  if (!o.tenant.empty() && b->lines.empty()) {
    if (Status s = check_tenant(*store, o.tenant); !s.ok())
      return fail(s.code() == Code::kInvalidArgument ? kExitUsage : kExitFailure, s.message());
  }
  std::vector<TenantTotal> rollup;
  if (*by == GroupBy::kTenant) {
    auto r = rollup_by_tenant(b->lines);
    if (!r.ok()) return fail(kExitFailure, r.status().message());
    rollup = std::move(*r);
  }
  if (o.format == "csv")
    print_csv(ctx, *b);
  else if (o.format == "json")
    print_json(ctx, *b, rollup, closed);
  else if (o.format == "html")
    print_html(ctx, *b, rollup, closed_note(closed));
  else
    print_table(ctx, *b, rollup, closed_note(closed));
}

struct PricesOptions {
  std::string at, item, format;
};

std::string local_text(int64_t instant_ms, int64_t offset_ms) {
  return civil::format_local(instant_ms, offset_ms);
}

void run_prices(CliContext& ctx, const PricesOptions& o) {
  auto fail = [&](int code, const std::string& message) {
    print_error(ctx, message);
    ctx.exit_code = code;
  };
  int64_t at = 0;
  if (o.at.empty()) {
    auto now = clock_now_ms();
    if (!now.ok()) return fail(kExitUsage, now.status().message());
    at = *now;
  } else {
    auto parsed = civil::parse_instant(o.at, kShanghaiOffsetMs);
    if (!parsed.ok()) return fail(kExitUsage, "--at " + parsed.status().message());
    at = *parsed;
  }
  auto store = open_state_store(ctx);
  if (!store) return;
  auto history = stored_price_history(*store);
  if (!history.ok()) return fail(kExitFailure, history.status().message());
  const PriceVersion* v = price_at(*history, at);
  if (v == nullptr) {
    return fail(kExitFailure, "no price list is in effect at " + local_text(at, kShanghaiOffsetMs) +
                                  (history->empty() ? " (no PriceList has been applied)" : ""));
  }
  if (o.format == "json") {
    json prices = json::object();
    for (const auto& [item, price] : v->prices) prices[item] = price.to_exact_string();
    ctx.out << json_text(json{{"price_list", v->name},
                              {"effective_from", local_text(v->effective_from_ms, v->offset_ms)},
                              {"currency", "CNY"},
                              {"charge_when_stopped", v->charge_when_stopped},
                              {"prices", prices}})
            << "\n";
    return;
  }
  ctx.out << "Price list " << v->name << ", in effect from "
          << local_text(v->effective_from_ms, v->offset_ms) << "; a stopped VM is "
          << (v->charge_when_stopped ? "" : "not ") << "charged\n";
  Table table({"ITEM", "PRICE (CNY PER UNIT PER MONTH)"});
  for (const auto& [item, price] : v->prices) table.add({item, price.to_exact_string()});
  table.print(ctx.out);
}

void run_price_history(CliContext& ctx, const PricesOptions& o) {
  auto fail = [&](int code, const std::string& message) {
    print_error(ctx, message);
    ctx.exit_code = code;
  };
  auto store = open_state_store(ctx);
  if (!store) return;
  auto history = stored_price_history(*store);
  if (!history.ok()) return fail(kExitFailure, history.status().message());
  bool priced = false;
  for (const PriceVersion& v : *history) priced |= v.prices.count(o.item) > 0;
  if (!priced) return fail(kExitFailure, "item \"" + o.item + "\" is priced by no price list");
  json items = json::array();
  Table table({"IN EFFECT FROM", "PRICE LIST", "PRICE (CNY PER UNIT PER MONTH)"});
  for (const PriceVersion& v : *history) {
    auto p = v.prices.find(o.item);
    std::string from = local_text(v.effective_from_ms, v.offset_ms);
    std::string price = p == v.prices.end() ? "" : p->second.to_exact_string();
    table.add({from, v.name, price.empty() ? "- (not priced)" : price});
    items.push_back({{"effective_from", from},
                     {"price_list", v.name},
                     {"price", price.empty() ? json(nullptr) : json(price)}});
  }
  if (o.format == "json")
    ctx.out << json_text(json{{"item", o.item}, {"history", items}}) << "\n";
  else
    table.print(ctx.out);
}

}  // namespace

void add_bill_command(CLI::App& app, CliContext& ctx) {
  auto o = std::make_shared<BillOptions>();
  auto* cmd = app.add_subcommand("bill", "The exact bill of a month or a year, from metered use");
  cmd->footer(
      "Each meter interval (a VM's vCPU, memory GB, disk GB per tier or accelerators from one\n"
      "change to the next) is priced pro rata by the milliseconds of the calendar month it falls\n"
      "in (Asia/Shanghai), under the PriceList in effect at each instant, and rounded to the fen\n"
      "once per bill line, half away from zero. The TOTAL is the sum of the lines. --year gives\n"
      "the year-end settlement by actual use. An allocation still open is billed up to now.\n"
      "A closed month (bill close) prints its frozen bill and says so; adjustments (bill adjust)\n"
      "are lines of their own.\n\n"
      "Environment: XCLOUD_NOW_MS, milliseconds since 1970-01-01 UTC, replaces the clock as\n"
      "\"now\" (for tests and for reproducing a bill).\n\n"
      "Exit codes: 0 billed; 1 the bill cannot be made (no price list in effect, an item the\n"
      "list does not price, ...); 2 bad usage or a --tenant that neither the state nor the\n"
      "period's bill knows.\n\n"
      "Examples:\n"
      "  xcloudctl bill --month 2026-11\n"
      "  xcloudctl bill --month 2026-11 --tenant education --by system\n"
      "  xcloudctl bill --year 2026 --by item -o csv > settlement-2026.csv\n"
      "  xcloudctl bill --month 2026-11 --by vm -o json\n"
      "  xcloudctl bill --month 2026-11 -o html > bill-2026-11.html");
  cmd->add_option("--month", o->month, "Bill this month, YYYY-MM");
  cmd->add_option("--year", o->year, "Bill this whole year, YYYY (year-end settlement)");
  cmd->add_option("--tenant", o->tenant, "Only this tenant and its sub-tenants");
  cmd->add_option("--by", o->by, "Bill lines per tenant, system, vm or item")
      ->check(CLI::IsMember({"tenant", "system", "vm", "item"}))
      ->capture_default_str();
  add_output_option(*cmd, o->format, {"table", "csv", "json", "html"});
  cmd->require_subcommand(0, 1);
  add_bill_close_commands(*cmd, ctx);
  cmd->callback([&ctx, o, cmd] {
    for (const CLI::App* sub : cmd->get_subcommands())
      if (sub->parsed()) return;
    run_bill(ctx, *o);
  });

  auto p = std::make_shared<PricesOptions>();
  auto* prices = app.add_subcommand("prices", "The prices in effect, or one item's price history");
  prices->footer(
      "DATE is YYYY-MM-DD (midnight, Asia/Shanghai) or an RFC 3339 time; the default is now\n"
      "(XCLOUD_NOW_MS when set).\n\n"
      "Examples:\n"
      "  xcloudctl prices\n"
      "  xcloudctl prices --at 2026-07-01\n"
      "  xcloudctl prices history vcpu");
  prices->require_subcommand(0, 1);
  prices->add_option("--at", p->at, "The prices in effect at DATE");
  add_output_option(*prices, p->format, {"table", "json"});
  auto* history = prices->add_subcommand("history", "Every price an item has had, oldest first");
  history->add_option("ITEM", p->item, "The price item: vcpu, memory, storage-normal, gpu-16g, ...")
      ->required();
  history->footer("Example:\n  xcloudctl prices history storage-high -o json");
  add_output_option(*history, p->format, {"table", "json"});
  history->callback([&ctx, p] { run_price_history(ctx, *p); });
  prices->callback([&ctx, p, history] {
    if (history->parsed()) return;
    run_prices(ctx, *p);
  });
}

}  // namespace xc
