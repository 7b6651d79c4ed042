// xcloudctl vm start|stop|shutdown|reboot NAME...: imperative power changes on
// the VMs' hosts (domain.power), one audit record each. They never change the
// declared spec: a stop that contradicts `power: running` is drift at the next
// diff. CLI wiring; one run per process.
#include <CLI/CLI.hpp>
#include <future>
#include <iomanip>
#include <set>
#include <sstream>

#include "common/printable.h"
#include "common/stop_timeouts.h"
#include "ctl/audit/audit_log.h"
#include "ctl/cli/audit_commands.h"
#include "ctl/cli/cli.h"
#include "ctl/cli/clone_commands.h"
#include "ctl/cli/clone_plan.h"
#include "ctl/cli/duration_option.h"
#include "ctl/cli/json_yaml.h"
#include "ctl/cli/table.h"
#include "ctl/cli/vm_target.h"
#include "ctl/hosts/host_clients.h"
#include "ctl/hosts/pki_files.h"
#include "ctl/store/host_health.h"

namespace xc {
namespace {

using nlohmann::json;

struct VmOptions {
  std::vector<std::string> names;
  std::string tenant, timeout = "120s", output;
  bool force = false;
};

struct Outcome {
  VmTarget vm;
  Status status;
  json reply;  // domain.power's result
};

// What happened, in words: "shut down by the guest in 2.1 s".
std::string describe(const json& reply, int64_t timeout_s) {
  std::string outcome = reply.value("outcome", "");
  int64_t waited = reply.value("waited_ms", int64_t{0});
  if (outcome == "guest")
    return "shut down by the guest in " + seconds_text(std::chrono::milliseconds(waited));
  if (outcome == "powered-off") {
    if (reply.value("shutdown_refused", false))
      return "powered off (the guest has no ACPI: the request was refused)";
    return waited > 0 ? "powered off after " + std::to_string(timeout_s) +
                            " s (the guest did not shut down)"
                      : "powered off";
  }
  if (outcome == "already-off") return "already stopped";
  if (outcome == "already-running") return "already running";
  if (outcome == "started") return "started";
  if (outcome == "reboot-requested") return "reboot requested (ACPI)";
  if (outcome == "reset") return "reset";
  return outcome;
}

// The new state in the host's last snapshot, so `get vms` shows it before
// the next contact.
Status note_observed_state(Store& store, const std::string& host, const std::string& domain,
                           const std::string& state) {
  auto h = store.get_host(host);
  if (!h.ok()) return h.status().code() == Code::kNotFound ? Status{} : h.status();
  json snapshot = json::parse(h->facts_json, nullptr, false);
  if (!set_domain_state(snapshot, domain, state)) return {};
  HostRecord updated = *h;
  updated.facts_json = snapshot.dump();
  return store.upsert_host(updated);
}

void run_vm(CliContext& ctx, const std::string& verb, const VmOptions& o, const CLI::App& cmd) {
  const bool stop = verb == "stop" || verb == "shutdown";
  if (o.force && verb == "start") return fail(ctx, "vm start: --force does not apply", kExitUsage);
  auto timeout = parse_duration("--timeout", o.timeout, kMaxStopTimeout);
  if (!timeout.ok()) return fail(ctx, timeout.status().message(), kExitUsage);
  auto state = resolve_state_path(ctx);
  if (!state.ok()) return fail(ctx, state.status().message(), kExitUsage);
  auto opened = open_state_for_change(ctx, cmd);
  if (!opened) return;
  Store& store = *opened;

  // Every name first: an unknown one changes nothing.
  std::vector<Outcome> runs;
  for (const auto& name : o.names) {
    auto vm = find_vm(store, name, o.tenant);
    if (!vm.ok())
      return fail(
          ctx, vm.status().message() + "; nothing was changed",
          vm.status().code() == Code::kNotFound || vm.status().code() == Code::kInvalidArgument
              ? kExitUsage
              : kExitFailure);
    if (verb == "start") {  // a template's writes would change what its linked clones read
      auto clones = stored_linked_clones(store, vm->record.tenant, vm->record.name);
      if (!clones.ok()) return fail(ctx, clones.status().message(), kExitFailure);
      if (!clones->empty())
        return fail(ctx,
                    "vm start: " + object_key(vm->record.tenant, vm->record.name) + " has " +
                        std::to_string(clones->size()) + " linked clone(s) (" + clones->front() +
                        (clones->size() > 1 ? ", ..." : "") +
                        ") backed by its disks; delete them first; nothing was changed",
                    kExitFailure);
    }
    runs.push_back({*vm, {}, {}});
  }
  AuditLog log(store);
  if (Status w = log.check_writable(); !w.ok()) return fail(ctx, w.message(), kExitFailure);

  HostClients clients(pki_files_for_state(*state), 4);
  std::set<std::string> hosts;
  for (const auto& r : runs) {
    if (r.vm.host.empty() || !hosts.insert(r.vm.host).second) continue;
    auto h = store.get_host(r.vm.host);
    if (h.ok()) clients.add_host(host_object(store, *h));
  }
  json params = {{"action", verb == "start" ? "start" : verb == "reboot" ? "reboot" : "shutdown"}};
  if (stop) params["timeout_s"] = timeout->count();
  if (o.force) params["force"] = true;
  // The hosts work in parallel (a graceful stop may wait minutes); the
  // records are written here, in the order the names were given.
  std::vector<std::future<Result<json>>> calls;
  for (const auto& r : runs) {
    json p = params;
    p["name"] = r.vm.domain;
    std::string host = r.vm.host;
    calls.push_back(std::async(std::launch::async, [&clients, host, p]() -> Result<json> {
      if (host.empty()) return error(Code::kFailedPrecondition, "not placed on any host");
      return clients.call(host, "domain.power", p);
    }));
  }
  const AuditIdentity who = audit_identity_for(cmd);
  const bool table = o.output == "table";
  json results = json::array();
  size_t done = 0;
  for (size_t i = 0; i < runs.size(); ++i) {
    Outcome& r = runs[i];
    Result<json> reply = calls[i].get();
    const std::string key = object_key(r.vm.record.tenant, r.vm.record.name);
    AuditRecord record = who.record("VirtualMachine", r.vm.record.tenant, r.vm.record.name, verb);
    record.hash_before = record.hash_after = r.vm.record.spec_hash;  // the spec is unchanged
    std::string where = "host " + r.vm.host + ", domain " + r.vm.domain;
    if (reply.ok()) {
      r.reply = *reply;
      record.message =
          where + ": " + describe(*reply, timeout->count()) + (o.force ? " (--force)" : "");
      std::string new_state = reply->value("state", "");
      r.status = record_change(log, record, nullptr, [&]() -> Status {
        return note_observed_state(store, r.vm.host, r.vm.domain, new_state);
      });
    } else {
      record.message = where;
      r.status = record_change(
          log, record, [&] { return reply.status(); }, nullptr);
    }
    ++done;
    std::ostream& progress = table ? ctx.out : ctx.err;
    std::string counter =
        runs.size() > 1 ? "[" + std::to_string(done) + "/" + std::to_string(runs.size()) + "] "
                        : "";
    if (r.status.ok()) {
      progress << counter << printable(key) << ": "
               << printable(describe(r.reply, timeout->count())) << " (" << printable(r.vm.host)
               << ", now " << printable(r.reply.value("state", "")) << ")\n";
    } else {
      ctx.exit_code = kExitFailure;
      print_error(ctx, counter + "vm " + verb + " " + key + ": " + r.status.message());
    }
    json row = {{"vm", r.vm.record.name}, {"tenant", r.vm.record.tenant},
                {"host", r.vm.host},      {"domain", r.vm.domain},
                {"action", verb},         {"result", r.status.ok() ? "ok" : "error"}};
    if (r.status.ok()) {
      row["before"] = r.reply.value("before", "");
      row["state"] = r.reply.value("state", "");
      row["outcome"] = r.reply.value("outcome", "");
      row["message"] = describe(r.reply, timeout->count());
      if (r.reply.contains("waited_ms")) row["waitedMs"] = r.reply["waited_ms"];
    } else {
      row["message"] = r.status.message();
    }
    results.push_back(row);
  }
  if (o.output == "json") ctx.out << json_text(results) << "\n";
  if (o.output == "yaml") ctx.out << json_to_yaml(results);
  if (stop && table)
    ctx.out << "hint: the declared spec is unchanged; a VM declared 'power: running' shows as "
               "drift in the next diff and the next apply starts it again\n";
}

void add_power_verb(CLI::App& vm, CliContext& ctx, const std::string& verb, const std::string& what,
                    const std::string& examples) {
  auto o = std::make_shared<VmOptions>();
  auto* cmd = vm.add_subcommand(verb, what);
  cmd->add_option("NAME", o->names, "VMs (one or more)")->required();
  cmd->add_option("--tenant", o->tenant, "The tenant of the VMs, when a name is not unique");
  if (verb != "start") {
    cmd->add_flag("--force", o->force,
                  verb == "reboot" ? "Reset at once instead of asking the guest"
                                   : "Power off at once instead of asking the guest");
  }
  if (verb == "stop" || verb == "shutdown") {
    cmd->add_option("--timeout", o->timeout,
                    "How long to wait for the guest before powering it off (at most 240s)")
        ->capture_default_str();
  }
  add_output_option(*cmd, o->output, {"table", "json", "yaml"});
  cmd->footer("Examples:\n" + examples +
              "\n\nThe declared spec is never changed: a VM declared 'power: running' that is "
              "stopped here\nshows as drift in the next 'xcloudctl diff' and is started again by "
              "the next apply.\nEach VM's change is one audit record (who: the OS user, --as, "
              "--reason).\nExit codes: 0 done, 1 a host failed, 2 bad usage or an unknown VM "
              "(nothing changed).");
  cmd->callback([&ctx, verb, o, cmd] { run_vm(ctx, verb, *o, *cmd); });
}

}  // namespace

void add_vm_command(CLI::App& app, CliContext& ctx) {
  auto* vm = app.add_subcommand(
      "vm", "Power a VM on, off or through a reboot on its host, or move it to another");
  vm->require_subcommand(1);
  vm->footer(
      "Examples:\n  xcloudctl vm stop edu-portal-web-1 --timeout 60s\n"
      "  xcloudctl vm reboot edu-portal-web-1 edu-portal-web-2 --tenant education\n"
      "  xcloudctl vm migrate edu-portal-web-1 --to x86-02\n"
      "  xcloudctl vm clone edu-portal-web-1 edu-portal-web-3\n\n"
      "Run 'xcloudctl vm COMMAND --help' for a command's options.");
  add_power_verb(*vm, ctx, "start", "Start stopped VMs",
                 "  xcloudctl vm start edu-portal-web-1\n  xcloudctl vm start web-1 web-2 --tenant "
                 "education -o json");
  add_power_verb(
      *vm, ctx, "stop",
      "Shut VMs down: ask the guest (ACPI), power off after --timeout (same as shutdown)",
      "  xcloudctl vm stop edu-portal-web-1\n  xcloudctl vm stop edu-portal-web-1 --timeout "
      "30s\n  xcloudctl vm stop edu-portal-web-1 --force   # power off at once");
  add_power_verb(*vm, ctx, "shutdown",
                 "Shut VMs down: ask the guest (ACPI), power off after --timeout (same as stop)",
                 "  xcloudctl vm shutdown edu-portal-web-1 --timeout 2m\n"
                 "  xcloudctl vm shutdown edu-portal-web-1 --as alice --reason CHG-1207");
  add_power_verb(*vm, ctx, "reboot", "Reboot VMs: ask the guest (ACPI), or reset with --force",
                 "  xcloudctl vm reboot edu-portal-web-1\n  xcloudctl vm reboot edu-portal-web-1 "
                 "--force   # hard reset");
  add_vm_migrate_command(*vm, ctx);
  add_vm_clone_command(*vm, ctx);
}

}  // namespace xc
