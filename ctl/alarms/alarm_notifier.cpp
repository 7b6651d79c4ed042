#include "ctl/alarms/alarm_notifier.h"

#include <unistd.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "common/program_run.h"
#include "common/sm_crypto.h"
#include "common/time.h"
#include "ctl/alarms/alarm_json.h"
#include "ctl/audit/audit_syslog.h"
#include "ctl/report/http_post.h"
#include "ctl/report/mail.h"

namespace xc {

namespace {

std::string this_host() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

Status send_webhook(const AlarmReceiver& r, const AlarmNotice& n, long timeout) {
  std::string body = webhook_body(r, n);
  std::vector<std::string> headers;
  if (!r.secret_file.empty()) {
    auto signature = signature_header(r.secret_file, body);
    if (!signature.ok()) return signature.status();
    headers.push_back(*signature);
  }
  return post_json(r.url, body, headers, timeout);
}

Status send_sms(const AlarmReceiver& r, const AlarmNotice& n, long timeout) {
  nlohmann::json body = {{"to", r.to}, {"text", sms_text(r, n)}};
  return post_json(r.url, body.dump(), {}, timeout);
}

Status send_mail_notice(const AlarmReceiver& r, const AlarmNotice& n, long timeout) {
  MailMessage m;
  m.from = r.from.empty() ? "xcloud@" + this_host() : r.from;
  m.to = r.to;
  m.subject = alarm_subject(n);
  const AlarmRecord& a = n.alarm;
  m.text_body = alarm_subject(n) + "\n\n" + a.summary + "\n\nalarm:    " + std::to_string(a.id) +
                "\nrule:     " + a.rule + "\nobject:   " + a.object + "\nseverity: " + a.severity +
                "\nstate:    " + a.state + "\nvalue:    " + a.value +
                "\nsince:    " + format_time_ms(a.started_ms) +
                (a.cleared_ms > 0 ? "\ncleared:  " + format_time_ms(a.cleared_ms) : "") +
                "\n\nxcloudctl alarms show " + std::to_string(a.id) + "\n";
  SmtpOptions smtp;
  smtp.url = r.smtp;
  smtp.timeout_seconds = timeout;
  return send_mail(smtp, m);
}

Status send_syslog(const AlarmReceiver& r, const AlarmNotice& n) {
  size_t scheme = r.address.find("://");
  if (scheme == std::string::npos)
    return error(Code::kInvalidArgument,
                 "syslog address " + r.address + ": expected tcp:// or tls://");
  auto target = parse_syslog_target(r.address.substr(scheme + 3));
  if (!target.ok()) return target.status();
  SyslogTls tls;
  tls.enabled = r.address.rfind("tls://", 0) == 0;
  auto sink = connect_syslog(*target, tls);
  if (!sink.ok()) return sink.status();
  return (*sink)->send(octet_counted(alarm_syslog_message(n, system_now_ms(), this_host())));
}

// An SNMPv2c trap through net-snmp's snmptrap (argv, no shell): the alarm's
// fields as strings under the documentation enterprise number 32473 that
// the syslog message uses too (snmp_trap_arguments).
Status send_snmp(const AlarmReceiver& r, const AlarmNotice& n, long timeout) {
  std::vector<std::string> argv = snmp_trap_arguments(r, n);
  ProgramOptions o;
  o.timeout = std::chrono::seconds(timeout);
  auto run = run_program_bounded(argv, o);
  if (!run.ok())
    return error(Code::kUnavailable,
                 "snmptrap: " + run.status().message() + " (install net-snmp's snmp package)");
  if (run->exit_code != 0)
    return error(Code::kUnavailable,
                 "snmptrap to " + r.address + ": " +
                     (run->timed_out ? std::string("timed out") : run->err.substr(0, 512)));
  return {};
}

}  // namespace

std::vector<std::string> snmp_trap_arguments(const AlarmReceiver& r, const AlarmNotice& n) {
  const AlarmRecord& a = n.alarm;
  // "udp://HOST[:PORT]" -> "udp:HOST:PORT", snmptrap's transport address.
  std::string target = r.address.substr(r.address.find("://") + 3);
  bool has_port = target.front() == '[' ? target.find("]:") != std::string::npos
                                        : target.find(':') != std::string::npos;
  if (!has_port) target += ":162";
  const std::string base = std::string(kAlarmTrapOid);
  std::vector<std::string> argv = {"snmptrap",
                                   "-v",
                                   "2c",
                                   "-c",
                                   r.community.empty() ? "public" : r.community,
                                   "udp:" + target,
                                   "",  // uptime: the agent's own
                                   base + (n.status == "cleared" ? ".0.2" : ".0.1")};
  const std::pair<int, std::string> fields[] = {{1, std::to_string(a.id)},
                                                {2, a.rule},
                                                {3, a.object},
                                                {4, a.severity},
                                                {5, n.status},
                                                {6, a.summary.substr(0, 255)},
                                                {7, a.value.substr(0, 255)}};
  for (const auto& [index, value] : fields) {
    argv.push_back(base + ".1." + std::to_string(index));
    argv.push_back("s");
    argv.push_back(value);
  }
  return argv;
}

std::string webhook_body(const AlarmReceiver& r, const AlarmNotice& n) {
  nlohmann::json labels = nlohmann::json::object();
  for (const auto& [k, v] : n.labels) labels[k] = v;
  nlohmann::json body = {{"status", n.status}, {"repeat", n.repeat},           {"route", n.route},
                         {"receiver", r.name}, {"alarm", alarm_json(n.alarm)}, {"labels", labels}};
  return body.dump();
}

std::string sms_text(const AlarmReceiver& r, const AlarmNotice& n) {
  std::string text =
      r.text_template.empty() ? "[{severity}] {rule} {object} {state}: {summary}" : r.text_template;
  replace_all(text, "{severity}", n.alarm.severity);
  replace_all(text, "{rule}", n.alarm.rule);
  replace_all(text, "{object}", n.alarm.object);
  replace_all(text, "{state}", n.status);
  replace_all(text, "{summary}", n.alarm.summary);
  replace_all(text, "{value}", n.alarm.value);
  return text;
}

std::string alarm_subject(const AlarmNotice& n) {
  std::string status = n.status == "cleared" ? "CLEARED" : n.repeat ? "STILL FIRING" : "FIRING";
  return "[xcloud] " + status + " " + n.alarm.severity + " " + n.alarm.rule + " " + n.alarm.object;
}

std::string alarm_syslog_message(const AlarmNotice& n, int64_t now, const std::string& host) {
  // Facility local0 (16); critical -> crit, major -> err, minor and warning
  // -> warning; a clear is informational.
  const AlarmRecord& a = n.alarm;
  int severity = a.severity == "critical" ? 2 : a.severity == "major" ? 3 : 4;
  if (n.status == "cleared") severity = 6;
  std::string out = "<" + std::to_string(16 * 8 + severity) + ">1 " + format_time_ms(now) + " " +
                    syslog_host(host) + " xcloudctl - alarm [xcloudAlarm@32473";
  const std::pair<const char*, std::string> params[] = {
      {"id", std::to_string(a.id)}, {"rule", a.rule},
      {"object", a.object},         {"severity", a.severity},
      {"status", n.status},         {"state", a.state},
      {"value", a.value},           {"since", format_time_ms(a.started_ms)}};
  for (const auto& [name, value] : params)
    out += std::string(" ") + name + "=\"" + sd_escape(value) + "\"";
  out += "] \xEF\xBB\xBF" + alarm_subject(n) + ": " + a.summary;
  return out;
}

Status NetworkNotifier::notify(const AlarmReceiver& r, const AlarmNotice& n) {
  if (r.type == "webhook") return send_webhook(r, n, timeout_seconds_);
  if (r.type == "sms") return send_sms(r, n, timeout_seconds_);
  if (r.type == "mail") return send_mail_notice(r, n, timeout_seconds_);
  if (r.type == "syslog") return send_syslog(r, n);
  if (r.type == "snmp") return send_snmp(r, n, timeout_seconds_);
  return error(Code::kInvalidArgument, "receiver " + r.name + ": unknown type " + r.type);
}

}  // namespace xc
