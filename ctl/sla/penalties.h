// Which lines of the tender's penalty tables a business system's month
// meets, and the fine each carries: 业务系统云服务费 / 服务月数 × 惩罚系数
// (the system's cloud fee / the service months × the coefficient), in fen,
// rounded once, half away from zero (as bill lines are). Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "ctl/sla/availability.h"
#include "ctl/sla/penalty_table.h"

namespace xc {

// The system's cloud fee over the service months, from its bills.
struct SystemFee {
  int64_t fee_fen = 0;
  int64_t service_months = 1;
};

struct AppliedPenalty {
  const PenaltyLine* line = nullptr;
  std::string reason;  // "availability 99.9861% < 99.99%"
  int64_t fine_fen = 0;
};

struct SystemPenalties {
  std::vector<AppliedPenalty> applied;  // in table order
  int64_t total_fen = 0;
};

// The measured lines `system` meets. Every line that applies carries its
// own fine (the tender does not make them exclusive). kInvalidArgument when
// service_months < 1 or a fee is negative, or a fine beyond 64 bits.
Result<SystemPenalties> apply_penalties(const std::vector<PenaltyTable>& tables,
                                        const SystemAvailability& system, const SystemFee& fee);

// fee / months × percent / 100, in fen, rounded half away from zero.
Result<int64_t> penalty_fine_fen(int64_t fee_fen, int64_t service_months,
                                 int64_t coefficient_percent);

// "2 h 05 min", "4 min 12 s", "0 s": a duration for people.
std::string duration_text(int64_t ms);

}  // namespace xc
