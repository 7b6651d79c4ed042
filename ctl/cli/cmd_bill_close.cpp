// xcloudctl bill close: freeze a past month's bill (every grouping, in fen,
// with its SM3 digest), audited; xcloudctl bill adjust: a late correction,
// billed as its own line in the first open month, audited.
#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/printable.h"
#include "common/sm_crypto.h"
#include "common/time.h"
#include "ctl/audit/audit_log.h"
#include "ctl/billing/bill_adjustments.h"
#include "ctl/billing/billing_inputs.h"
#include "ctl/billing/closed_month.h"
#include "ctl/billing/month_bill.h"
#include "ctl/cli/audit_commands.h"
#include "ctl/cli/cli.h"
#include "ctl/cli/json_yaml.h"
#include "ctl/cli/known_names.h"
#include "ctl/report/report_sections.h"
#include "ctl/store/store.h"

namespace xc {
namespace {

struct CloseOptions {
  std::string month, format;
};

struct AdjustOptions {
  std::string tenant, item, amount, reason, format;
};

void fail(CliContext& ctx, int code, const std::string& message) {
  print_error(ctx, message);
  ctx.exit_code = code;
}

void run_close(CliContext& ctx, const CloseOptions& o, const CLI::App& cmd) {
  auto month = parse_bill_period(o.month, kBillZone);
  if (!month.ok()) return fail(ctx, kExitUsage, month.status().message());
  if (month->month == 0)
    return fail(ctx, kExitUsage, "--month \"" + o.month + "\": expected YYYY-MM");
  auto now = clock_now_ms();
  if (!now.ok()) return fail(ctx, kExitUsage, now.status().message());
  if (Status s = check_month_ended(*month, *now); !s.ok())
    return fail(ctx, kExitFailure, s.message());
  auto store = open_state_for_change(ctx, cmd);
  if (!store) return;
  auto already = store->get_closed_month(month->label());
  if (!already.ok()) return fail(ctx, kExitFailure, already.status().message());
  if (already->has_value())
    return fail(ctx, kExitFailure, "month " + month->label() + " is already closed");
  std::vector<Bill> bills;
  for (GroupBy g : kFrozenGroupings) {
    auto b = live_month_bill(*store, *month, g, *now);
    if (!b.ok())
      return fail(ctx, kExitFailure, "month " + month->label() + ": " + b.status().message());
    bills.push_back(std::move(*b));
  }
  auto frozen = freeze_month(bills, *now);
  if (!frozen.ok()) return fail(ctx, kExitFailure, frozen.status().message());
  AuditLog log(*store);
  AuditRecord record = audit_identity_for(cmd).record("Bill", "", month->label(), "close");
  record.hash_after = to_hex(frozen->digest);
  record.message = "total " + yuan_text(bills.front().total_fen) + " CNY";
  Status st =
      record_change(log, record, nullptr, [&] { return store->insert_closed_month(*frozen); });
  if (!st.ok()) return fail(ctx, kExitFailure, st.message());
  if (o.format == "json") {
    ctx.out << json_text(nlohmann::json{{"month", frozen->month},
                                        {"closed_at", civil::format_local(*now, month->offset_ms)},
                                        {"total_fen", bills.front().total_fen},
                                        {"sm3", to_hex(frozen->digest)}})
            << "\n";
    return;
  }
  ctx.out << "closed " << frozen->month << ": total " << yuan_text(bills.front().total_fen)
          << " CNY, frozen bill SM3 " << to_hex(frozen->digest) << "\n";
}

void run_adjust(CliContext& ctx, const AdjustOptions& o, const CLI::App& cmd) {
  auto fen = parse_adjustment_fen(o.amount);
  if (!fen.ok()) return fail(ctx, kExitUsage, fen.status().message());
  if (o.reason.empty()) return fail(ctx, kExitUsage, "--reason: say why the bill is corrected");
  auto now = clock_now_ms();
  if (!now.ok()) return fail(ctx, kExitUsage, now.status().message());
  auto store = open_state_for_change(ctx, cmd);
  if (!store) return;
  if (Status s = check_tenant(*store, o.tenant); !s.ok())
    return fail(ctx, s.code() == Code::kInvalidArgument ? kExitUsage : kExitFailure,
                s.message() + "; nothing was changed");
  auto closed = store->list_closed_months();
  if (!closed.ok()) return fail(ctx, kExitFailure, closed.status().message());
  BillAdjustmentRecord a;
  a.month = first_open_month(*closed, *now);
  a.tenant = o.tenant;
  a.item = o.item;
  a.amount_fen = *fen;
  a.reason = o.reason;
  a.created_at_ms = *now;
  AuditRecord record = audit_identity_for(cmd).record("Bill", o.tenant, a.month, "adjust");
  a.actor = record.as_user.empty() ? record.actor : record.as_user;
  record.message = o.item + " " + yuan_text(*fen) + " CNY: " + o.reason;
  AuditLog log(*store);
  Status st = record_change(log, record, nullptr, [&]() -> Status {
    auto inserted = store->insert_bill_adjustment(a);
    if (!inserted.ok()) return inserted.status();
    a = *inserted;
    return {};
  });
  if (!st.ok()) return fail(ctx, kExitFailure, st.message());
  if (o.format == "json") {
    ctx.out << json_text(nlohmann::json{{"id", a.id},
                                        {"month", a.month},
                                        {"tenant", a.tenant},
                                        {"item", a.item},
                                        {"amount_fen", a.amount_fen},
                                        {"reason", a.reason}})
            << "\n";
    return;
  }
  ctx.out << "adjustment #" << a.id << " in " << a.month << ": " << printable(a.tenant) << " "
          << printable(a.item) << " " << yuan_text(a.amount_fen) << " CNY (" << printable(a.reason)
          << ")\n";
}

}  // namespace

void add_bill_close_commands(CLI::App& bill, CliContext& ctx) {
  auto c = std::make_shared<CloseOptions>();
  auto* close = bill.add_subcommand("close", "Freeze a past month's bill; it never changes again");
  close->footer(
      "Stores the month's bill in every grouping (tenant, system, vm, item), amounts in fen,\n"
      "with its SM3 digest, and audits it. Afterwards `bill --month` prints the frozen bill, a\n"
      "PriceList that would price the month is refused, and a PriceList that priced it cannot\n"
      "be deleted. Late corrections are adjustments (bill adjust) in the first open month.\n\n"
      "Exit codes: 0 closed; 1 the month has not ended, is already closed or cannot be billed;\n"
      "2 bad usage.\n\n"
      "Example:\n"
      "  xcloudctl bill close --month 2026-11");
  close->add_option("--month", c->month, "The month to close, YYYY-MM (Asia/Shanghai)")->required();
  add_output_option(*close, c->format, {"table", "json"});
  close->callback([&ctx, c, close] { run_close(ctx, *c, *close); });

  auto a = std::make_shared<AdjustOptions>();
  auto* adjust = bill.add_subcommand("adjust", "A late correction, billed in the first open month");
  adjust->footer(
      "Adds AMOUNT (CNY, at most two decimals; negative for a credit) for the tenant and item\n"
      "to the first open month: the month after the last closed one, or the current month when\n"
      "none is closed. It shows as its own line in that month's bill and report, and is\n"
      "audited.\n\n"
      "Exit codes: 0 recorded; 1 a store error; 2 bad usage or an unknown tenant.\n\n"
      "Example:\n"
      "  xcloudctl bill adjust --tenant education --item memory --amount -120.50 \\\n"
      "      --reason \"INC-2291: memory billed twice in November\"");
  adjust->add_option("--tenant", a->tenant, "The tenant (VDC path) charged or credited")
      ->required();
  adjust->add_option("--item", a->item, "The price item: vcpu, memory, storage-normal, ...")
      ->required();
  adjust->add_option("--amount", a->amount, "CNY, e.g. 35.20 or -120.50 (a credit)")->required();
  adjust->add_option("--reason", a->reason, "Why: shown on the bill line and audited")->required();
  add_output_option(*adjust, a->format, {"table", "json"});
  adjust->callback([&ctx, a, adjust] { run_adjust(ctx, *a, *adjust); });
}

}  // namespace xc
