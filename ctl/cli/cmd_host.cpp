// xcloudctl host upgrade NAME... --package PATH.deb: a rolling upgrade of the
// agents of hosts reached over SSH, one host at a time, each one audited.
// CLI wiring around ctl/hosts/host_upgrade.h; one run per process.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>

#include "common/model_builder.h"
#include "common/printable.h"
#include "common/sent_files.h"
#include "common/spelling.h"
#include "ctl/audit/audit_log.h"
#include "ctl/cli/audit_commands.h"
#include "ctl/cli/cli.h"
#include "ctl/cli/duration_option.h"
#include "ctl/cli/json_yaml.h"
#include "ctl/hosts/host_upgrade.h"
#include "ctl/store/store.h"

namespace xc {
namespace {

using nlohmann::json;

struct UpgradeCommand {
  std::vector<std::string> names;
  std::string package;
  std::string wait = "2m";
  std::string output = "table";
};

// Prints each step as "[2/3] kp-02: installing: dpkg -i ..." on stdout (on
// stderr with -o json|yaml, so stdout stays one document).
class PrintedProgress : public UpgradeProgress {
 public:
  explicit PrintedProgress(std::ostream& out) : out_(out) {}
  void step(size_t index, size_t total, const std::string& host, const std::string& what) override {
    out_ << "[" << index + 1 << "/" << total << "] " << printable(host) << ": " << printable(what)
         << "\n"
         << std::flush;
  }

 private:
  std::ostream& out_;
};

// The Host manifests the state holds, as upgrade targets by name.
Result<std::map<std::string, UpgradeTarget>> stored_hosts(Store& store) {
  auto records = store.list_resources(std::string("Host"));
  if (!records.ok()) return records.status();
  std::map<std::string, UpgradeTarget> out;
  for (const auto& r : *records) {
    json record = json::parse(r.spec_json, nullptr, false);
    if (!record.is_object() || !record.contains("manifest")) continue;
    YamlDocument doc;
    doc.file = "state";
    doc.tree = record["manifest"];
    Object host = build_object(doc);
    if (host.kind == Kind::kHost)
      out[r.name] = upgrade_target(r.name, host.as<HostSpec>(), doc.tree);
  }
  return out;
}

void run_upgrade(CliContext& ctx, const UpgradeCommand& o, const CLI::App& cmd) {
  auto wait = parse_duration("--wait", o.wait, std::chrono::hours(1));
  if (!wait.ok()) return fail(ctx, wait.status().message(), kExitUsage);
  auto state = resolve_state_path(ctx);
  if (!state.ok()) return fail(ctx, state.status().message(), kExitUsage);
  // Through the controller's socket: a copy of the operator's open package.
  auto local = local_file_for(o.package);
  if (!local.ok())
    return fail(ctx, local.status().message() + "; nothing was changed", kExitFailure);
  auto package = read_deb_package(*local, o.package);
  if (!package.ok())
    return fail(ctx, package.status().message() + "; nothing was changed",
                package.status().code() == Code::kInvalidArgument ? kExitUsage : kExitFailure);
  if (package->name != "xcloud-agent")
    return fail(ctx,
                "--package " + o.package + ": the package is " + package->name +
                    ", not xcloud-agent; nothing was changed",
                kExitUsage);
  auto opened = open_state_for_change(ctx, cmd);
  if (!opened) return;
  Store& store = *opened;
  auto hosts = stored_hosts(store);
  if (!hosts.ok()) return fail(ctx, hosts.status().message(), kExitFailure);

  // Every name first: an unknown host or one reached over TLS changes nothing.
  std::vector<std::string> known;
  for (const auto& [name, _] : *hosts) known.push_back(name);
  std::vector<UpgradeTarget> targets;
  for (const auto& name : o.names) {
    auto it = hosts->find(name);
    if (it == hosts->end())
      return fail(ctx,
                  "host '" + name + "' is not declared" + did_you_mean(name, known) +
                      "; nothing was changed",
                  kExitUsage);
    if (it->second.spec.transport != Transport::kSsh)
      return fail(ctx,
                  "host '" + name +
                      "' is reached over TLS only: host upgrade needs the SSH transport; upgrade "
                      "it with its package manager as README.md's \"Upgrading agents\" section "
                      "says. Nothing was changed",
                  kExitUsage);
    bool again = false;
    for (const auto& t : targets) again = again || t.host == name;
    if (!again) targets.push_back(it->second);
  }
  AuditLog log(store);
  if (Status w = log.check_writable(); !w.ok()) return fail(ctx, w.message(), kExitFailure);

  const bool table = o.output == "table";
  PrintedProgress progress(table ? ctx.out : ctx.err);
  UpgradeOptions options;
  options.wait_polls = std::max<int>(1, static_cast<int>(wait->count()));
  const AuditIdentity who = audit_identity_for(cmd);
  const std::string to = upstream_version(package->version);
  auto audited = [&](const UpgradeTarget& t, const HostUpgrade& result,
                     const std::function<Status()>& work) {
    AuditRecord record = who.record("Host", "", t.host, "upgrade");
    record.message = "agent to " + to + " from package " + o.package;
    return record_change(log, record, work, nullptr, [&](AuditRecord& r) {
      r.message = "agent " + (result.before.empty() ? "(not answering)" : result.before) + " -> " +
                  result.after + " from package " + o.package;
    });
  };
  auto started = std::chrono::steady_clock::now();
  std::vector<HostUpgrade> results =
      roll_upgrade(*package, targets, ssh_upgrade_connector(pki_files_for_state(*state)), progress,
                   options, audited);

  json items = json::array();
  std::vector<std::string> left;
  for (const auto& r : results) {
    std::string result = !r.started ? "not started" : r.status.ok() ? "ok" : "error";
    json item = {{"host", r.host}, {"result", result}, {"before", r.before}, {"after", r.after}};
    if (r.started && !r.status.ok()) item["message"] = r.status.message();
    items.push_back(item);
    if (!r.started) left.push_back(r.host);
    if (r.started && !r.status.ok()) {
      ctx.exit_code = kExitFailure;
      print_error(ctx, "host " + r.host + ": upgrade failed: " + r.status.message());
    } else if (r.started && table) {
      ctx.out << printable(r.host) << ": agent " << printable(r.after) << " answers (was "
              << printable(r.before.empty() ? "not answering" : r.before) << ")\n";
    }
  }
  if (!left.empty()) {
    std::string list;
    for (const auto& h : left) list += (list.empty() ? "" : ", ") + h;
    print_error(ctx, "the roll stopped at the first failure; not upgraded: " + list);
  }
  if (o.output == "json") ctx.out << json_text(items) << "\n";
  if (o.output == "yaml") ctx.out << json_to_yaml(items);
  if (table && ctx.exit_code == kExitOk) {
    ctx.out << "Upgraded " << results.size() << " host(s) to " << printable(to) << " in "
            << seconds_text(std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started))
            << ".\n";
  }
}

}  // namespace

