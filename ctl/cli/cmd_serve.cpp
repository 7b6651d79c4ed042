// xcloudctl serve: the always-on controller (one per state, under
// STATE.serve.lock), running the loops of serve_loops.h until SIGTERM or
// SIGINT; and xcloudctl heartbeat: one heartbeat round for cron users and
// tests. CLI wiring; one run per process.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <mutex>
#include <thread>

#include "common/printable.h"
#include "common/time.h"
#include "ctl/audit/audit_record.h"
#include "ctl/backup/key_store.h"
#include "ctl/cli/api_server.h"
#include "ctl/cli/cli.h"
#include "ctl/cli/duration_option.h"
#include "ctl/cli/json_yaml.h"
#include "ctl/cli/operator_server.h"
#include "ctl/cli/serve_loops.h"
#include "ctl/cli/table.h"
#include "ctl/controller/heartbeat.h"
#include "ctl/controller/serve_runner.h"
#include "ctl/hosts/pki_files.h"
#include "ctl/images/image_import.h"
#include "ctl/store/state_path.h"

namespace xc {
namespace {

using nlohmann::json;

// One line per event on stderr (the journal under systemd), time first.
class StreamLog final : public LoopLog {
 public:
  explicit StreamLog(std::ostream& out) : out_(out) {}
  void event(const std::string& line) override {
    std::lock_guard<std::mutex> lock(mutex_);
    out_ << format_time_ms(system_now_ms()) << " " << printable(line) << "\n" << std::flush;
  }

