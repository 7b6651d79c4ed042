// A month's service level as `xcloudctl sla` and the monthly report show it:
// every business system's availability and outages, the penalty lines it
// meets with their fines, and the lines xcloud cannot measure. Pure
// assembly over computed parts; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "ctl/sla/availability.h"
#include "ctl/sla/penalties.h"
#include "ctl/sla/penalty_table.h"

namespace xc {

struct SlaSystem {
  SystemAvailability availability;
  SystemFee fee;
  SystemPenalties penalties;
};

struct SlaMonth {
  std::string label;  // "2026-11"
  Span period;
  int64_t offset_ms = 0;        // the month's time zone, for showing times
  int64_t evaluated_to_ms = 0;  // the period's end, or now while it runs
  int64_t vm_service_ms = 0, vm_down_ms = 0, unobserved_ms = 0;  // the platform, over VMs
  std::vector<SlaSystem> systems;                                // by tenant, system
  int64_t total_fine_fen = 0;
  int64_t service_months = 1;
  // Why fines could not be computed (the bill failed: no price list...), or "".
  std::string fee_error;
  std::vector<const PenaltyLine*> not_measured;  // lines xcloud holds no facts for
};

// (tenant, system) -> the system's cloud fee over the service months.
using SystemFees = std::map<std::pair<std::string, std::string>, int64_t>;

// With fee_error set, penalties are found but their fines are 0.
Result<SlaMonth> assess_month(const std::string& label, const SlaInput& input,
                              const PlatformAvailability& platform, const SystemFees& fees,
                              int64_t service_months, const std::string& fee_error,
                              const std::vector<PenaltyTable>& tables);

}  // namespace xc