void add_host_upgrade_command(CLI::App& host, CliContext& ctx) {
  auto o = std::make_shared<UpgradeCommand>();
  auto* upgrade = host.add_subcommand(
      "upgrade", "Roll a new agent package onto hosts reached over SSH, one host at a time");
  upgrade->add_option("NAME", o->names, "Hosts, upgraded in this order")->required();
  upgrade->add_option("--package", o->package, "The xcloud-agent .deb to install")->required();
  upgrade
      ->add_option("--wait", o->wait,
                   "How long to wait for each upgraded agent to answer (at most 1h)")
      ->capture_default_str();
  add_output_option(*upgrade, o->output, {"table", "json", "yaml"});
  upgrade->footer(
      "Examples:\n"
      "  xcloudctl host upgrade kp-01 --package xcloud-agent_0.2.1_arm64.deb\n"
      "  xcloudctl host upgrade x86-01 x86-02 x86-03 --package xcloud-agent_0.2.1_amd64.deb "
      "--reason CHG-1207\n\n"
      "For each host in turn: copy the package over SSH, run the Host's ssh.installCommand\n"
      "(default: dpkg -i {package}), then its ssh.restartCommand (default: restart the\n"
      "xcloud-agent unit if it is active), then wait until the agent answers with the\n"
      "package's version. The roll stops at the first host that fails; the hosts after it\n"
      "are left alone. Running VMs are not touched: the agent holds no VM state.\n"
      "Each host is one audit record. Hosts reached over TLS only are refused: see\n"
      "README.md, \"Upgrading agents\".\n"
      "Exit codes: 0 all upgraded, 1 a host failed, 2 bad usage, an unknown host or a TLS\n"
      "host (nothing changed).");
  upgrade->callback([&ctx, o, upgrade] { run_upgrade(ctx, *o, *upgrade); });
}

}  // namespace xc
