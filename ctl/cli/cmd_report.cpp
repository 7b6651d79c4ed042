// xcloudctl report weekly|monthly: reads the period's meter intervals, audit
// records, prices and host capacity from the store, builds the Report
// (ctl/report.h), writes it in one format and, with --mail-to, mails it.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

#include "common/sm_crypto.h"
#include "common/time.h"
#include "ctl/billing/billing_inputs.h"
#include "ctl/billing/month_bill.h"
#include "ctl/cli/capacity_loader.h"
#include "ctl/cli/cli.h"
#include "ctl/cli/report_usage.h"
#include "ctl/cli/sla_month_loader.h"
#include "ctl/reconcile/quota.h"
#include "ctl/report/mail.h"
#include "ctl/report/report.h"
#include "ctl/report/report_formats.h"
#include "ctl/report/report_sections.h"
#include "ctl/store/inventory.h"

namespace xc {
namespace {

struct ReportOptions {
  ReportKind kind = ReportKind::kWeekly;
  std::string week, month, format, out;
  std::string mail_to, smtp, smtp_user, smtp_password_file, smtp_ca_file, mail_from;
  bool quiet = false;
};

// The period asked for, or the last complete one: cron runs the weekly
// report on Monday morning for the week that has just ended.
Result<BillPeriod> chosen_period(const ReportOptions& o, int64_t now) {
  if (o.kind == ReportKind::kWeekly) {
    if (!o.week.empty()) return parse_week_period(o.week);
    return week_containing(week_containing(now, kShanghaiOffsetMs).start_ms - 1, kShanghaiOffsetMs);
  }
  if (!o.month.empty()) {
    auto p = parse_bill_period(o.month);
    if (p.ok() && p->month == 0)
      return error(Code::kInvalidArgument, "--month \"" + o.month + "\": expected YYYY-MM");
    return p;
  }
  return month_containing(month_containing(now, kShanghaiOffsetMs).start_ms - 1, kShanghaiOffsetMs);
}

Result<ReportInput> read_input(Store& store, ReportKind kind, const BillPeriod& period,
                               int64_t now) {
  ReportInput in;
  in.kind = kind;
  in.period = period;
  in.now_ms = now;
  auto intervals = store.list_meter_intervals(period.start_ms, period.end_ms);
  if (!intervals.ok()) return intervals.status();
  in.intervals = std::move(*intervals);
  auto prices = stored_price_history(store);
  if (!prices.ok()) return prices.status();
  in.prices = std::move(*prices);
  if (kind == ReportKind::kMonthly) {
    auto m = month_bill(store, period, GroupBy::kTenant, now);
    // A closed month that cannot be read is an error; any other failure
    // build_report notes as the period's bill_error.
    if (!m.ok() && m.status().code() == Code::kFailedPrecondition) return m.status();
    if (m.ok() && m->closed) {
      in.bill_note = "Month closed " +
                     civil::format_local(m->closed->closed_at_ms, kShanghaiOffsetMs) +
                     ": the frozen bill (SM3 " + to_hex(m->closed->digest) + ").";
    }
    if (m.ok()) in.month_bill = std::move(m->bill);
    auto sla = load_sla_month(store, period, now);
    if (sla.ok())
      in.sla = std::move(*sla);
    else
      in.sla_error = sla.status().message();
  }
  const int64_t as_of = std::max(period.start_ms, std::min(now, period.end_ms - 1));
  if (kind == ReportKind::kWeekly) {
    auto usage = read_vm_usage(store, period.start_ms, as_of + 1);
    if (!usage.ok()) return usage.status();
    in.vm_usage = std::move(*usage);
    auto requests = store.list_requests(period.start_ms);
    if (!requests.ok()) return requests.status();
    for (const RequestRecord& q : *requests)
      if (q.created_ms < period.end_ms) in.requests.push_back(q);
  }
  auto capacity = load_capacity(store, as_of, period.offset_ms, true);
  if (!capacity.ok()) return capacity.status();
  in.capacity_view = std::move(*capacity);
  AuditFilter filter;
  filter.since_ms = period.start_ms;
  filter.until_ms = period.end_ms;
  Status scanned = store.scan_audit_records(filter, [&](const AuditRecord& r) {
    in.audit.push_back(r);
    return true;
  });
  if (!scanned.ok()) return scanned;
  auto inventory = load_inventory(store);
  if (!inventory.ok()) return inventory.status();
  for (const HostView& h : inventory->hosts) {
    in.hosts.push_back({h.record.name, h.record.pool, h.record.zone, h.vcpu_capacity,
                        h.cpus_allocated, h.memory_mib_total, h.memory_mib_allocated});
  }
  for (const VmView& vm : inventory->vms) in.systems[vm.tenant + "/" + vm.name] = vm.system;
  auto tenants = stored_tenants(store);
  if (!tenants.ok()) return tenants.status();
  for (const TenantQuota& t : *tenants) in.tenant_names[t.tenant] = t.display_name;
  return in;
}

std::string render(const Report& report, const std::string& format) {
  if (format == "html") return report_html(report);
  if (format == "csv") return report_csv(report);
  if (format == "json") return report_json(report);
  return report_markdown(report);
}

// Writes beside the target and renames, so a reader never sees half a file.
Status write_file(const std::string& path, const std::string& content) {
  std::string temp = path + ".tmp";
  {
    std::ofstream f(temp, std::ios::binary | std::ios::trunc);
    if (!f)
      return error(Code::kUnavailable,
                   "--out " + path + ": cannot create " + temp + ": " + std::strerror(errno));
    f << content;
    f.close();
    if (!f)
      return error(Code::kUnavailable,
                   "--out " + path + ": cannot write " + temp + ": " + std::strerror(errno));
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec)
    return error(Code::kUnavailable,
                 "--out " + path + ": cannot rename " + temp + ": " + ec.message());
  return Status::ok_status();
}

std::string default_sender() {
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) != 0 || host[0] == '\0')
    return "xcloud@localhost";
  return std::string("xcloud@") + host.data();
}

