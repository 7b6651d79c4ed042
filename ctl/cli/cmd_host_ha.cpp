// xcloudctl host fence NAME [--confirm-dead] and xcloudctl host evacuate NAME
// [--dry-run]: HA by hand. A host is fenced by its fence command or by an
// operator's word (both audited); evacuate then restarts its `ha: restart`
// VMs elsewhere as `serve` would (ctl/ha). CLI wiring; one run per process.
#include <CLI/CLI.hpp>
#include <mutex>

#include "common/printable.h"
#include "ctl/audit/audit_log.h"
#include "ctl/cli/audit_commands.h"
#include "ctl/cli/cli.h"
#include "ctl/cli/duration_option.h"
#include "ctl/cli/host_ha_commands.h"
#include "ctl/cli/table.h"
#include "ctl/controller/heartbeat.h"
#include "ctl/ha/fence_command.h"
#include "ctl/ha/ha_inventory.h"
#include "ctl/ha/ha_round.h"
#include "ctl/hosts/pki_files.h"
#include "ctl/images/image_import.h"

namespace xc {
namespace {

using nlohmann::json;

class StderrLog final : public LoopLog {
 public:
  explicit StderrLog(std::ostream& err) : err_(err) {}
  void event(const std::string& line) override {
    std::lock_guard<std::mutex> lock(mutex_);
    err_ << printable(line) << "\n";
  }

