// xcloudctl collect: one metrics round (ctl/metrics/collect.h) over every
// host the state knows, for cron users and tests; `serve` runs the same
// function every 60 s. CLI wiring; one run per process.
#include <CLI/CLI.hpp>

#include "common/printable.h"
#include "ctl/cli/cli.h"
#include "ctl/cli/json_yaml.h"
#include "ctl/cli/table.h"
#include "ctl/cli/vm_target.h"
#include "ctl/hosts/host_clients.h"
#include "ctl/hosts/pki_files.h"
#include "ctl/metrics/collect.h"

namespace xc {
namespace {

using nlohmann::json;

constexpr int kAgentsAtOnce = 2;  // transports per host; a round makes one call each

json round_json(const MetricsRound& r) {
  json hosts = json::array();
  for (const auto& h : r.hosts) {
    json entry = {{"host", h.host}, {"ok", h.status.ok()}, {"vms", h.vms}, {"rated", h.rated}};
    if (!h.status.ok()) entry["error"] = h.status.message();
    hosts.push_back(entry);
  }
  return json{{"time", format_time_ms(r.time_ms)},
              {"hosts", hosts},
              {"rolledUpHours", r.rolled_up_hours},
              {"prunedRawRows", r.pruned.raw_rows},
              {"prunedRollupRows", r.pruned.rollup_rows},
              {"callMs", r.call_ms},
              {"storeMs", r.store_ms}};
}

void run_collect(CliContext& ctx, const std::string& format) {
  auto state = resolve_state_path(ctx);
  if (!state.ok()) {
    print_error(ctx, state.status().message());
    ctx.exit_code = kExitUsage;
    return;
  }
  auto store = open_state_for_metrics(ctx);
  if (!store) return;
  auto records = store->list_hosts();
  if (!records.ok()) {
    print_error(ctx, records.status().message());
    ctx.exit_code = kExitFailure;
    return;
  }
  HostClients clients(pki_files_for_state(*state), kAgentsAtOnce);
  std::vector<std::string> hosts;
  for (const auto& h : *records) {
    clients.add_host(host_object(*store, h));
    hosts.push_back(h.name);
  }
  auto round = collect_metrics(*store, clients, hosts, system_now_ms);
  if (!round.ok()) {
    print_error(ctx, "collect: " + round.status().message());
    ctx.exit_code = kExitFailure;
    return;
  }
  size_t failed = 0;
  for (const auto& h : round->hosts) failed += h.status.ok() ? 0 : 1;
  if (failed > 0) ctx.exit_code = kExitFailure;
  if (format == "json") {
    ctx.out << json_text(round_json(*round)) << "\n";
    return;
  }
  if (format == "yaml") {
    ctx.out << json_to_yaml(round_json(*round)) << "\n";
    return;
  }
  Table table({"HOST", "STATUS", "VMS", "RATED"});
  for (const auto& h : round->hosts)
    table.add({h.host, h.status.ok() ? "collected" : "failed: " + h.status.message(),
               std::to_string(h.vms), std::to_string(h.rated)});
  table.print(ctx.out);
  ctx.out << round->hosts.size() - failed << " of " << round->hosts.size()
          << " hosts collected (agents " << round->call_ms << " ms, storing " << round->store_ms
          << " ms)";
  if (round->rolled_up_hours > 0) ctx.out << "; " << round->rolled_up_hours << " hours rolled up";
  if (round->pruned.raw_rows + round->pruned.rollup_rows > 0)
    ctx.out << "; pruned " << round->pruned.raw_rows << " raw and " << round->pruned.rollup_rows
            << " rollup rows";
  ctx.out << "\n";
}

}  // namespace

void add_collect_command(CLI::App& app, CliContext& ctx) {
  auto format = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("collect", "Collect one round of metrics from every host");
  cmd->footer(
      "Calls every host's agent (metrics.sample) at once and stores per VM: CPU, memory,\n"
      "disk read/write bytes and IOPS, network rx/tx; per host the same summed over its\n"
      "VMs, plus its capacity and storage pool use. Counters become rates against the\n"
      "previous round's reading, so the first round after a start stores no rates. Raw\n"
      "samples are kept 48 hours, hourly rollups (average, maximum) 400 days; each round\n"
      "also rolls up finished hours and prunes. `xcloudctl serve` runs this every 60 s;\n"
      "cron users run it each minute. Exit 1 when any host could not be read (the\n"
      "others are stored).\n\n"
      "Examples:\n"
      "  xcloudctl collect\n"
      "  * * * * * xcloud xcloudctl collect -o json >>/var/log/xcloud/collect.log  (crontab)");
  add_output_option(*cmd, *format, {"table", "json", "yaml"});
  cmd->callback([&ctx, format] { run_collect(ctx, *format); });
}

}  // namespace xc
