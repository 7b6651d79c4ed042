// xcloudctl capacity [--pool P] [--forecast]: per pool and zone, vCPU (with
// the pool's overcommit), memory, storage and each accelerator type: total,
// allocated, used; with --forecast, when each pool reaches 80% and 100% on
// the trend of its last 90 days. CLI wiring; one run per process.
#include "ctl/cli/cmd_capacity.h"

#include <CLI/CLI.hpp>
#include <algorithm>

#include "common/spelling.h"
#include "common/time.h"
#include "ctl/billing/billing_inputs.h"
#include "ctl/capacity/capacity_text.h"
#include "ctl/cli/capacity_loader.h"
#include "ctl/cli/json_yaml.h"
#include "ctl/cli/table.h"

namespace xc {
namespace {

using nlohmann::json;

struct CapacityOptions {
  std::string pool, output = "table";
  bool forecast = false;
};

std::string permille_text(int64_t permille) {
  return std::to_string(permille / 10) + "." + std::to_string(permille % 10) + "%";
}

json reach_json(const ReachDay& r) {
  json j = {{"reach", r.reach == Reach::kReached ? "reached"
                      : r.reach == Reach::kOnDay ? "on"
                      : r.reach == Reach::kNever ? "never"
                                                 : "no-data"}};
  if (r.reach == Reach::kOnDay) j["date"] = day_text(r.day);
  return j;
}

void run_capacity(CliContext& ctx, const CapacityOptions& o) {
  auto now = clock_now_ms();
  if (!now.ok()) {
    print_error(ctx, now.status().message());
    ctx.exit_code = kExitUsage;
    return;
  }
  auto store = open_state_store(ctx);
  if (!store) return;
  auto view = load_capacity(*store, *now, kShanghaiOffsetMs, o.forecast);
  if (!view.ok()) {
    print_error(ctx, view.status().message());
    ctx.exit_code = kExitFailure;
    return;
  }
  if (!o.pool.empty()) {
    std::vector<std::string> pools;
    for (const CapacityLine& l : view->lines)
      if (l.scope == "pool") pools.push_back(l.name);
    if (std::find(pools.begin(), pools.end(), o.pool) == pools.end()) {
      print_error(ctx, "pool \"" + o.pool + "\" not found" + did_you_mean(o.pool, pools));
      ctx.exit_code = kExitUsage;
      return;
    }
  }
  auto shown = [&](const CapacityLine& l) {
    return o.pool.empty() || (l.scope == "pool" && l.name == o.pool);
  };
  if (o.output == "json" || o.output == "yaml") {
    json out = json::array();
    for (size_t i = 0; i < view->lines.size(); ++i) {
      const CapacityLine& l = view->lines[i];
      if (!shown(l)) continue;
      json j = {{"scope", l.scope},
                {"name", l.name},
                {"resource", l.resource},
                {"hosts", l.hosts},
                {"total", l.total},
                {"allocated", l.allocated},
                {"used", l.used ? json(*l.used) : json(nullptr)},
                {"allocatedPermille", l.permille},
                {"flagged", l.flagged}};
      if (const auto& f = view->forecasts[i]) {
        j["forecast"] = {
            {"samples", view->samples[i]},
            {"slopePerDay", {{"numerator", f->slope_num}, {"denominator", f->slope_den}}},
            {"at80", reach_json(f->at_80)},
            {"at100", reach_json(f->at_100)}};
      }
      out.push_back(std::move(j));
    }
    ctx.out << (o.output == "json" ? json_text(out) : json_to_yaml(out)) << "\n";
    return;
  }
  std::vector<std::string> headers = {"SCOPE",     "NAME",   "RESOURCE", "HOSTS", "TOTAL",
                                      "ALLOCATED", "ALLOC%", "USED",     "FLAG"};
  if (o.forecast) {
    headers.push_back("TREND");
    headers.push_back("80% ON");
    headers.push_back("100% ON");
  }
  Table table(headers);
  for (size_t i = 0; i < view->lines.size(); ++i) {
    const CapacityLine& l = view->lines[i];
    if (!shown(l)) continue;
    std::vector<std::string> row = {
        l.scope,
        l.name,
        l.resource,
        std::to_string(l.hosts),
        std::to_string(l.total),
        std::to_string(l.allocated),
        permille_text(l.permille),
        l.used ? std::to_string(*l.used) : "-",
        l.flagged ? "at or above 80%: expand within " + std::to_string(kExpansionDays) + " days"
                  : ""};
    if (o.forecast) {
      const auto& f = view->forecasts[i];
      row.push_back(f ? slope_text(*f) : "");
      row.push_back(f ? reach_text(f->at_80) : "");
      row.push_back(f ? reach_text(f->at_100) : "");
    }
    table.add(row);
  }
  if (table.size() == 0) {
    ctx.out << "No host has been enrolled.\n";
    return;
  }
  table.print(ctx.out);
}

}  // namespace

void add_capacity_command(CLI::App& app, CliContext& ctx) {
  auto o = std::make_shared<CapacityOptions>();
  auto* cmd = app.add_subcommand(
      "capacity", "Capacity per pool and zone: total, allocated and used, with a forecast");
  cmd->add_option("--pool", o->pool, "Only this pool's lines");
  cmd->add_flag("--forecast", o->forecast,
                "When each pool's vCPU, memory and storage allocation reaches 80% and 100%, on "
                "the least-squares trend of its last 90 days");
  add_output_option(*cmd, o->output, {"table", "json", "yaml"});
  cmd->footer(
      "vcpu: the hosts' CPUs x their pool's cpuOvercommit (rounded down per host) against the\n"
      "vCPUs of the VMs placed there; memory-gib likewise (never overcommitted); storage-gib:\n"
      "the hosts' storage pools against the VMs' disks (storage-normal-gib and\n"
      "storage-high-gib split the allocation by tier; the tiers share the pools); then each\n"
      "accelerator type in devices. USED: the last hour of `xcloudctl collect` (- before any).\n"
      "At or above 80% allocated a pool is flagged: the tender asks for expansion within 7\n"
      "days. The forecast samples the meter's allocation once a day over the last 90 days\n"
      "(VMs counted in the pool of their current host) and gives the day the trend line\n"
      "reaches each share, in Asia/Shanghai dates.\n"
      "Environment: XCLOUD_NOW_MS replaces the clock.\n\n"
      "Examples:\n"
      "  xcloudctl capacity\n"
      "  xcloudctl capacity --pool erlonglu --forecast\n"
      "  xcloudctl capacity --forecast -o json");
  cmd->callback([&ctx, o] { run_capacity(ctx, *o); });
}

}  // namespace xc