 private:
  std::ostream& err_;
  std::mutex mutex_;
};

struct HaCommand {
  std::string host;
  bool confirm_dead = false, dry_run = false;
  std::string fence_timeout = "30s", output = "table";
};

// The store, the clients and a fresh heartbeat; fails (and says why) when
// the host is unknown or answered just now.
struct Session {
  std::unique_ptr<Store> store;
  std::unique_ptr<HostClients> clients;
  StopSignal stop;
  Clock clock = system_now_ms;
  std::unique_ptr<StderrLog> log;
  std::unique_ptr<LoopWorld> world;
  std::string image_store;
};

bool open_session(CliContext& ctx, const CLI::App& cmd, const HaCommand& o, bool changing,
                  Session& s) {
  auto state = resolve_state_path(ctx);
  if (!state.ok()) {
    fail(ctx, state.status().message(), kExitUsage);
    return false;
  }
  s.store = changing ? open_state_for_change(ctx, cmd) : open_state_store(ctx);
  if (!s.store) return false;
  s.image_store = image_store_dir(*state);
  if (auto h = s.store->get_host(o.host); !h.ok()) {
    bool unknown = h.status().code() == Code::kNotFound;
    fail(ctx,
         cmd.get_name() + ": " +
             (unknown ? "unknown host \"" + o.host + "\"" : h.status().message()),
         unknown ? kExitUsage : kExitFailure);
    return false;
  }
  // A dead host must not hold the command long: 3 s per call.
  s.clients = std::make_unique<HostClients>(agent_connector(pki_files_for_state(*state), 3), 4);
  s.log = std::make_unique<StderrLog>(ctx.err);
  s.world = std::make_unique<LoopWorld>(LoopWorld{*s.store, *s.clients, s.clock, *s.log, s.stop});
  if (!changing) return true;
  auto beats = heartbeat_round(*s.world);
  if (!beats.ok()) {
    fail(ctx, beats.status().message(), kExitFailure);
    return false;
  }
  for (const HostHeartbeat& b : *beats)
    if (b.host == o.host && b.reachable) {
      fail(ctx,
           cmd.get_name() + ": host " + o.host +
               " answered its heartbeat just now: it is not dead; nothing was done",
           kExitFailure);
      return false;
    }
  return true;
}

void run_fence(CliContext& ctx, const HaCommand& o, const CLI::App& cmd) {
  auto timeout = parse_duration("--fence-timeout", o.fence_timeout, std::chrono::minutes(10));
  if (!timeout.ok()) return fail(ctx, timeout.status().message(), kExitUsage);
  Session s;
  if (!open_session(ctx, cmd, o, true, s)) return;
  AuditLog log(*s.store);
  if (Status w = log.check_writable(); !w.ok()) return fail(ctx, w.message(), kExitFailure);
  AuditRecord record = audit_identity_for(cmd).record("Host", "", o.host, "fence");
  if (o.confirm_dead) {
    Status done = record_change(log, record, nullptr, [&]() -> Status {
      return s.store->put_meta(fenced_meta_key(o.host), std::to_string(s.clock()));
    });
    if (!done.ok()) return fail(ctx, done.message(), kExitFailure);
    ctx.out << "host " << printable(o.host)
            << ": fenced by operator confirmation (audited); 'xcloudctl host evacuate "
            << printable(o.host) << "' restarts its ha: restart VMs elsewhere\n";
    return;
  }
  auto inv = load_ha_inventory(*s.store);
  if (!inv.ok()) return fail(ctx, inv.status().message(), kExitFailure);
  auto argv = inv->fence.find(o.host);
  if (argv == inv->fence.end())
    return fail(ctx,
                "host fence: host " + o.host +
                    " has no fence command (Host spec.fence); make sure it is off, then run "
                    "'xcloudctl host fence " +
                    o.host + " --confirm-dead'",
                kExitUsage);
  auto run = run_fence_command(argv->second, o.host,
                               std::chrono::duration_cast<std::chrono::milliseconds>(*timeout));
  bool fenced = run.ok() && run->fenced;
  std::string message = run.ok() ? "fence command " + run->summary() : run.status().message();
  if (run.ok() && !run->output.empty()) message += "; output: " + run->output;
  Status done = record_change(log, record, nullptr, [&]() -> Status {
    if (!fenced) return error(Code::kFailedPrecondition, message);
    return s.store->put_meta(fenced_meta_key(o.host), std::to_string(s.clock()));
  });
  if (!done.ok())
    return fail(ctx, "host fence " + o.host + ": " + done.message() + "; the host is not fenced",
                kExitFailure);
  ctx.out << "host " << printable(o.host) << ": fenced (" << printable(message) << ")\n";
}

void run_evacuate(CliContext& ctx, const HaCommand& o, const CLI::App& cmd) {
  if (o.output != "table" && o.output != "json")
    return fail(ctx, "host evacuate: -o: expected table or json", kExitUsage);
  auto timeout = parse_duration("--fence-timeout", o.fence_timeout, std::chrono::minutes(10));
  if (!timeout.ok()) return fail(ctx, timeout.status().message(), kExitUsage);
  Session s;
  if (!open_session(ctx, cmd, o, !o.dry_run, s)) return;
  if (!o.dry_run) {
    AuditLog log(*s.store);
    if (Status w = log.check_writable(); !w.ok()) return fail(ctx, w.message(), kExitFailure);
  }
  auto inv = load_ha_inventory(*s.store);
  if (!inv.ok()) return fail(ctx, inv.status().message(), kExitFailure);
  bool fenced = false;
  for (const HaHost& h : inv->world.hosts)
    if (h.name == o.host) fenced = fenced_now(h);
  if (!fenced && !o.dry_run)
    return fail(ctx,
                "host evacuate: host " + o.host + " is not fenced; run 'xcloudctl host fence " +
                    o.host +
                    "' (its fence command) or, once it is surely off, 'xcloudctl host fence " +
                    o.host + " --confirm-dead'; nothing was restarted",
                kExitFailure);
  HaRoundOptions options;
  options.decide.only_host = o.host;
  options.dry_run = o.dry_run;
  options.fence_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*timeout);
  options.who = audit_identity_for(cmd);
  options.image_store = s.image_store;
  auto steps = ha_round(*s.world, options, nullptr);
  if (!steps.ok()) return fail(ctx, steps.status().message(), kExitFailure);
  int restarted = 0, failed = 0;
  json out = json::array();
  Table table({"ACTION", "VM", "FROM", "TO", "RESULT"});
  for (const HaStep& st : *steps) {
    const HaAction& a = st.action;
    if (a.host != o.host) continue;
    std::string vm = a.name.empty() ? "" : object_key(a.tenant, a.name);
    bool ok = st.status.ok() && a.kind != HaActionKind::kCannot;
    if (a.kind == HaActionKind::kRestart && st.status.ok()) ++restarted;
    if (!ok) ++failed;
    std::string result = st.status.ok() ? st.detail : "FAILED: " + st.status.message();
    out.push_back({{"action", ha_action_name(a.kind)},
                   {"vm", vm},
                   {"from", a.host},
                   {"to", a.to_host},
                   {"ok", ok},
                   {"result", result}});
    table.add({ha_action_name(a.kind), vm, a.host, a.to_host, result});
  }
  if (o.output == "json") {
    ctx.out << out.dump(2) << "\n";
  } else {
    table.print(ctx.out);
    ctx.out << (o.dry_run ? "Plan for " : "Evacuated ") << printable(o.host) << ": "
            << (o.dry_run ? std::to_string(out.size()) + " step(s)"
                          : std::to_string(restarted) + " restarted elsewhere")
            << ", " << failed << " not restarted"
            << (o.dry_run && !fenced ? " (the host is not fenced yet: nothing would restart)" : "")
            << ".\n";
  }
  ctx.exit_code = failed == 0 ? kExitOk : kExitFailure;
}

}  // namespace

