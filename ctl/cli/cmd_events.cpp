// xcloudctl events: what `serve` learnt, newest last (VM lifecycle events
// from the agents, hosts becoming unreachable or ready), filtered by VM, host
// and time; and xcloudctl events pull: one events round for cron users and
// tests. CLI wiring; one run per process.
#include <CLI/CLI.hpp>
#include <mutex>
#include <set>

#include "common/spelling.h"
#include "common/time.h"
#include "ctl/cli/cli.h"
#include "ctl/cli/duration_option.h"
#include "ctl/cli/json_yaml.h"
#include "ctl/cli/table.h"
#include "ctl/controller/event_pull.h"
#include "ctl/hosts/pki_files.h"

namespace xc {
namespace {

using nlohmann::json;

struct EventsOptions {
  std::string vm, tenant, host, since, output;
  int64_t limit = 200;
};

// A VM or host the state does not know is an error with a "did you mean";
// one that only events still name (deleted since) is fine.
Status check_names(Store& store, EventFilter& f, const EventsOptions& o) {
  auto all = store.list_events({});
  if (!all.ok()) return all.status();
  if (!o.vm.empty()) {
    std::string name = o.vm, tenant = o.tenant;
    if (size_t slash = name.rfind('/'); slash != std::string::npos) {
      tenant = name.substr(0, slash);
      name = name.substr(slash + 1);
    }
    auto vms = store.list_resources(std::string("VirtualMachine"));
    if (!vms.ok()) return vms.status();
    std::vector<std::string> names;
    std::set<std::string> tenants;
    for (const auto& r : *vms) {
      names.push_back(r.name);
      if (r.name == name && (tenant.empty() || r.tenant == tenant)) tenants.insert(r.tenant);
    }
    for (const auto& e : *all) {
      if (e.vm.empty()) continue;
      names.push_back(e.vm);
      if (e.vm == name && (tenant.empty() || e.tenant == tenant)) tenants.insert(e.tenant);
    }
    if (tenants.empty())
      return error(Code::kNotFound, "VM \"" + o.vm + "\" not found" +
                                        (tenant.empty() ? "" : " in tenant " + tenant) +
                                        did_you_mean(name, names));
    if (tenants.size() > 1)
      return error(Code::kInvalidArgument, "VM \"" + name + "\" exists in " +
                                               std::to_string(tenants.size()) +
                                               " tenants; choose one with --tenant or TENANT/NAME");
    f.tenant = *tenants.begin();
    f.vm = name;
  } else if (!o.tenant.empty()) {
    return error(Code::kInvalidArgument, "--tenant: only with --vm");
  }
  if (!o.host.empty()) {
    auto hosts = store.list_hosts();
    if (!hosts.ok()) return hosts.status();
    std::vector<std::string> names;
    bool known = false;
    for (const auto& h : *hosts) {
      names.push_back(h.name);
      known |= h.name == o.host;
    }
    for (const auto& e : *all) known |= e.host == o.host;
    if (!known)
      return error(Code::kNotFound,
                   "host \"" + o.host + "\" not found" + did_you_mean(o.host, names));
    f.host = o.host;
  }
  return {};
}

json event_json(const EventRecord& e) {
  return {{"time", format_time_ms(e.time_ms)},
          {"timeMs", e.time_ms},
          {"receivedMs", e.received_ms},
          {"host", e.host},
          {"tenant", e.tenant},
          {"vm", e.vm},
          {"domain", e.domain},
          {"type", e.type},
          {"detail", e.detail},
          {"bootId", e.boot_id},
          {"seq", e.agent_seq}};
}

void run_events(CliContext& ctx, const EventsOptions& o) {
  if (o.limit < 1 || o.limit > 100000) return fail(ctx, "--limit: 1 to 100000", kExitUsage);
  EventFilter f;
  f.limit = o.limit;
  if (!o.since.empty()) {
    auto since = parse_since("--since", o.since, system_now_ms());
    if (!since.ok()) return fail(ctx, since.status().message(), kExitUsage);
    f.since_ms = *since;
  }
  auto store = open_state_store(ctx);
  if (!store) return;
  if (Status s = check_names(*store, f, o); !s.ok())
    return fail(ctx, s.message(),
                s.code() == Code::kNotFound || s.code() == Code::kInvalidArgument ? kExitUsage
                                                                                  : kExitFailure);
  auto events = store->list_events(f);
  if (!events.ok()) return fail(ctx, events.status().message(), kExitFailure);
  if (o.output == "json" || o.output == "yaml") {
    json out = json::array();
    for (const auto& e : *events) out.push_back(event_json(e));
    ctx.out << (o.output == "json" ? json_text(out) : json_to_yaml(out)) << "\n";
    return;
  }
  const bool wide = o.output == "wide";
  Table table(wide ? std::vector<std::string>{"TIME", "HOST", "VM", "TYPE", "DETAIL", "DOMAIN",
                                              "SEQ", "RECEIVED"}
                   : std::vector<std::string>{"TIME", "HOST", "VM", "TYPE", "DETAIL"});
  for (const auto& e : *events) {
    std::string vm =
        e.vm.empty() ? (e.domain.empty() ? "-" : "(" + e.domain + ")") : e.tenant + "/" + e.vm;
    if (wide)
      table.add({format_time_ms(e.time_ms), e.host, vm, e.type, e.detail, e.domain,
                 e.agent_seq > 0 ? std::to_string(e.agent_seq) : "-",
                 format_time_ms(e.received_ms)});
    else
      table.add({format_time_ms(e.time_ms), e.host, vm, e.type, e.detail});
  }
  if (table.size() == 0) {
    ctx.out << "No events" << (f.since_ms ? " in that time" : "")
            << ". `xcloudctl serve` (or `events pull`) stores them.\n";
    return;
  }
  table.print(ctx.out);
  if (static_cast<int64_t>(table.size()) == o.limit)
    ctx.out << "(the newest " << o.limit << "; --limit shows more)\n";
}

class ErrLog final : public LoopLog {
 public:
  explicit ErrLog(CliContext& ctx) : ctx_(ctx) {}
  void event(const std::string& line) override {
    std::lock_guard<std::mutex> lock(mutex_);
    print_error(ctx_, line);
  }

