// xcloudctl webhook deliver|status: one delivery round of the Webhook
// subscriptions (ctl/webhooks/webhook_delivery.h) for cron users and tests
// (`serve` runs the same round every few seconds), and where each webhook
// stands. CLI wiring; one run per process.
#include <CLI/CLI.hpp>

#include "common/printable.h"
#include "common/time.h"
#include "ctl/cli/cli.h"
#include "ctl/cli/json_yaml.h"
#include "ctl/cli/table.h"
#include "ctl/cli/webhook_commands.h"
#include "ctl/webhooks/webhook_delivery.h"

namespace xc {
namespace {

using nlohmann::json;

void run_deliver(CliContext& ctx) {
  auto store = open_state_for_metrics(ctx);
  if (!store) return;
  HttpWebhookSender sender;
  auto round = deliver_webhooks(*store, system_now_ms(), sender);
  if (!round.ok()) return fail(ctx, "webhook deliver: " + round.status().message(), kExitFailure);
  for (const std::string& line : round->lines) ctx.out << printable(line) << "\n";
  ctx.out << round->events_sent << " record(s) delivered, " << round->failures
          << " batch(es) failed\n";
  if (round->failures > 0) ctx.exit_code = kExitFailure;
}

void run_status(CliContext& ctx, const std::string& format) {
  auto store = open_state_store(ctx);
  if (!store) return;
  auto webhooks = stored_webhooks(*store);
  if (!webhooks.ok()) return fail(ctx, webhooks.status().message(), kExitFailure);
  auto last = store->last_audit_record();
  if (!last.ok()) return fail(ctx, last.status().message(), kExitFailure);
  const int64_t head = *last ? (*last)->seq : 0;
  json items = json::array();
  Table table(
      {"NAME", "URL", "EVENTS", "DELIVERED", "BEHIND", "FAILED-TRIES", "NEXT-TRY", "LAST-ERROR"});
  for (const StoredWebhook& w : *webhooks) {
    auto cursor = load_webhook_cursor(*store, w.name);
    if (!cursor.ok()) return fail(ctx, cursor.status().message(), kExitFailure);
    const WebhookCursor c = cursor->value_or(WebhookCursor{});
    const bool started = cursor->has_value();
    std::string events;
    for (const std::string& e : w.spec.events) events += (events.empty() ? "" : ",") + e;
    if (events.empty()) events = "all";
    json item = {{"name", w.name},
                 {"url", w.spec.url},
                 {"events", events},
                 {"tenant", w.spec.tenant},
                 {"started", started},
                 {"deliveredSeq", c.delivered_seq},
                 {"behind", started ? head - c.delivered_seq : 0},
                 {"eventsSent", c.events_sent},
                 {"failedTries", c.attempts},
                 {"lastError", c.last_error}};
    if (c.last_ok_ms > 0) item["lastDelivered"] = format_time_ms(c.last_ok_ms);
    if (c.attempts > 0) item["nextTry"] = format_time_ms(c.next_try_ms);
    items.push_back(item);
    table.add({w.name, w.spec.url, events, started ? std::to_string(c.delivered_seq) : "-",
               started ? std::to_string(head - c.delivered_seq) : "-", std::to_string(c.attempts),
               c.attempts > 0 ? format_time_ms(c.next_try_ms) : "-", c.last_error});
  }
  if (format == "json") {
    ctx.out << json_text(items) << "\n";
    return;
  }
  if (format == "yaml") {
    ctx.out << json_to_yaml(items) << "\n";
    return;
  }
  table.print(ctx.out);
}

}  // namespace

void add_webhook_command(CLI::App& app, CliContext& ctx) {
  auto* webhook = app.add_subcommand(
      "webhook",
      "Deliver the audit records the Webhook subscriptions ask for, and show where each stands");
  webhook->require_subcommand(1);
  webhook->footer(
      "A Webhook (kind: Webhook) receives the audit records of the classes it names\n"
      "(change, alarm, login, denied) as signed JSON POSTs, in the audit chain's order;\n"
      "`xcloudctl serve` delivers them every few seconds (--webhooks).\n\n"
      "Examples:\n"
      "  xcloudctl webhook status\n"
      "  xcloudctl webhook deliver");

  auto* deliver = webhook->add_subcommand(
      "deliver", "Send each webhook the records new since its last acknowledged one, now");
  deliver->footer(
      "One delivery round, as serve runs it: per webhook, batches of the records after its\n"
      "cursor; a batch that fails (no 2xx) is kept and sent again after a back-off (1 s\n"
      "doubling to 5 min), and nothing after it is sent before it. Exit 1 when a batch\n"
      "failed.\n\n"
      "Examples:\n"
      "  xcloudctl webhook deliver\n"
      "  * * * * * xcloud xcloudctl webhook deliver  (crontab, without serve)");
  deliver->callback([&ctx] { run_deliver(ctx); });

  auto format = std::make_shared<std::string>();
  auto* status = webhook->add_subcommand(
      "status", "Show each webhook's last delivered record, how far behind it is, and its errors");
  status->footer(
      "DELIVERED is the last audit seq its receiver acknowledged; BEHIND how many records\n"
      "were written since (of any class); FAILED-TRIES the failures in a row of the batch\n"
      "waiting, with NEXT-TRY and LAST-ERROR.\n\n"
      "Examples:\n"
      "  xcloudctl webhook status\n"
      "  xcloudctl webhook status -o json");
  add_output_option(*status, *format, {"table", "json", "yaml"});
  status->callback([&ctx, format] { run_status(ctx, *format); });
}

}  // namespace xc
