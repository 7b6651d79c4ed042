// load_sla_month (sla_month_loader.h).
#include "ctl/cli/sla_month_loader.h"

#include "ctl/billing/month_bill.h"
#include "ctl/controller/vm_events.h"
#include "ctl/sla/sla_inputs.h"

namespace xc {
namespace {

std::optional<bool> running_after(const EventRecord& e) {
  std::optional<std::string> state = state_after(e);
  if (!state) return std::nullopt;
  return *state == "running";
}

// The calendar month `back` months before `month`, in its zone.
Result<BillPeriod> months_before(const BillPeriod& month, int64_t back) {
  int64_t index = month.year * 12 + (month.month - 1) - back;
  std::string text = std::to_string(index / 12) + "-" + (index % 12 + 1 < 10 ? "0" : "") +
                     std::to_string(index % 12 + 1);
  auto period = parse_bill_period(text);
  if (period.ok() && period->offset_ms != month.offset_ms)
    return error(Code::kInternal, "months in different time zones");
  return period;
}

}  // namespace

Result<SlaMonth> load_sla_month(Store& store, const BillPeriod& month, int64_t now_ms,
                                int64_t service_months) {
  if (month.month == 0 || month.week != 0)
    return error(Code::kInvalidArgument, "the SLA is assessed per calendar month");
  if (service_months < 1 || service_months > 120)
    return error(Code::kInvalidArgument, "service months: 1 to 120");
  const Span period{month.start_ms, month.end_ms};
  auto input = read_sla_input(store, period, now_ms, running_after);
  if (!input.ok()) return input.status();
  PlatformAvailability platform = compute_availability(*input);

  SystemFees fees;
  std::string fee_error;
  for (int64_t back = 0; back < service_months && fee_error.empty(); ++back) {
    auto m = months_before(month, back);
    if (!m.ok()) return m.status();
    auto b = month_bill(store, *m, GroupBy::kSystem, now_ms);
    if (!b.ok()) {
      fee_error = m->label() + ": " + b.status().message();
      break;
    }
    for (const GroupTotal& g : group_totals(b->bill)) fees[{g.tenant, g.system}] += g.amount_fen;
  }
  auto out = assess_month(month.label(), *input, platform, fees, service_months, fee_error,
                          builtin_penalty_tables());
  if (out.ok()) out->offset_ms = month.offset_ms;
  return out;
}

}  // namespace xc