 private:
  std::ostream& out_;
  std::mutex mutex_;
};

// Per loop: a connection of its own to the state, and clients whose calls
// end within the loop's timeout. One transport per host, so an SSH host's
// agent run (and its event ring) stays the same from call to call.
LoopResourceFactory resources_for(const std::string& state) {
  return [state](const Loop& loop) -> Result<LoopResources> {
    auto store = open_store(state, OpenMode::kExisting);
    if (!store.ok()) return store.status();
    LoopResources r;
    r.store = std::move(*store);
    r.hosts = std::make_unique<HostClients>(
        agent_connector(pki_files_for_state(state), static_cast<long>(loop.call_timeout.count())),
        1);
    return r;
  };
}

struct ServeOptions {
  std::string heartbeat = "10s", events_wait = "5s", collect = "60s", alarms = "15s";
  std::string ha_after = "60s", fence_timeout = "30s", backups = "60s", webhooks = "2s";
  std::string socket;            // operators' commands (ctl/cli/operator_server.h)
  std::string api;               // the supervision API (ctl/cli/api_server.h)
  bool remote_commands = false;  // and remote operators' commands there
  bool doors_only = false;       // the socket and the API without the loops
  int command_memory_mib = 256;  // their request bodies held at once
};

void run_serve(CliContext& ctx, const ServeOptions& o) {
  if (o.remote_commands && o.api.empty())
    return fail(ctx, "--remote-commands: needs --api ADDRESS:PORT (the HTTPS door)", kExitUsage);
  if (o.doors_only && o.socket.empty() && o.api.empty())
    return fail(ctx, "--doors-only: needs --socket PATH or --api ADDRESS:PORT", kExitUsage);
  if (o.command_memory_mib < 1 || o.command_memory_mib > 4096)
    return fail(ctx, "--command-memory: expected 1 to 4096 (MiB)", kExitUsage);
  auto heartbeat = parse_duration("--heartbeat", o.heartbeat, std::chrono::hours(1));
  if (!heartbeat.ok()) return fail(ctx, heartbeat.status().message(), kExitUsage);
  if (heartbeat->count() < 1) return fail(ctx, "--heartbeat: at least 1s", kExitUsage);
  auto wait = parse_duration("--events-wait", o.events_wait, std::chrono::seconds(60));
  if (!wait.ok()) return fail(ctx, wait.status().message(), kExitUsage);
  auto collect = parse_duration("--collect", o.collect, std::chrono::hours(1));
  if (!collect.ok()) return fail(ctx, collect.status().message(), kExitUsage);
  if (collect->count() < 10) return fail(ctx, "--collect: at least 10s", kExitUsage);
  auto alarms = parse_duration("--alarms", o.alarms, std::chrono::hours(1));
  if (!alarms.ok()) return fail(ctx, alarms.status().message(), kExitUsage);
  if (alarms->count() < 1) return fail(ctx, "--alarms: at least 1s", kExitUsage);
  auto webhooks = parse_duration("--webhooks", o.webhooks, std::chrono::hours(1));
  if (!webhooks.ok()) return fail(ctx, webhooks.status().message(), kExitUsage);
  if (webhooks->count() < 1) return fail(ctx, "--webhooks: at least 1s", kExitUsage);
  auto state = resolve_state_path(ctx);
  if (!state.ok()) return fail(ctx, state.status().message(), kExitUsage);
  {
    auto probe = open_store(*state, OpenMode::kExisting);  // migrates it, says why not
    if (!probe.ok()) return fail(ctx, probe.status().message(), kExitFailure);
  }
  // The lock keeps two sets of loops off one state; doors alone share it.
  StateLock lock;
  if (!o.doors_only) {
    LockHolder me{"serve", current_identity({}, "", "").actor, ::getpid(), system_now_ms()};
    auto held = StateLock::acquire_serve(*state, me, system_now_ms());
    if (!held.ok()) {
      bool busy = held.status().code() == Code::kUnavailable;
      return fail(ctx, held.status().message(), busy ? kExitBusy : kExitFailure);
    }
    lock = std::move(*held);
  }
  ServeSettings settings;
  settings.heartbeat = *heartbeat;
  settings.events_wait = *wait;
  settings.collect = *collect;
  settings.alarms = *alarms;
  settings.webhooks = *webhooks;
  auto ha_after = parse_duration("--ha-after", o.ha_after, std::chrono::hours(1));
  if (!ha_after.ok()) return fail(ctx, ha_after.status().message(), kExitUsage);
  auto fence_timeout = parse_duration("--fence-timeout", o.fence_timeout, std::chrono::minutes(10));
  if (!fence_timeout.ok()) return fail(ctx, fence_timeout.status().message(), kExitUsage);
  if (fence_timeout->count() < 1) return fail(ctx, "--fence-timeout: at least 1s", kExitUsage);
  settings.ha_after = *ha_after;
  settings.fence_timeout = *fence_timeout;
  auto backups = parse_duration("--backups", o.backups, std::chrono::hours(1));
  if (!backups.ok()) return fail(ctx, backups.status().message(), kExitUsage);
  if (backups->count() < 1) return fail(ctx, "--backups: at least 1s", kExitUsage);
  settings.backups = *backups;
  settings.backup_key = backup_key_path(state_dir(*state));
  settings.image_store = image_store_dir(*state);
  settings.state_path = *state;
  std::vector<Loop> loops;
  if (!o.doors_only) loops = serve_loops(settings);

  // The signals are blocked in every thread and taken by one waiting
  // thread, so the stop runs outside a signal handler.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  StopSignal stop;
  StreamLog log(ctx.err);
  std::thread waiter([set, &stop, &log] {
    int sig = 0;
    sigwait(&set, &sig);
    if (!stop.stopped())
      log.event(std::string("stopping (") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + ")");
    stop.stop();
  });
  // A server that cannot start ends serve before its loops run.
  auto give_up = [&](const Status& why) {
    stop.stop();
    pthread_kill(waiter.native_handle(), SIGTERM);
    waiter.join();
    fail(ctx, why.message(), kExitFailure);
  };
  std::unique_ptr<OperatorServer> operators;
  if (!o.socket.empty()) {
    auto server = OperatorServer::start({o.socket, *state}, log);
    if (!server.ok()) return give_up(server.status());
    operators = std::move(*server);
    log.event("operators' commands on " + o.socket);
  }
  std::unique_ptr<ApiServer> api;
  if (!o.api.empty()) {
    ApiServerOptions api_options;
    api_options.listen = o.api;
    api_options.state_path = *state;
    api_options.remote_commands = o.remote_commands;
    api_options.command_body_budget = static_cast<size_t>(o.command_memory_mib) << 20;
    auto server = ApiServer::start(api_options, log);
    if (!server.ok()) return give_up(server.status());
    api = std::move(*server);
    log.event("supervision API on " + o.api + " (port " + std::to_string(api->port()) + ")" +
              (o.remote_commands ? ", with remote operators' commands" : ""));
  }
  std::string names;
  for (const Loop& l : loops) names += (names.empty() ? "" : ", ") + l.name;
  if (o.doors_only)
    log.event("serving " + *state + " (pid " + std::to_string(::getpid()) + "): doors only");
  else
    log.event("serving " + *state + " (pid " + std::to_string(::getpid()) + "): loops " + names +
              "; heartbeat every " + std::to_string(heartbeat->count()) + " s");
  Clock clock = system_now_ms;
  Status ran = run_loops(loops, resources_for(*state), clock, log, stop);
  while (o.doors_only && !stop.wait_for(std::chrono::hours(1))) {
  }
  if (!stop.stopped()) {
    stop.stop();
    pthread_kill(waiter.native_handle(), SIGTERM);  // wake the waiter
  }
  waiter.join();
  operators.reset();  // waits for the operators' commands in progress
  api.reset();        // waits for the requests in progress
  if (!ran.ok()) return fail(ctx, ran.message(), kExitFailure);
  log.event("stopped");
}

struct HeartbeatOptions {
  std::string output;
};

void run_heartbeat(CliContext& ctx, const HeartbeatOptions& o) {
  auto state = resolve_state_path(ctx);
  if (!state.ok()) return fail(ctx, state.status().message(), kExitUsage);
  auto store = open_store(*state, OpenMode::kExisting);
  if (!store.ok()) return fail(ctx, store.status().message(), kExitFailure);
  HostClients clients(agent_connector(pki_files_for_state(*state), 10), 1);
  StopSignal stop;
  StreamLog log(ctx.err);
  Clock clock = system_now_ms;
  LoopWorld world{**store, clients, clock, log, stop};
  auto beats = heartbeat_round(world);
  if (!beats.ok()) return fail(ctx, beats.status().message(), kExitFailure);
  bool any_down = false;
  json out = json::array();
  Table table(o.output == "wide" ? std::vector<std::string>{"HOST", "STATE", "SINCE", "ERROR"}
                                 : std::vector<std::string>{"HOST", "STATE", "SINCE"});
  for (const HostHeartbeat& b : *beats) {
    std::string state = b.maintenance ? "maintenance" : b.reachable ? "ready" : "unreachable";
    if (!b.reachable) any_down = true;
    std::string since = b.reachable ? "" : format_time_ms(b.unreachable_since_ms);
    out.push_back({{"host", b.host},
                   {"state", state},
                   {"reachable", b.reachable},
                   {"unreachableSinceMs", b.unreachable_since_ms},
                   {"error", b.error}});
    if (o.output == "wide")
      table.add({b.host, state, since, b.error});
    else
      table.add({b.host, state, since});
  }
  if (o.output == "json")
    ctx.out << json_text(out) << "\n";
  else if (o.output == "yaml")
    ctx.out << json_to_yaml(out) << "\n";
  else
    table.print(ctx.out);
  ctx.exit_code = any_down ? kExitFailure : kExitOk;
}

}  // namespace

void add_serve_command(CLI::App& app, CliContext& ctx) {
  auto o = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand(
      "serve",
      "Run the always-on controller: host heartbeats, VM lifecycle events, metrics and alarms, "
      "until SIGTERM");
  cmd->add_option("--heartbeat", o->heartbeat, "How often every host is contacted (1s to 1h)")
      ->capture_default_str();
  cmd->add_option("--events-wait", o->events_wait,
                  "How long each agent holds a request for events open when it has none (0 to "
                  "60s); serve stops within about this long after SIGTERM")
      ->capture_default_str();
  cmd->add_option("--collect", o->collect,
                  "How often every host's metrics are collected (10s to 1h; `xcloudctl collect`)")
      ->capture_default_str();
  cmd->add_option("--alarms", o->alarms,
                  "How often the alarm rules are evaluated and notifications sent (1s to 1h; "
                  "`xcloudctl alarms evaluate`)")
      ->capture_default_str();
  cmd->add_option("--webhooks", o->webhooks,
                  "How often the Webhook subscriptions are sent the audit records new since "
                  "their last delivery (1s to 1h; `xcloudctl webhook deliver`)")
      ->capture_default_str();
  cmd->add_option("--ha-after", o->ha_after,
                  "HA: how long a host is unreachable before it is fenced and its `ha: restart` "
                  "VMs are restarted elsewhere (0 turns HA off; up to 1h)")
      ->capture_default_str();
  cmd->add_option("--fence-timeout", o->fence_timeout,
                  "HA: how long a host's fence command may run before it is killed and counted "
                  "as failed (1s to 10m)")
      ->capture_default_str();
  cmd->add_option("--backups", o->backups,
                  "How often the BackupPolicies' schedules are checked and due backups run (1s "
                  "to 1h; `xcloudctl backup schedule`)")
      ->capture_default_str();
  cmd->add_option("--socket", o->socket,
                  "Serve operators' commands on this Unix socket (e.g. "
                  "/run/xcloud/controller.sock): each is checked against the user's roles and "
                  "run for them");
  cmd->add_option("--api", o->api,
                  "Serve the read-only supervision API over HTTPS with client certificates "
                  "(`user cert`) on ADDRESS:PORT, e.g. 10.8.0.2:8443; off by default");
  cmd->add_flag("--remote-commands", o->remote_commands,
                "Also take operators' commands over --api's HTTPS (POST /v1/command): their "
                "client certificate, a TOTP login and their roles decide, as on --socket");
  cmd->add_option("--command-memory", o->command_memory_mib,
                  "With --remote-commands: MiB of commands' request bodies (their -f files) "
                  "held at once over all connections, 1 to 4096; a request past it is "
                  "answered 503 and the client may retry")
      ->capture_default_str();
  cmd->add_flag("--doors-only", o->doors_only,
                "Serve --socket and --api without the loops (heartbeats, events, metrics, "
                "alarms, webhooks, HA, backups) and without STATE.serve.lock: another door "
                "beside the controller that runs them, e.g. one per operators' host group");
  cmd->footer(
      "One serve per state database (it holds STATE.serve.lock; a second one exits 75).\n"
      "Each event is one line on stderr: hosts becoming unreachable or ready, VM lifecycle\n"
      "events. SIGTERM or SIGINT stops it after the rounds in progress (exit 0).\n"
      "Under systemd: packaging/systemd/xcloud-controller.service.\n\n"
      "Examples:\n"
      "  xcloudctl serve --state /var/lib/xcloud/state.db\n"
      "  xcloudctl serve --heartbeat 30s --events-wait 10s\n"
      "  xcloudctl serve --api 10.8.0.2:8443   # the supervision API (README)\n"
      "  xcloudctl serve --api 10.8.0.2:8443 --remote-commands   # remote operators\n"
      "  xcloudctl serve --ha-after 60s --fence-timeout 30s   # HA (the default)\n"
      "  xcloudctl serve --socket /run/xcloud/ops2.sock --doors-only   # a second door");
  cmd->callback([&ctx, o] { run_serve(ctx, *o); });

  auto h = std::make_shared<HeartbeatOptions>();
  auto* beat = app.add_subcommand(
      "heartbeat", "Contact every host once and record which are ready or unreachable");
  add_output_option(*beat, h->output, {"table", "wide", "json", "yaml"});
  beat->footer(
      "The heartbeat round of `xcloudctl serve`, once (for cron or a check). Changes of state\n"
      "are logged on stderr and stored as events. Exit 0 when every host answered, 1 when any\n"
      "is unreachable.\n\n"
      "Examples:\n"
      "  xcloudctl heartbeat\n"
      "  xcloudctl heartbeat -o wide");
  beat->callback([&ctx, h] { run_heartbeat(ctx, *h); });
}

}  // namespace xc