 private:
  CliContext& ctx_;
  std::mutex mutex_;
};

void run_pull(CliContext& ctx, const std::string& wait_text) {
  auto wait = parse_duration("--wait", wait_text, std::chrono::seconds(60));
  if (!wait.ok()) return fail(ctx, wait.status().message(), kExitUsage);
  auto state = resolve_state_path(ctx);
  if (!state.ok()) return fail(ctx, state.status().message(), kExitUsage);
  auto store = open_store(*state, OpenMode::kExisting);
  if (!store.ok()) return fail(ctx, store.status().message(), kExitFailure);
  HostClients clients(
      agent_connector(pki_files_for_state(*state), static_cast<long>(wait->count()) + 15), 1);
  StopSignal stop;
  ErrLog log(ctx);
  Clock clock = system_now_ms;
  LoopWorld world{**store, clients, clock, log, stop};
  EventPullOptions options;
  options.wait = *wait;
  auto summary = events_round(world, options);
  if (!summary.ok()) return fail(ctx, summary.status().message(), kExitFailure);
  ctx.out << "stored " << summary->stored << " events from " << summary->hosts << " hosts";
  if (summary->failed > 0) ctx.out << " (" << summary->failed << " could not be read)";
  ctx.out << "\n";
  ctx.exit_code = summary->failed > 0 ? kExitFailure : kExitOk;
}

}  // namespace

void add_events_command(CLI::App& app, CliContext& ctx) {
  auto o = std::make_shared<EventsOptions>();
  auto* cmd = app.add_subcommand(
      "events", "VM lifecycle events and host state changes, as `xcloudctl serve` stored them");
  cmd->add_option("--vm", o->vm, "One VM: NAME or TENANT/NAME");
  cmd->add_option("--tenant", o->tenant, "The tenant of --vm NAME");
  cmd->add_option("--host", o->host, "One host's events");
  cmd->add_option("--since", o->since,
                  "From this long ago (90m, 1h, 2d) or this time (2026-12-01, an RFC 3339 time)");
  cmd->add_option("--limit", o->limit, "At most the newest N")->capture_default_str();
  add_output_option(*cmd, o->output, {"table", "wide", "json", "yaml"});
  cmd->footer(
      "Types: started, stopped, shutdown (by the guest), crashed, paused (io-error, ...),\n"
      "resumed, migrated (in, out), defined, undefined; and host-unreachable, host-ready,\n"
      "agent-restarted, events-lost from the controller. Times are UTC. Kept 400 days.\n\n"
      "Examples:\n"
      "  xcloudctl events --since 1h\n"
      "  xcloudctl events --vm education/edu-portal-web-1 -o wide\n"
      "  xcloudctl events --host x86-01 --since 2026-12-01 -o json\n"
      "  xcloudctl events pull");
  cmd->require_subcommand(0, 1);
  auto wait = std::make_shared<std::string>("0s");
  auto* pull = cmd->add_subcommand(
      "pull", "Read every host's new events once and store them (what serve does continuously)");
  pull->add_option("--wait", *wait,
                   "Keep reading this long, each agent holding the request until it has an event "
                   "(0 to 60s; 0: read what is there and return)")
      ->capture_default_str();
  pull->footer(
      "For cron users and tests; exit 1 when a host's events could not be read.\n\n"
      "Examples:\n  xcloudctl events pull\n  xcloudctl events pull --wait 5s");
  pull->callback([&ctx, wait] { run_pull(ctx, *wait); });
  cmd->callback([&ctx, o, cmd] {
    for (const CLI::App* sub : cmd->get_subcommands())
      if (sub->parsed()) return;
    run_events(ctx, *o);
  });
}

}  // namespace xc
