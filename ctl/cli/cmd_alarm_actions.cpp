// xcloudctl alarms ack|assign|severity|comment|clear: an operator's changes
// to one alarm, each a note in its history and a record in the audit log.
// CLI wiring; one run per process.
#include <CLI/CLI.hpp>

#include "common/time.h"
#include "ctl/alarms/alarm_actions.h"
#include "ctl/cli/audit_commands.h"
#include "ctl/cli/cli.h"

namespace xc {
namespace {

struct ActionOptions {
  int64_t id = 0;
  std::string text;
};

void run_action(CliContext& ctx, const CLI::App& cmd, AlarmAction action, const ActionOptions& o) {
  if (o.text.size() > 4096) {
    print_error(ctx, "the text is longer than 4096 bytes");
    ctx.exit_code = kExitUsage;
    return;
  }
  auto store = open_state_for_metrics(ctx);
  if (!store) return;
  auto changed =
      change_alarm(*store, o.id, {action, o.text}, system_now_ms(), audit_identity_for(cmd));
  if (!changed.ok()) {
    print_error(ctx, changed.status().message());
    Code code = changed.status().code();
    ctx.exit_code = code == Code::kNotFound || code == Code::kInvalidArgument ||
                            code == Code::kFailedPrecondition
                        ? kExitUsage
                        : kExitFailure;
    return;
  }
  ctx.out << "alarm " << changed->id << " " << alarm_action_name(action);
  if (action == AlarmAction::kAssign) ctx.out << " to " << changed->assignee;
  if (action == AlarmAction::kSeverity) ctx.out << " " << changed->severity;
  ctx.out << " (" << changed->rule << " " << changed->object << ", " << changed->state << ")\n";
  seal_after_change(ctx);
}

struct ActionRow {
  const char* name;
  AlarmAction action;
  const char* help;
  const char* text_name;  // nullptr: --comment (optional)
  const char* text_help;
  const char* example;
};

}  // namespace

void add_alarm_action_commands(CLI::App& alarms, CliContext& ctx) {
  static const ActionRow kRows[] = {
      {"ack", AlarmAction::kAcknowledge, "Acknowledge a firing alarm (someone is on it)", nullptr,
       "A note kept with the acknowledgement", "xcloudctl alarms ack 12 --comment \"on it\""},
      {"assign", AlarmAction::kAssign, "Assign an alarm to a person", "PERSON",
       "Who handles it (a name or an account)", "xcloudctl alarms assign 12 zhang.wei"},
      {"severity", AlarmAction::kSeverity, "Change an alarm's severity", "SEVERITY",
       "critical, major, minor or warning", "xcloudctl alarms severity 12 minor"},
      {"comment", AlarmAction::kComment, "Add a comment to an alarm's history", "TEXT",
       "The comment", "xcloudctl alarms comment 12 \"disk replaced, watching\""},
      {"clear", AlarmAction::kClear,
       "Clear an alarm by hand (if its condition still holds, the next evaluation raises a new "
       "one)",
       nullptr, "Why it is cleared", "xcloudctl alarms clear 12 --comment \"false alarm\""},
  };
  for (const ActionRow& row : kRows) {
    auto o = std::make_shared<ActionOptions>();
    auto* cmd = alarms.add_subcommand(row.name, row.help);
    cmd->add_option("ID", o->id, "The alarm's id (alarms list)")->required();
    if (row.text_name != nullptr)
      cmd->add_option(row.text_name, o->text, row.text_help)->required();
    else
      cmd->add_option("--comment", o->text, row.text_help);
    cmd->footer(std::string("Recorded in the alarm's history (alarms show) and the audit log.\n\n"
                            "Example:\n  ") +
                row.example);
    AlarmAction action = row.action;
    cmd->callback([&ctx, cmd, action, o] { run_action(ctx, *cmd, action, *o); });
  }
}

}  // namespace xc
