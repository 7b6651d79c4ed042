// xcloudctl audit list, export, prune and note; the shared helpers of the
// audit commands; and the global --as/--reason options.
#include "ctl/cli/audit_commands.h"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/printable.h"
#include "common/sm_crypto.h"
#include "common/time.h"
#include "ctl/audit/audit_json.h"
#include "ctl/audit/audit_log.h"
#include "ctl/audit/audit_seal.h"
#include "ctl/audit/audit_syslog.h"
#include "ctl/cli/audit_cli.h"
#include "ctl/cli/caller.h"
#include "ctl/cli/known_names.h"
#include "ctl/cli/table.h"
#include "ctl/report/csv.h"
#include "ctl/store/state_path.h"

namespace xc {

namespace audit_cli {

void fail(CliContext& ctx, const Status& status, int exit_code) {
  print_error(ctx, status.message());
  ctx.exit_code = exit_code;
}

bool self_test_passes(CliContext& ctx) {
  Status st = sm_self_test();
  if (!st.ok()) fail(ctx, st);
  return st.ok();
}

Result<std::string> default_checkpoint_path(const CliContext& ctx) {
  if (const char* env = std::getenv("XCLOUD_AUDIT_CHECKPOINTS"); env != nullptr && *env != '\0') {
    return std::string(env);
  }
  Result<std::string> path = resolve_state_path(ctx);
  if (!path.ok()) return path.status();
  return state_dir(*path) + "/audit-checkpoints.jsonl";
}

Result<std::string> read_text_file(const std::string& path, const std::string& what) {
  std::ifstream in(path);
  if (!in) return error(Code::kNotFound, what + " " + path + ": cannot be read");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace audit_cli

using namespace audit_cli;

namespace {

// KIND/NAME or KIND/TENANT/NAME into the filter (or a record's object).
bool parse_object(const std::string& text, std::string& kind, std::string& rest) {
  size_t slash = text.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == text.size()) return false;
  kind = text.substr(0, slash);
  rest = text.substr(slash + 1);
  return true;
}

std::string object_path(const AuditRecord& r) {
  return r.tenant.empty() ? r.name : r.tenant + "/" + r.name;
}

void print_records(std::ostream& out, const std::vector<AuditRecord>& records,
                   const std::string& format) {
  if (format == "json") {
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    // With what a reader needs to recompute each link of the chain
    // (canonical_encoding takes time_ms; the first record's link starts
    // from prev_digest).
    for (const AuditRecord& r : records) all.push_back(audit_link_json(r));
    out << all.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return;
  }
  if (format == "csv") {
    // The BOM makes spreadsheet programs read the file as UTF-8.
    out << kCsvBom;
    auto line = [&](const nlohmann::ordered_json& j, bool keys) {
      std::string text;
      for (const auto& [key, value] : j.items()) {
        if (!text.empty()) text += ',';
        text += csv_field(keys ? key : value.is_string() ? value.get<std::string>() : value.dump());
      }
      out << text << "\r\n";
    };
    line(audit_record_json(AuditRecord{}), true);
    for (const AuditRecord& r : records) line(audit_record_json(r), false);
    return;
  }
  Table table({"SEQ", "TIME", "ACTOR", "OBJECT", "ACTION", "RESULT", "REASON", "MESSAGE"});
  for (const AuditRecord& r : records) {
    std::string object = r.kind + (object_path(r).empty() ? "" : "/" + object_path(r));
    table.add({std::to_string(r.seq), format_time_ms(r.time_ms),
               r.actor + (r.as_user.empty() ? "" : " as " + r.as_user), object, r.action, r.result,
               r.reason, r.message});
  }
  table.print(out);
}

void add_list(CLI::App& audit, CliContext& ctx) {
  struct Options {
    std::string since, until, actor, tenant, object, format;
    int64_t after = -1;
    size_t limit = 0;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = audit.add_subcommand("list", "Show audit records, oldest first");
  cmd->add_option("--since", o->since,
                  "Records at or after this time (YYYY-MM-DD[THH:MM[:SS]][Z|+08:00])");
  cmd->add_option("--until", o->until, "Records before this time");
  cmd->add_option("--actor", o->actor, "Records by this OS user or --as user");
  cmd->add_option("--tenant", o->tenant, "Records of this tenant and the tenants below it");
  cmd->add_option("--object", o->object, "One object: KIND/NAME or KIND/TENANT/NAME");
  cmd->add_option("--after", o->after, "Records after this seq (a page starts after the last)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--limit", o->limit, "At most this many records (1 to 1000000)")
      ->check(CLI::Range(size_t{1}, size_t{1000000}));
  add_output_option(*cmd, o->format, {"table", "json", "csv"});
  cmd->footer(
      "Examples:\n  xcloudctl audit list --since 2026-01-01 --tenant education\n"
      "  xcloudctl audit list --object VirtualMachine/education/web-1 -o csv > audit.csv\n"
      "  xcloudctl audit list --after 1200 --limit 100 -o json\n\n"
      "Times are UTC unless they carry an offset. CSV is UTF-8 with a byte-order mark.");
  cmd->callback([&ctx, o] {
    AuditFilter filter;
    for (auto [text, target] :
         {std::pair{&o->since, &filter.since_ms}, {&o->until, &filter.until_ms}}) {
      if (text->empty()) continue;
      Result<int64_t> t = parse_time_ms(*text);
      if (!t.ok()) return fail(ctx, t.status(), kExitUsage);
      *target = *t;
    }
    filter.actor = o->actor;
    filter.tenant = o->tenant;
    if (o->after >= 0) filter.after_seq = o->after;
    if (!o->object.empty() && !parse_object(o->object, filter.kind, filter.object)) {
      return fail(ctx,
                  error(Code::kInvalidArgument,
                        "--object \"" + o->object + "\": expected KIND/NAME or KIND/TENANT/NAME"),
                  kExitUsage);
    }
    auto store = open_state_store(ctx);
    if (!store) return;
    // A page (--limit) stops the scan at its last record.
    std::vector<AuditRecord> records;
    Status scanned = store->scan_audit_records(filter, [&](const AuditRecord& r) {
      records.push_back(r);
      return o->limit == 0 || records.size() < o->limit;
    });
    if (!scanned.ok()) return fail(ctx, scanned);
    // A deleted tenant keeps its records; one with none that the state does
    // not know is a typo.
    if (records.empty() && !o->tenant.empty()) {
      if (Status s = check_tenant(*store, o->tenant); !s.ok())
        return fail(ctx, s, s.code() == Code::kInvalidArgument ? kExitUsage : kExitFailure);
    }
    print_records(ctx.out, records, o->format);
  });
}

void add_export(CLI::App& audit, CliContext& ctx) {
  struct Options {
    std::string destination, ca;
    bool tls = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = audit.add_subcommand("export", "Send new audit records to a syslog receiver");
  cmd->add_option("--syslog", o->destination,
                  "Receiver HOST:PORT (RFC 5424 over TCP, octet-counted)")
      ->required();
  auto* tls =
      cmd->add_flag("--tls", o->tls, "Use TLS (RFC 5425), checking the receiver's certificate");
  cmd->add_option("--ca", o->ca,
                  "CA certificates (PEM) that sign the receiver's; default: the system's")
      ->needs(tls);
  cmd->footer(
      "Examples:\n  xcloudctl audit export --syslog 10.1.0.20:6514 --tls --ca "
      "/etc/xcloud/supervision-ca.pem\n"
      "  xcloudctl audit export --syslog logs.example:601\n\n"
      "Each run sends the records added since the last run to that receiver; run it from cron.");
  cmd->callback([&ctx, o, cmd] {
    Result<SyslogTarget> target = parse_syslog_target(o->destination);
    if (!target.ok()) return fail(ctx, target.status(), kExitUsage);
    auto store = open_state_for_change(ctx, *cmd);
    if (!store) return;
    Result<std::unique_ptr<SyslogSink>> sink = connect_syslog(*target, {o->tls, o->ca});
    if (!sink.ok()) return fail(ctx, sink.status());
    Result<ExportResult> sent = export_to_syslog(*store, o->destination, **sink);
    if (!sent.ok()) return fail(ctx, sent.status());
    ctx.out << "exported " << sent->sent << " records to " << o->destination << " (through seq "
            << sent->last_seq << ")\n";
  });
}

void add_prune(CLI::App& audit, CliContext& ctx) {
  struct Options {
    std::string before, key;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = audit.add_subcommand(
      "prune", "Remove audit records older than a date (at least 365 days ago)");
  cmd->add_option("--before", o->before, "Remove records before this date (UTC)")->required();
  cmd->add_option("--key", o->key,
                  "SM2 private key (PEM) that seals the prune (default: $XCLOUD_AUDIT_KEY)");
  cmd->footer(
      "Example:\n  xcloudctl audit prune --before 2024-01-01 --reason CHG-2041 --key "
      "/media/token/audit-sm2.pem\n\n"
      "Records younger than 365 days are never removed. The chain stays verifiable: the last\n"
      "removed record's digest becomes its anchor, and the prune itself is recorded and signed\n"
      "into a checkpoint before it commits, so verify tells it from a forged one.");
  cmd->callback([&ctx, o, cmd] {
    Result<int64_t> t = parse_time_ms(o->before);
    if (!t.ok()) return fail(ctx, t.status(), kExitUsage);
    if (!self_test_passes(ctx)) return;
    std::optional<Result<SealKey>> key;
    if (!o->key.empty()) {
      Result<std::string> checkpoints = default_checkpoint_path(ctx);
      if (!checkpoints.ok()) return fail(ctx, checkpoints.status(), kExitUsage);
      key = load_seal_key(o->key, *checkpoints);
    } else {
      key = configured_seal_key(ctx);
    }
    if (key && !key->ok()) return fail(ctx, key->status());
    auto store = open_state_for_change(ctx, *cmd);
    if (!store) return;
    AuditLog log(*store);
    AuditRecord record = audit_identity_for(*cmd).record("AuditLog", "", "audit_log", "prune");
    if (!key) {
      // Refused, and recorded as every refused prune is.
      Status refusal = error(Code::kInvalidArgument,
                             "audit prune: a prune is sealed with the audit signing key; give "
                             "--key or set XCLOUD_AUDIT_KEY");
      record.result = kAuditError;
      record.message = refusal.message();
      if (Result<AuditRecord> written = log.append(record); !written.ok()) {
        return fail(ctx, written.status());
      }
      return fail(ctx, refusal, kExitUsage);
    }
    Result<PruneResult> pruned = prune_sealed(log, **key, *t, record, system_now_ms());
    if (!pruned.ok()) {
      return fail(ctx, pruned.status(),
                  pruned.status().code() == Code::kInvalidArgument ? kExitUsage : kExitFailure);
    }
    if (pruned->removed == 0) {
      ctx.out << "nothing to prune: no record is older than " << format_time_ms(*t) << "\n";
      return;
    }
    ctx.out << "pruned " << pruned->removed << " records; the chain now starts after seq "
            << pruned->anchor.seq << "\n";
  });
}

void add_note(CLI::App& audit, CliContext& ctx) {
  struct Options {
    std::string message, object;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = audit.add_subcommand("note", "Record a change made by hand, outside xcloudctl");
  cmd->add_option("MESSAGE", o->message, "What was done")->required();
  cmd->add_option("--object", o->object, "The object concerned: KIND/NAME or KIND/TENANT/NAME");
  cmd->footer(
      "Example:\n  xcloudctl audit note --reason INC-88 --object Host/kp-03 \"replaced disk 2 on "
      "kp-03\"");
  cmd->callback([&ctx, o, cmd] {
    std::string kind, path;
    if (!o->object.empty() && !parse_object(o->object, kind, path)) {
      return fail(ctx,
                  error(Code::kInvalidArgument,
                        "--object \"" + o->object + "\": expected KIND/NAME or KIND/TENANT/NAME"),
                  kExitUsage);
    }
    size_t slash = path.rfind('/');
    std::string tenant =
        kind == "Tenant" || slash == std::string::npos ? "" : path.substr(0, slash);
    std::string name = tenant.empty() ? path : path.substr(slash + 1);
    if (!self_test_passes(ctx)) return;
    auto store = open_state_for_change(ctx, *cmd);
    if (!store) return;
    AuditRecord record = audit_identity_for(*cmd).record(kind, tenant, name, "note");
    record.result = kAuditOk;
    record.message = o->message;
    Result<AuditRecord> written = AuditLog(*store).append(record);
    if (!written.ok()) return fail(ctx, written.status());
    ctx.out << "recorded as seq " << written->seq << "\n";
  });
}

std::string option_value(const CLI::App& root, const std::string& name) {
  const CLI::Option* opt = root.get_option_no_throw(name);
  if (opt == nullptr || opt->count() == 0) return "";
  return opt->as<std::string>();
}

}  // namespace

AuditIdentity audit_identity_for(const CLI::App& cmd) {
  const CLI::App* root = &cmd;
  while (root->get_parent() != nullptr) root = root->get_parent();
  AuditIdentity who = current_identity(process_argv(), option_value(*root, "--as"),
                                       option_value(*root, "--reason"));
  // Run by the controller for an operator it authenticated: the operator acted.
  // Otherwise someone with the state file itself (the service user:
  // installation, recovery) acted, which the record says: "local:<user>".
  if (const char* caller = std::getenv(kCallerEnv); caller != nullptr && *caller != '\0')
    who.actor = caller;
  else
    who.actor = "local:" + who.actor;
  return who;
}

void add_audit_commands(CLI::App& app, CliContext& ctx) {
  if (app.get_option_no_throw("--as") == nullptr) {
    app.add_option("--as", "Record changes as made on behalf of this user (audit trail)");
  }
  if (app.get_option_no_throw("--reason") == nullptr) {
    app.add_option("--reason", "Record this ticket or reason with each change (audit trail)");
  }
  auto* audit = app.add_subcommand("audit", "Read, verify, sign and export the audit trail");
  audit->require_subcommand(1);
  audit->footer(
      "Examples:\n  xcloudctl audit list --since 2026-01-01\n"
      "  xcloudctl audit verify --pubkey /etc/xcloud/audit-sm2.pem.pub\n\n"
      "Every change xcloudctl makes writes one record, chained by SM3 digests.");
  add_list(*audit, ctx);
  add_chain_commands(*audit, ctx);
  add_export(*audit, ctx);
  add_prune(*audit, ctx);
  add_note(*audit, ctx);
}

}  // namespace xc
