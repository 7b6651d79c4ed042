// apply_penalties (penalties.h).
#include "ctl/sla/penalties.h"

namespace xc {

__extension__ typedef __int128 Int128;  // exact products of ms or fen

Result<int64_t> penalty_fine_fen(int64_t fee_fen, int64_t service_months,
                                 int64_t coefficient_percent) {
  if (service_months < 1) return error(Code::kInvalidArgument, "service months must be at least 1");
  if (fee_fen < 0 || coefficient_percent < 0)
    return error(Code::kInvalidArgument, "a fee and a coefficient cannot be negative");
  const Int128 numerator = static_cast<Int128>(fee_fen) * coefficient_percent;
  const Int128 denominator = static_cast<Int128>(service_months) * 100;
  const Int128 fine = (numerator + denominator / 2) / denominator;  // half up: both >= 0
  if (fine > INT64_MAX) return error(Code::kInvalidArgument, "fine beyond 64 bits of fen");
  return static_cast<int64_t>(fine);
}

std::string duration_text(int64_t ms) {
  int64_t s = ms / 1000;
  auto two = [](int64_t v) { return (v < 10 ? "0" : "") + std::to_string(v); };
  if (s >= 3600) return std::to_string(s / 3600) + " h " + two(s / 60 % 60) + " min";
  if (s >= 60) return std::to_string(s / 60) + " min " + two(s % 60) + " s";
  return std::to_string(s) + " s";
}

Result<SystemPenalties> apply_penalties(const std::vector<PenaltyTable>& tables,
                                        const SystemAvailability& s, const SystemFee& fee) {
  SystemPenalties out;
  for (const PenaltyTable& table : tables) {
    for (const PenaltyLine& line : table.lines) {
      std::string reason;
      switch (line.measure) {
        case PenaltyMeasure::kNone:
          break;
        case PenaltyMeasure::kAvailabilityBelow:
          if (availability_below(s.service_ms, s.down_ms, line.permyriad))
            reason = "availability " + ppm_percent_text(availability_ppm(s.service_ms, s.down_ms)) +
                     " < " + ppm_percent_text(line.permyriad);
          break;
        case PenaltyMeasure::kOutageAtLeast:
          if (s.longest_outage_ms >= line.minutes * 60'000)
            reason = "an outage of " + duration_text(s.longest_outage_ms) +
                     " >= " + duration_text(line.minutes * 60'000);
          break;
        case PenaltyMeasure::kOutagesOrDowntime:
          if (static_cast<int64_t>(s.outages.size()) >= line.count)
            reason = std::to_string(s.outages.size()) + " outages >= " + std::to_string(line.count);
          else if (s.down_ms >= line.minutes * 60'000)
            reason = "down " + duration_text(s.down_ms) +
                     " in total >= " + duration_text(line.minutes * 60'000);
          break;
      }
      if (reason.empty()) continue;
      auto fine = penalty_fine_fen(fee.fee_fen, fee.service_months, line.coefficient_percent);
      if (!fine.ok()) return fine.status();
      out.applied.push_back({&line, reason, *fine});
      out.total_fen += *fine;
    }
  }
  return out;
}

}  // namespace xc
