// xcloudctl alarms: list and show alarms, and evaluate the rules once (what
// `serve` does on a schedule); the changes an operator makes are in
// cmd_alarm_actions.cpp. CLI wiring; one run per process.
#include <CLI/CLI.hpp>

#include "common/time.h"
#include "ctl/alarms/alarm_evaluate.h"
#include "ctl/alarms/alarm_notifier.h"
#include "ctl/alarms/capacity_allocation.h"
#include "ctl/alarms/pki_credentials.h"
#include "ctl/cli/alarm_views.h"
#include "ctl/cli/audit_commands.h"
#include "ctl/cli/cli.h"
#include "ctl/cli/duration_option.h"
#include "ctl/cli/json_yaml.h"
#include "ctl/cli/table.h"

namespace xc {
namespace {

using nlohmann::json;

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

void print_json(CliContext& ctx, const json& out, const std::string& format) {
  ctx.out << (format == "json" ? json_text(out) : json_to_yaml(out)) << "\n";
}

struct ListOptions {
  std::string severity, since, output;
  AlarmListFilter filter;
};

void run_list(CliContext& ctx, ListOptions o) {
  o.filter.severities = split_commas(o.severity);
  if (Status s = check_alarm_filter(o.filter); !s.ok()) return fail(ctx, s.message(), kExitUsage);
  const int64_t now = system_now_ms();
  int64_t since = INT64_MIN;
  if (!o.since.empty()) {
    auto parsed = parse_since("--since", o.since, now);
    if (!parsed.ok()) return fail(ctx, parsed.status().message(), kExitUsage);
    since = *parsed;
  }
  auto store = open_state_store(ctx);
  if (!store) return;
  bool active_only =
      o.filter.state == "active" || o.filter.state == "firing" || o.filter.state == "acknowledged";
  auto alarms = store->list_alarms(active_only, since == INT64_MIN ? 0 : since);
  if (!alarms.ok()) return fail(ctx, alarms.status().message(), kExitFailure);
  std::vector<AlarmRecord> shown;
  for (const AlarmRecord& a : *alarms)
    if (alarm_matches(a, o.filter) && (since == INT64_MIN || a.started_ms >= since ||
                                       a.cleared_ms >= since || a.state != "cleared"))
      shown.push_back(a);
  if (o.output == "json" || o.output == "yaml") {
    json out = json::array();
    for (const AlarmRecord& a : shown) out.push_back(alarm_json(a));
    return print_json(ctx, out, o.output);
  }
  const bool wide = o.output == "wide";
  Table table(wide ? std::vector<std::string>{"ID", "SEVERITY", "STATE", "RULE", "OBJECT", "SINCE",
                                              "ASSIGNEE", "HOST", "POOL", "VALUE", "SUMMARY"}
                   : std::vector<std::string>{"ID", "SEVERITY", "STATE", "RULE", "OBJECT", "SINCE",
                                              "ASSIGNEE"});
  for (const AlarmRecord& a : shown) {
    std::vector<std::string> row = {
        std::to_string(a.id),         a.severity, a.state, a.rule, a.object,
        format_time_ms(a.started_ms), a.assignee};
    if (wide) row.insert(row.end(), {a.host, a.pool, a.value, a.summary});
    table.add(row);
  }
  if (table.size() == 0) {
    ctx.out << (o.filter.state == "active" ? "No active alarms" : "No alarms")
            << (o.filter.state == "active" ? " (--state all shows cleared ones too)" : "") << ".\n";
    return;
  }
  table.print(ctx.out);
}

void run_show(CliContext& ctx, int64_t id, const std::string& output) {
  auto store = open_state_store(ctx);
  if (!store) return;
  auto alarm = store->get_alarm(id);
  if (!alarm.ok())
    return fail(ctx, alarm.status().message(),
                alarm.status().code() == Code::kNotFound ? kExitUsage : kExitFailure);
  auto notes = store->list_alarm_notes(id);
  if (!notes.ok()) return fail(ctx, notes.status().message(), kExitFailure);
  auto deliveries = store->list_alarm_deliveries(id);
  if (!deliveries.ok()) return fail(ctx, deliveries.status().message(), kExitFailure);
  json out = alarm_json(*alarm);
  out["history"] = json::array();
  for (const AlarmNote& n : *notes) out["history"].push_back(alarm_note_json(n));
  out["deliveries"] = json::array();
  for (const AlarmDelivery& d : *deliveries) out["deliveries"].push_back(alarm_delivery_json(d));
  if (output == "json" || output == "yaml") return print_json(ctx, out, output);
  Table fields({"FIELD", "VALUE"});
  for (const char* key :
       {"id", "rule", "object", "severity", "state", "summary", "value", "host", "pool", "tenant",
        "assignee", "started", "acknowledged", "acknowledgedBy", "cleared", "clearedBy"}) {
    const json& v = out[key];
    std::string text = v.is_string() ? v.get<std::string>() : v.dump();
    if (!text.empty()) fields.add({key, text});
  }
  fields.print(ctx.out);
  ctx.out << "\n";
  Table history({"TIME", "ACTOR", "ACTION", "TEXT"});
  for (const AlarmNote& n : *notes)
    history.add({format_time_ms(n.time_ms), n.actor, n.action, n.text});
  history.print(ctx.out);
  if (!deliveries->empty()) {
    ctx.out << "\n";
    Table sent({"ROUTE", "RECEIVER", "STATE", "LAST SENT", "COUNT", "ERROR"});
    for (const AlarmDelivery& d : *deliveries)
      sent.add({d.route, d.receiver, d.state, format_time_ms(d.last_sent_ms),
                std::to_string(d.count), d.last_error});
    sent.print(ctx.out);
  }
}

void run_evaluate(CliContext& ctx, const CLI::App& cmd) {
  auto store = open_state_for_metrics(ctx);
  if (!store) return;
  CapacityAllocationSource capacity(system_now_ms);
  CandidateOptions options;
  options.allocations = &capacity;
  auto state = resolve_state_path(ctx);
  if (!state.ok()) return fail(ctx, state.status().message(), kExitUsage);
  auto credentials = pki_credentials(*state);
  if (!credentials.ok()) return fail(ctx, credentials.status().message(), kExitFailure);
  options.credentials = &*credentials;
  auto done = evaluate_alarms(*store, system_now_ms(), options, audit_identity_for(cmd));
  if (!done.ok()) return fail(ctx, done.status().message(), kExitFailure);
  for (const AlarmRecord& a : done->fired) ctx.out << alarm_line(a, "fired") << "\n";
  for (const AlarmRecord& a : done->cleared) ctx.out << alarm_line(a, "cleared") << "\n";
  ctx.out << done->rules << " rules evaluated: " << done->fired.size() << " fired, "
          << done->cleared.size() << " cleared, " << done->active << " active\n";
  NetworkNotifier notifier;
  auto sent = deliver_alarms(*store, system_now_ms(), notifier);
  if (!sent.ok()) return fail(ctx, sent.status().message(), kExitFailure);
  for (const std::string& line : sent->lines) ctx.out << line << "\n";
  if (sent->sent + sent->failed > 0)
    ctx.out << sent->sent << " notifications sent, " << sent->failed << " failed\n";
  if (sent->failed > 0) ctx.exit_code = kExitFailure;
}

}  // namespace

void add_alarms_command(CLI::App& app, CliContext& ctx) {
  auto* alarms = app.add_subcommand(
      "alarms",
      "Alarms from the built-in rules and AlarmRule manifests: list, show, evaluate, "
      "ack, assign, severity, comment, clear");
  alarms->require_subcommand(1);
  alarms->footer(
      "An alarm is one rule firing for one object (a host, a VM, a pool, the audit chain):\n"
      "firing -> acknowledged -> cleared. It clears by itself when the condition ends; a new\n"
      "firing after that is a new alarm. `xcloudctl serve` evaluates the rules every 15 s\n"
      "(--alarms); `alarms evaluate` does it once. Every change is in the audit log.\n\n"
      "Examples:\n"
      "  xcloudctl alarms list\n"
      "  xcloudctl alarms list --severity critical,major --since 1d -o wide\n"
      "  xcloudctl alarms ack 12 --comment \"on it\"\n"
      "  xcloudctl alarms show 12");

  auto lo = std::make_shared<ListOptions>();
  auto* list = alarms->add_subcommand("list", "The alarms, newest last (active ones by default)");
  list->add_option("--severity", lo->severity,
                   "critical, major, minor, warning; several with commas");
  list->add_option("--state", lo->filter.state,
                   "active (firing or acknowledged), firing, acknowledged, cleared or all")
      ->capture_default_str();
  list->add_option("--since", lo->since,
                   "Started or cleared since this long ago (90m, 1d) or this time (2026-12-01)");
  list->add_option("--name", lo->filter.name,
                   "One rule's alarms (host-unreachable, vm-crashed, "
                   "an AlarmRule's name)");
  list->add_option("--source", lo->filter.source,
                   "One object's alarms: host/x86-01, x86-01, education/web-1, pool/p1");
  list->add_option("--pool", lo->filter.pool, "Alarms of hosts and VMs of one pool");
  add_output_option(*list, lo->output, {"table", "wide", "json", "yaml"});
  list->footer(
      "Examples:\n"
      "  xcloudctl alarms list\n"
      "  xcloudctl alarms list --state all --since 7d --pool general -o wide\n"
      "  xcloudctl alarms list --name host-unreachable -o json");
  list->callback([&ctx, lo] { run_list(ctx, *lo); });

  auto show_id = std::make_shared<int64_t>(0);
  auto show_output = std::make_shared<std::string>();
  auto* show = alarms->add_subcommand("show", "One alarm with its history and deliveries");
  show->add_option("ID", *show_id, "The alarm's id (alarms list)")->required();
  add_output_option(*show, *show_output, {"table", "json", "yaml"});
  show->footer("Examples:\n  xcloudctl alarms show 12\n  xcloudctl alarms show 12 -o yaml");
  show->callback([&ctx, show_id, show_output] { run_show(ctx, *show_id, *show_output); });

  auto* evaluate = alarms->add_subcommand(
      "evaluate", "Evaluate every alarm rule once: fire new alarms, clear ended ones");
  evaluate->footer(
      "What `xcloudctl serve` does every --alarms interval, for cron users and tests. Rules:\n"
      "the built-in host-unreachable (from the heartbeat), vm-crashed and vm-paused (from the\n"
      "events), pool-used-90 (storage pool >= 90% used, from the metrics), pool-allocation-80\n"
      "and audit-chain (verify, hourly), plus every applied AlarmRule. Then notifications go\n"
      "out through the applied AlarmRoutes (exit 1 when one could not be sent).\n\n"
      "Examples:\n  xcloudctl alarms evaluate");
  evaluate->callback([&ctx, evaluate] { run_evaluate(ctx, *evaluate); });

  add_alarm_action_commands(*alarms, ctx);
}

}  // namespace xc