struct MailPlan {
  SmtpOptions smtp;
  std::vector<std::string> to;
  std::string from;
};

// Checks every mail option before any work, so a typo fails in a second.
Result<MailPlan> mail_plan(const ReportOptions& o) {
  MailPlan plan;
  if (o.smtp.empty())
    return error(Code::kInvalidArgument, "--mail-to needs --smtp smtp://HOST:PORT");
  if (Status s = check_smtp_url(o.smtp); !s.ok()) return s;
  plan.smtp.url = o.smtp;
  plan.smtp.ca_file = o.smtp_ca_file;
  auto to = parse_mail_addresses(o.mail_to);
  if (!to.ok()) return error(Code::kInvalidArgument, "--mail-to: " + to.status().message());
  plan.to = std::move(*to);
  plan.from = o.mail_from.empty() ? default_sender() : o.mail_from;
  auto from = parse_mail_addresses(plan.from);
  if (!from.ok() || from->size() != 1)
    return error(Code::kInvalidArgument, "--mail-from \"" + plan.from + "\": expected one address");
  if (o.smtp_user.empty() != o.smtp_password_file.empty())
    return error(Code::kInvalidArgument, "--smtp-user and --smtp-password-file go together");
  if (!o.smtp_user.empty()) {
    auto password = read_password_file(o.smtp_password_file);
    if (!password.ok()) return password.status();
    plan.smtp.user = o.smtp_user;
    plan.smtp.password = std::move(*password);
  }
  return plan;
}

Status send_report(const MailPlan& plan, const Report& report) {
  MailMessage m;
  m.from = plan.from;
  m.to = plan.to;
  m.subject = report_title(report) + (report.kind == ReportKind::kWeekly ? " 周报" : " 月报");
  m.text_body = report_markdown(report);
  m.html_body = report_mail_html(report);
  m.date_ms = report.generated_at_ms;
  std::string base =
      "xcloud-" + std::string(report_kind_name(report.kind)) + "-" + report.period.label();
  m.attachments.push_back({base + ".html", "text/html; charset=utf-8", report_html(report)});
  m.attachments.push_back({base + ".csv", "text/csv; charset=utf-8", report_csv(report)});
  return send_mail(plan.smtp, m);
}

void run_report(CliContext& ctx, const ReportOptions& o, bool format_given) {
  auto fail = [&](int code, const std::string& message) {
    print_error(ctx, message);
    ctx.exit_code = code;
  };
  auto now = clock_now_ms();
  if (!now.ok()) return fail(kExitUsage, now.status().message());
  auto period = chosen_period(o, *now);
  if (!period.ok()) return fail(kExitUsage, period.status().message());
  std::optional<MailPlan> mail;
  if (!o.mail_to.empty()) {
    auto plan = mail_plan(o);
    if (!plan.ok()) return fail(kExitUsage, plan.status().message());
    mail = std::move(*plan);
  }
  auto store = open_state_store(ctx);
  if (!store) return;
  auto input = read_input(*store, o.kind, *period, *now);
  if (!input.ok()) return fail(kExitFailure, input.status().message());
  auto report = build_report(*input);
  if (!report.ok()) return fail(kExitFailure, report.status().message());
  if (!report->bill_error.empty())
    ctx.err << "xcloudctl: warning: the report has no costs: " << report->bill_error << "\n";

  if (!o.out.empty()) {
    if (Status s = write_file(o.out, render(*report, o.format)); !s.ok())
      return fail(kExitFailure, s.message());
  } else if (!mail || format_given) {
    ctx.out << render(*report, o.format);
  }
  if (mail) {
    if (Status s = send_report(*mail, *report); !s.ok()) return fail(kExitFailure, s.message());
    if (!o.quiet) {
      std::string to;
      for (const std::string& a : mail->to) to += (to.empty() ? "" : ", ") + a;
      ctx.err << "Mailed " << report_title(*report) << " to " << to << " through " << mail->smtp.url
              << ".\n";
    }
  }
}

