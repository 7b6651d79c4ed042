// assess_month (sla_month.h).
#include "ctl/sla/sla_month.h"

#include <algorithm>

namespace xc {

Result<SlaMonth> assess_month(const std::string& label, const SlaInput& input,
                              const PlatformAvailability& platform, const SystemFees& fees,
                              int64_t service_months, const std::string& fee_error,
                              const std::vector<PenaltyTable>& tables) {
  SlaMonth out;
  out.label = label;
  out.period = input.period;
  out.evaluated_to_ms =
      std::max(input.period.start_ms, std::min(input.period.end_ms, input.now_ms));
  out.vm_service_ms = platform.vm_service_ms;
  out.vm_down_ms = platform.vm_down_ms;
  out.unobserved_ms = platform.unobserved_ms;
  out.service_months = service_months;
  out.fee_error = fee_error;
  for (const SystemAvailability& a : platform.systems) {
    SlaSystem s;
    s.availability = a;
    auto fee = fees.find({a.tenant, a.system});
    s.fee = {fee_error.empty() && fee != fees.end() ? fee->second : 0, service_months};
    auto penalties = apply_penalties(tables, a, s.fee);
    if (!penalties.ok())
      return error(penalties.status().code(),
                   "system " + a.tenant + "/" + a.system + ": " + penalties.status().message());
    s.penalties = std::move(*penalties);
    out.total_fine_fen += s.penalties.total_fen;
    out.systems.push_back(std::move(s));
  }
  for (const PenaltyTable& t : tables)
    for (const PenaltyLine& l : t.lines)
      if (l.measure == PenaltyMeasure::kNone) out.not_measured.push_back(&l);
  return out;
}

}  // namespace xc