void add_host_ha_commands(CLI::App& host, CliContext& ctx) {
  auto o = std::make_shared<HaCommand>();
  auto* fence = host.add_subcommand(
      "fence", "Fence a dead host (its fence command, or your word) so HA may restart its VMs");
  fence->add_option("NAME", o->host, "The host")->required();
  fence->add_flag("--confirm-dead", o->confirm_dead,
                  "You made sure the host is off (power pulled, BMC says off): record that "
                  "instead of running its fence command");
  fence->add_option("--fence-timeout", o->fence_timeout, "How long the fence command may run")
      ->capture_default_str();
  fence->footer(
      "Examples:\n  xcloudctl host fence x86-01\n  xcloudctl host fence x86-01 --confirm-dead\n\n"
      "Refused while the host answers its heartbeat. Without --confirm-dead the Host's\n"
      "spec.fence command runs (no shell; exit 0 is the proof). Either way one audit record;\n"
      "the fence holds until the host is seen again. 'xcloudctl serve' (or 'host evacuate')\n"
      "then restarts its ha: restart VMs elsewhere. Exit codes: 0 fenced, 1 not fenced,\n"
      "2 bad usage.");
  fence->callback([&ctx, o, fence] { run_fence(ctx, *o, *fence); });

  auto e = std::make_shared<HaCommand>();
  auto* evacuate = host.add_subcommand(
      "evacuate", "Restart a fenced host's ha: restart VMs on other hosts of its pool, now");
  evacuate->add_option("NAME", e->host, "The host")->required();
  evacuate->add_flag("--dry-run", e->dry_run, "Show where each VM would restart; change nothing");
  evacuate->add_option("-o,--output", e->output, "table or json")->capture_default_str();
  evacuate->footer(
      "Examples:\n  xcloudctl host evacuate x86-01 --dry-run\n  xcloudctl host evacuate x86-01\n\n"
      "What 'xcloudctl serve' does after --ha-after, by hand and without waiting: the host\n"
      "must be fenced ('host fence'). Each VM with ha: restart goes to the host the scheduler\n"
      "picks in its pool (capacity, anti-affinity; hosts in maintenance excluded); its disks\n"
      "on the pool's sharedStorage are reused. A VM that cannot restart is named with why.\n"
      "Exit codes: 0 all restarted, 1 some not, 2 bad usage.");
  evacuate->callback([&ctx, e, evacuate] { run_evacuate(ctx, *e, *evacuate); });
}

}  // namespace xc