void add_options(CLI::App& cmd, ReportOptions& o) {
  cmd.add_option("--out", o.out, "Write the report to FILE instead of standard output");
  cmd.add_option("--mail-to", o.mail_to, "Mail the report to these addresses (comma-separated)")
      ->envname("XCLOUD_MAIL_TO");
  cmd.add_option("--smtp", o.smtp,
                 "SMTP server, smtp://HOST:PORT (STARTTLS when offered) or smtps://")
      ->envname("XCLOUD_SMTP");
  cmd.add_option("--smtp-user", o.smtp_user, "Log in to the SMTP server as this user (needs TLS)")
      ->envname("XCLOUD_SMTP_USER");
  cmd.add_option("--smtp-password-file", o.smtp_password_file,
                 "Read the SMTP password from this file (never from the command line)")
      ->envname("XCLOUD_SMTP_PASSWORD_FILE");
  cmd.add_option("--smtp-ca-file", o.smtp_ca_file,
                 "Trust this CA bundle for the SMTP server's certificate")
      ->envname("XCLOUD_SMTP_CA_FILE");
  cmd.add_option("--mail-from", o.mail_from, "Sender address; default xcloud@<this host>")
      ->envname("XCLOUD_MAIL_FROM");
  cmd.add_flag("-q,--quiet", o.quiet, "Print nothing when the mail has been sent (for cron)");
}

constexpr const char* kSections =
    "Sections: key figures; VM changes per tenant and business system (created, resized, deleted,\n"
    "updated, from the audit trail and the meter); allocation per tenant and system; the top 10\n"
    "tenants by cost; capacity by pool and zone with rows at or above 80% flagged; the change "
    "log.\n";

constexpr const char* kFormats =
    "\nFormats: md (default), html (one self-contained file with SVG charts), csv (UTF-8 with "
    "BOM,\n"
    "for spreadsheets) and json (amounts in fen). With --mail-to the report is mailed: an HTML "
    "body\n"
    "of plain tables, with the HTML report and the CSV attached; it is then printed only when -o "
    "or\n"
    "--out is given. Every mail option can also come from the environment (XCLOUD_MAIL_TO,\n"
    "XCLOUD_SMTP, XCLOUD_SMTP_USER, XCLOUD_SMTP_PASSWORD_FILE, XCLOUD_SMTP_CA_FILE,\n"
    "XCLOUD_MAIL_FROM), as packaging/cron/xcloud-reports uses them.\n\n"
    "Exit codes: 0 written (and mailed); 1 the store cannot be read or the mail was not accepted;\n"
    "2 bad usage.\n\n"
    "Examples:\n";

std::string footer(const std::string& extra, const std::string& examples) {
  return kSections + extra + kFormats + examples;
}

struct PeriodOption {
  const char* flag;
  const char* help;
};

// `report weekly` or `report monthly`: the period option, the formats, the
// mail options and the callback.
void add_report_kind(CLI::App& report, CliContext& ctx, ReportKind kind, const char* description,
                     PeriodOption period, const std::string& footer_text) {
  auto o = std::make_shared<ReportOptions>();
  o->kind = kind;
  auto* cmd = report.add_subcommand(report_kind_name(kind), description);
  cmd->add_option(period.flag, kind == ReportKind::kWeekly ? o->week : o->month, period.help);
  add_output_option(*cmd, o->format, {"md", "html", "csv", "json"});
  add_options(*cmd, *o);
  cmd->footer(footer_text);
  cmd->callback([&ctx, o, cmd] { run_report(ctx, *o, cmd->count("--output") > 0); });
}

}  // namespace

void add_report_command(CLI::App& app, CliContext& ctx) {
  auto* report = app.add_subcommand(
      "report", "Weekly and monthly reports: HTML, CSV, JSON or Markdown, by mail");
  report->require_subcommand(1);
  report->footer(
      "Examples:\n"
      "  xcloudctl report weekly -o html --out week.html\n"
      "  xcloudctl report monthly --month 2026-11 --mail-to it@bureau.gov.cn --smtp "
      "smtp://mail:25");

  add_report_kind(*report, ctx, ReportKind::kWeekly,
                  "The report of one ISO week, Monday to Sunday (Asia/Shanghai)",
                  {"--week", "The week, YYYY-Www; default the last complete week"},
                  footer("",
                         "  xcloudctl report weekly\n"
                         "  xcloudctl report weekly --week 2026-W48 -o html --out 2026-W48.html\n"
                         "  xcloudctl report weekly --mail-to a@bureau.gov.cn,b@bureau.gov.cn "
                         "--smtp smtp://mail:25"));
  add_report_kind(
      *report, ctx, ReportKind::kMonthly, "The report of one calendar month, with its bill",
      {"--month", "The month, YYYY-MM; default the last complete month"},
      footer("The monthly report adds the month's bill per tenant (with sub-tenant totals and\n"
             "its lines per item) and a section for incidents and alarms, which is empty\n"
             "until xcloud collects them and says so.\n",
             "  xcloudctl report monthly --month 2026-11 -o csv --out 2026-11.csv\n"
             "  xcloudctl report monthly --mail-to it@bureau.gov.cn --smtp smtp://mail:587 \\\n"
             "      --smtp-user reports --smtp-password-file /etc/xcloud/smtp-password"));
}

}  // namespace xc
