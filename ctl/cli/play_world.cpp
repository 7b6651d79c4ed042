#include "ctl/cli/play_world.h"

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include "common/printable.h"
#include "common/program_run.h"
#include "common/time.h"
#include "ctl/audit/audit_log.h"
#include "ctl/cli/play_planning.h"
#include "ctl/hosts/host_clients.h"
#include "ctl/hosts/host_object.h"
#include "ctl/hosts/pki_files.h"
#include "ctl/playbook/step_checks.h"

namespace xc {

CliPlayWorld::CliPlayWorld(CliContext& ctx, const Playbook& pb, std::string state_path,
                           Store& store, AuditIdentity who, bool yes)
    : ctx_(ctx),
      pb_(pb),
      state_path_(std::move(state_path)),
      store_(store),
      who_(std::move(who)),
      yes_(yes) {}

Result<int> CliPlayWorld::run_xcloudctl(const PlaybookStep& step,
                                        const std::vector<std::string>& args) {
  std::error_code ec;
  std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (ec) return error(Code::kUnavailable, "cannot find this xcloudctl: " + ec.message());
  std::vector<std::string> argv = {self, "--state", state_path_};
  if (!who_.as_user.empty()) argv.insert(argv.end(), {"--as", who_.as_user});
  if (!who_.reason.empty()) argv.insert(argv.end(), {"--reason", who_.reason});
  argv.insert(argv.end(), args.begin(), args.end());
  // Whole lines under the step's name, as they come; the child's text is escaped.
  const std::string prefix = "  [" + printable(step.name) + "] ";
  std::string pending;
  ProgramOptions options;
  options.timeout = std::chrono::hours(24);
  options.stderr_to_stdout = true;
  options.max_stdout = 64 * 1024;
  options.on_output = [&](bool, std::string_view piece) {
    pending.append(piece);
    for (size_t nl; (nl = pending.find('\n')) != std::string::npos; pending.erase(0, nl + 1))
      ctx_.out << prefix << printable(pending.substr(0, nl)) << "\n" << std::flush;
  };
  auto ran = run_program_bounded(argv, options);
  if (!pending.empty()) ctx_.out << prefix << printable(pending) << "\n";
  if (!ran.ok()) return ran.status();
  if (ran->timed_out) return error(Code::kUnavailable, "xcloudctl did not finish within 24 h");
  if (ran->signal != 0)
    return error(Code::kUnavailable,
                 "xcloudctl was killed by signal " + std::to_string(ran->signal));
  return ran->exit_code;
}

Status CliPlayWorld::hosts_answer(const std::vector<std::string>& hosts) {
  HostClients clients(pki_files_for_state(state_path_), 2);
  for (const auto& name : hosts) {
    auto h = store_.get_host(name);
    if (!h.ok())
      return error(h.status().code(), "host " + name + ": " +
                                          (h.status().code() == Code::kNotFound
                                               ? std::string("not enrolled in this state")
                                               : h.status().message()));
    clients.add_host(host_object(store_, *h));
  }
  std::string failed;
  for (const auto& name : hosts) {
    auto answer = clients.call(name, "host.heartbeat", nlohmann::json::object());
    say(answer.ok() ? "host " + name + " answers"
                    : "host " + name + ": " + answer.status().message());
    if (!answer.ok()) failed += (failed.empty() ? "" : ", ") + name;
  }
  if (!failed.empty()) return error(Code::kUnavailable, "host(s) not answering: " + failed);
  return {};
}

Result<std::vector<PlannedMove>> CliPlayWorld::plan_migrate(const PlaybookStep& step) {
  auto plan = plan_step_moves(ctx_, step);
  if (!plan.ok()) return plan.status();
  for (const auto& line : plan->report) say(line);
  if (!plan->stuck.empty())
    return error(Code::kFailedPrecondition, std::to_string(plan->stuck.size()) +
                                                " VM(s) cannot move (named above); none was moved");
  return plan->moves;
}

Status CliPlayWorld::check(const StepCheck& check, std::chrono::seconds timeout) {
  if (!check.tcp.empty()) return tcp_answers(check.tcp, timeout);
  PkiFiles pki = pki_files_for_state(state_path_);
  SshTransportConfig config;
  if (!check.ssh_host.empty()) {
    auto h = store_.get_host(check.ssh_host);
    if (!h.ok())
      return error(h.status().code(), "ssh host " + check.ssh_host + ": " + h.status().message());
    config = ssh_config_for(pki, host_object(store_, *h).as<HostSpec>());
  } else {
    if (!parse_ssh_address(check.ssh_address, config))
      return error(Code::kInvalidArgument,
                   "ssh " + check.ssh_address + ": expected USER@HOST[:PORT]");
    config.known_hosts = pki.dir + "/known_hosts";
    if (::access((pki.dir + "/ssh_key").c_str(), R_OK) == 0)
      config.identity_file = pki.dir + "/ssh_key";
  }
  return ssh_command_succeeds(config, check.ssh_command, timeout);
}

void CliPlayWorld::sleep(std::chrono::milliseconds d) {
  std::this_thread::sleep_for(d);
}

int64_t CliPlayWorld::now_ms() {
  return system_now_ms();
}

bool CliPlayWorld::confirm(const PlaybookStep& s) {
  return confirm_destruction(ctx_, printable(consent_question(s)), yes_);
}

Status CliPlayWorld::audit(const PlaybookStep&, const std::string& action, const Status& result,
                           const std::string& message) {
  AuditLog log(store_);
  AuditRecord record = who_.record("Playbook", "", pb_.name, action);
  record.hash_after = pb_.digest;
  record.result = result.ok() ? kAuditOk : kAuditError;
  record.message = message;
  auto written = log.append(record);
  return written.ok() ? Status() : written.status();
}

Status CliPlayWorld::save(const PlayRunState& state) {
  return save_run_state(store_, state);
}

void CliPlayWorld::say(const std::string& line) {
  ctx_.out << printable(line) << "\n" << std::flush;
}

}  // namespace xc
