// xcloudctl host maintenance NAME on|off and xcloudctl host drain NAME -f DIR:
// maintenance set by an operator (ctl/store/host_maintenance.h), and every VM
// of a host moved to hosts the scheduler picks, with the plan shown first.
// CLI wiring; one run per process.
#include <CLI/CLI.hpp>
#include <set>

#include "common/diagnostic.h"
#include "common/manifest_validator.h"
#include "common/price_caps.h"
#include "common/printable.h"
#include "ctl/audit/audit_log.h"
#include "ctl/cli/audit_commands.h"
#include "ctl/cli/cli.h"
#include "ctl/cli/image_register.h"
#include "ctl/cli/move_runner.h"
#include "ctl/cli/plan_printer.h"
#include "ctl/hosts/pki_files.h"
#include "ctl/images/image_import.h"
#include "ctl/store/host_maintenance.h"

namespace xc {
namespace {

void run_maintenance(CliContext& ctx, const std::string& host, const std::string& mode,
                     const CLI::App& cmd) {
  if (mode != "on" && mode != "off")
    return fail(ctx, "host maintenance: expected on or off, not \"" + mode + "\"", kExitUsage);
  auto store = open_state_for_change(ctx, cmd);
  if (!store) return;
  if (auto h = store->get_host(host); !h.ok())
    return fail(ctx,
                "host maintenance: " + (h.status().code() == Code::kNotFound
                                            ? "unknown host \"" + host + "\""
                                            : h.status().message()),
                h.status().code() == Code::kNotFound ? kExitUsage : kExitFailure);
  AuditLog log(*store);
  if (Status w = log.check_writable(); !w.ok()) return fail(ctx, w.message(), kExitFailure);
  AuditRecord record = audit_identity_for(cmd).record("Host", "", host, "maintenance-" + mode);
  Status done = record_change(log, record, nullptr, [&]() -> Status {
    return set_operator_maintenance(*store, host, mode == "on");
  });
  if (!done.ok()) return fail(ctx, done.message(), kExitFailure);
  ctx.out << "host " << printable(host) << ": maintenance " << mode
          << (mode == "on" ? " (receives no new VMs; 'host drain' moves its VMs away)" : "")
          << "\n";
}

struct DrainOptions {
  std::string host;
  std::vector<std::string> paths;
  int parallel = 4;
  bool dry_run = false, yes = false, insecure_migration = false;
};

void run_drain(CliContext& ctx, const DrainOptions& o, const CLI::App& cmd) {
  if (o.parallel < 1 || o.parallel > 64)
    return fail(ctx, "host drain: --parallel: expected 1 to 64", kExitUsage);
  Reconcile r;
  r.manifests = load_manifest_set(o.paths, builtin_price_caps());
  if (!r.manifests.ok()) {
    for (const auto& d : r.manifests.errors) ctx.err << format_diagnostic(d) << "\n";
    return fail(ctx, std::to_string(r.manifests.errors.size()) + " error(s); nothing was changed",
                kExitUsage);
  }
  bool declared = false;
  for (const auto& obj : r.manifests.objects)
    declared |= obj.kind == Kind::kHost && obj.meta.name == o.host;
  if (!declared)
    return fail(ctx, "host drain: host \"" + o.host + "\" is not declared in the manifests",
                kExitUsage);
  auto state = resolve_state_path(ctx);
  if (!state.ok()) return fail(ctx, state.status().message(), kExitUsage);
  r.store = o.dry_run ? open_state_store(ctx) : open_state_for_change(ctx, cmd);
  if (!r.store) return;
  r.clients = std::make_unique<HostClients>(pki_files_for_state(*state), 4 + o.parallel);
  AuditLog log(*r.store);
  if (!o.dry_run) {
    if (Status w = log.check_writable(); !w.ok()) return fail(ctx, w.message(), kExitFailure);
    if (Status s = settle_moves(ctx, *r.store, *r.clients, cmd); !s.ok())
      return fail(ctx, s.message() + "; nothing else was changed", kExitFailure);
  }
  ReconcileOptions options;
  options.plan.drain_hosts = {o.host};
  if (Status planned = plan_reconcile(r, options); !planned.ok())
    return fail(ctx, planned.message() + "; no VM was moved", kExitFailure);
  // The drained host's VMs: each a move, or a VM that cannot move and why.
  std::set<std::string> on_host;
  for (const auto& h : r.observed)
    if (h.name == o.host) {
      if (!h.reachable)
        return fail(ctx, "host drain: " + o.host + " is unreachable: " + h.error, kExitFailure);
      for (const auto& d : h.domains) on_host.insert(object_key(d.tenant, d.vm));
    }
  std::vector<MoveRequest> moves;
  std::vector<std::string> stuck;
  ctx.out << "Drain " << printable(o.host) << ": " << on_host.size() << " VM(s)\n";
  for (const PlanStep* s : r.plan.moves()) {
    if (s->from_host != o.host) continue;
    ctx.out << "> " << printable(describe_step(*s)) << " (" << s->move_mode << ")\n";
    auto request = move_request(r, *s);
    if (request.ok()) {
      request->insecure_migration = o.insecure_migration;
      moves.push_back(*request);
    } else
      stuck.push_back(s->key().str() + ": " + request.status().message());
  }
  for (const auto& u : r.plan.unplaceable)
    if (on_host.count(object_key(u.tenant, u.name)))
      stuck.push_back(object_key(u.tenant, u.name) + ": " + u.reason);
  for (const auto& s : stuck) ctx.out << "! cannot move VirtualMachine " << printable(s) << "\n";
  ctx.out << "Plan: " << moves.size() << " to migrate, " << stuck.size() << " cannot move.\n";
  if (o.dry_run) {
    ctx.exit_code = stuck.empty() ? kExitOk : kExitFailure;
    return;
  }
  int cold = 0;
  for (const auto& m : moves) cold += m.mode == MoveMode::kCold;
  if (cold > 0 && !confirm_destruction(ctx,
                                       "the drain moves " + std::to_string(cold) +
                                           " VM(s) cold (a running VM stops while its disks "
                                           "are copied)",
                                       o.yes)) {
    ctx.exit_code = kExitFailure;
    return;
  }
  // From here the host is in maintenance until an operator ends it.
  AuditRecord record = audit_identity_for(cmd).record("Host", "", o.host, "maintenance-on");
  Status on = record_change(log, record, nullptr, [&]() -> Status {
    return set_operator_maintenance(*r.store, o.host, true);
  });
  if (!on.ok()) return fail(ctx, on.message(), kExitFailure);
  int failed = 0;
  ImageSupplier images(*r.clients, image_store_dir(*state));
  for (const MoveOutcome& m :
       run_moves(ctx, *state, *r.clients, audit_identity_for(cmd), moves, o.parallel, &images)) {
    if (!m.result.ok()) {
      ++failed;
      stuck.push_back(m.request.tenant + "/" + m.request.name + ": " + m.result.status().message());
    }
  }
  if (Status s = report_supplied_images(*r.store, log, audit_identity_for(cmd), images,
                                        "host drain", ctx.out);
      !s.ok())
    print_error(ctx, "audit of the images sent: " + s.message());
  // What the hosts run now, for get and describe.
  std::set<std::string> touched = {o.host};
  for (const auto& m : moves) touched.insert(m.to_host);
  Status saved = save_observed(
      *r.store, r.desired,
      observe_hosts(*r.clients, std::vector<std::string>(touched.begin(), touched.end()),
                    o.parallel));
  if (!saved.ok()) print_error(ctx, "saving what the hosts run now: " + saved.message());
  for (const auto& s : stuck) print_error(ctx, "host drain " + o.host + ": cannot move " + s);
  ctx.out << "Drained " << printable(o.host) << ": " << moves.size() - failed << " moved, "
          << stuck.size() << " not moved; the host stays in maintenance"
          << (stuck.empty() ? " ('host maintenance " + o.host + " off' ends it)" : "") << ".\n";
  ctx.exit_code = stuck.empty() ? kExitOk : kExitFailure;
}

}  // namespace

void add_host_drain_commands(CLI::App& host, CliContext& ctx) {
  auto* maintenance =
      host.add_subcommand("maintenance", "Put a host in maintenance (no new VMs) or take it out");
  auto name = std::make_shared<std::string>();
  auto mode = std::make_shared<std::string>();
  maintenance->add_option("NAME", *name, "The host")->required();
  maintenance->add_option("MODE", *mode, "on or off")->required();
  maintenance->footer(
      "Examples:\n  xcloudctl host maintenance x86-01 on\n  xcloudctl host maintenance x86-01 "
      "off\n\n"
      "A host is in maintenance when its Host manifest says so or an operator put it there;\n"
      "'get hosts' shows it. It receives no new VMs; the VMs it runs stay ('host drain' moves\n"
      "them). One audit record each. Exit codes: 0 done, 1 failed, 2 bad usage.");
  maintenance->callback(
      [&ctx, name, mode, maintenance] { run_maintenance(ctx, *name, *mode, *maintenance); });

  auto o = std::make_shared<DrainOptions>();
  auto* drain =
      host.add_subcommand("drain", "Move every VM off a host, which stays in maintenance");
  drain->add_option("NAME", o->host, "The host")->required();
  drain->add_option("-f,--filename", o->paths, "Manifest file or folder (repeatable)")->required();
  drain->add_option("--parallel", o->parallel, "VMs moved at once")->capture_default_str();
  drain->add_flag("--dry-run", o->dry_run,
                  "Show each VM's target and what cannot move; change nothing");
  drain->add_flag("--yes,-y", o->yes, "Do not ask before cold moves stop running VMs");
  drain->add_flag("--insecure-migration", o->insecure_migration,
                  "Live moves go over plain TCP where a host has no TLS migration certificates "
                  "(refused otherwise)");
  drain->footer(
      "Examples:\n  xcloudctl host drain x86-01 -f manifests/ --dry-run\n"
      "  xcloudctl host drain x86-01 -f manifests/ --parallel 4 --yes\n\n"
      "Puts the host in maintenance, then moves each of its VMs (live when it runs and the\n"
      "hosts share arch and hypervisor, else cold) to the host the scheduler picks within its\n"
      "placement, respecting anti-affinity, capacity and quotas; live moves go over TLS\n"
      "(see 'vm migrate --help'). The plan is printed first; a\n"
      "VM that cannot move is named with the reason. The host stays in maintenance ('host\n"
      "maintenance NAME off' ends it). Exit codes: 0 all moved, 1 some VM not moved, 2 bad usage.");
  drain->callback([&ctx, o, drain] { run_drain(ctx, *o, *drain); });
}

}  // namespace xc
