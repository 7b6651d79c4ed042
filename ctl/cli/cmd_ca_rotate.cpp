// xcloudctl ca rotate [--finish]: replacing the cloud's CA without stopping
// anything. Start: a new CA signs from now on, pki/ca.crt trusts it and the
// previous one, every agent gets a certificate from the new CA and the
// two-CA file (host.install_identity), and the users' CRL is signed again.
// Operators' certificates from the previous CA keep working meanwhile; they
// are renewed (`user renew`) at the operators' pace. Finish: once every
// agent and operator holds a certificate from the new CA, the controller's
// own certificate is renewed, each agent is told to trust the new CA alone,
// and the previous CA is dropped. Audited. CLI wiring; one run per process.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "common/crl.h"
#include "common/pki.h"
#include "common/printable.h"
#include "ctl/access/access_store.h"
#include "ctl/audit/audit_log.h"
#include "ctl/cli/audit_cli.h"
#include "ctl/cli/audit_commands.h"
#include "ctl/cli/cli.h"
#include "ctl/cli/host_renew_command.h"
#include "ctl/hosts/ca_identity.h"
#include "ctl/hosts/pki_files.h"

namespace xc {
namespace {

constexpr int64_t kDay = 86400;

struct RotateOptions {
  bool finish = false;
  bool force = false;
  int days = 3650;
  int agent_days = 730;
};

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Written beside and renamed in, so a reader finds the old file or the new one.
Status replace_file(const std::string& path, const std::string& pem, mode_t mode) {
  const std::string temp = path + ".new";
  if (Status w = write_pem_file(temp, pem, mode); !w.ok()) return w;
  if (std::rename(temp.c_str(), path.c_str()) != 0)
    return error(Code::kIo, path + ": cannot be replaced");
  return {};
}

Status record(Store& store, const CLI::App& cmd, const std::string& action,
              const std::string& message, const std::function<Status()>& change) {
  AuditRecord r = audit_identity_for(cmd).record("CertificateAuthority", "", "xcloud CA", action);
  r.message = message;
  AuditLog log(store);
  return record_change(log, r, change, nullptr);
}

std::vector<HostRecord> tls_hosts(Store& store, Status& status) {
  std::vector<HostRecord> out;
  auto listed = store.list_hosts();
  if (!listed.ok()) {
    status = listed.status();
    return out;
  }
  for (auto& h : *listed)
    if (h.transport != "ssh") out.push_back(std::move(h));
  return out;
}

// Each agent renewed with `trust`; failures printed. The number that failed.
int renew_agents(CliContext& ctx, Store& store, const CLI::App& cmd, const PkiFiles& pki,
                 const TlsIdentity& ca, const std::vector<HostRecord>& hosts, int days,
                 const std::string& trust, const std::string& action) {
  int failed = 0;
  for (const HostRecord& h : hosts) {
    auto line = renew_agent_certificate(store, cmd, pki, ca, h, days, trust, action);
    if (line.ok()) {
      ctx.out << printable(*line) << "\n" << std::flush;
    } else {
      ++failed;
      print_error(ctx, "host " + h.name + ": " + line.status().message() +
                           " (renew it later: xcloudctl host renew " + h.name + ")");
    }
  }
  return failed;
}

void run_start(CliContext& ctx, const RotateOptions& o, const CLI::App& cmd, Store& store,
               const PkiFiles& pki) {
  if (std::filesystem::exists(ca_previous_cert(pki)))
    return fail(ctx,
                "ca rotate: a rotation is under way (" + ca_previous_cert(pki) +
                    " exists); finish it with: xcloudctl ca rotate --finish",
                kExitFailure);
  auto old_ca = load_ca_identity(pki);
  if (!old_ca.ok()) return fail(ctx, old_ca.status().message(), kExitFailure);
  auto old_certs = split_certificates(old_ca->certificate_pem);
  if (!old_certs.ok() || old_certs->size() != 1)
    return fail(ctx, pki.ca_cert() + ": expected exactly one CA certificate", kExitFailure);
  const int64_t now = unix_now();
  auto fresh = create_ca("xcloud CA", now - 300, now + o.days * kDay);
  if (!fresh.ok()) return fail(ctx, fresh.status().message(), kExitFailure);
  auto old_facts = certificate_facts(old_ca->certificate_pem);
  auto new_facts = certificate_facts(fresh->certificate_pem);
  if (!old_facts.ok() || !new_facts.ok())
    return fail(ctx, "ca rotate: unreadable CA", kExitFailure);
  // The new CA signs; both are trusted until --finish.
  const TlsIdentity both{fresh->certificate_pem + old_ca->certificate_pem, fresh->private_key_pem};
  Status s = record(
      store, cmd, "rotate",
      "new CA " + new_facts->serial_hex + " (valid until " + format_utc(new_facts->not_after) +
          "); previous CA " + old_facts->serial_hex + " trusted until ca rotate --finish",
      [&]() -> Status {
        Status w =
            write_pem_file(ca_previous_key(pki), old_ca->private_key_pem, kPrivateKeyFileMode);
        if (w.ok())
          w = write_pem_file(ca_previous_cert(pki), old_ca->certificate_pem, kCertificateFileMode);
        if (w.ok()) w = replace_file(pki.ca_key(), fresh->private_key_pem, kPrivateKeyFileMode);
        if (w.ok()) w = replace_file(pki.ca_cert(), both.certificate_pem, kCertificateFileMode);
        if (w.ok()) w = resign_users_crl(pki, both, now);
        return w;
      });
  if (!s.ok()) return fail(ctx, "ca rotate: " + s.message(), kExitFailure);
  ctx.out << "new CA " << new_facts->serial_hex << " signs from now on; " << pki.ca_cert()
          << " trusts it and the previous CA " << old_facts->serial_hex << "\n";
  Status listed;
  auto hosts = tls_hosts(store, listed);
  if (!listed.ok()) return fail(ctx, listed.message(), kExitFailure);
  const int failed =
      renew_agents(ctx, store, cmd, pki, both, hosts, o.agent_days, both.certificate_pem, "renew");
  ctx.out << hosts.size() - failed << " of " << hosts.size()
          << " agents hold a certificate from the new CA and trust both.\n"
          << "Next: xcloudctl host renew --all --migration (libvirt's migration certificates);\n"
          << "each operator gets a new certificate (xcloudctl user renew NAME; the old one\n"
          << "works until then), restart `serve --api` so its door accepts the new CA, then:\n"
          << "  xcloudctl ca rotate --finish\n";
  if (failed > 0) ctx.exit_code = kExitFailure;
}

// What still holds a certificate from the previous CA, as "what: how to fix".
std::vector<std::string> left_on_previous_ca(Store& store, const PkiFiles& pki,
                                             const std::string& new_ca_pem,
                                             const std::string& state_path, Status& status) {
  std::vector<std::string> out;
  auto from_new = [&](const std::string& path) {
    auto pem = audit_cli::read_text_file(path, "certificate");
    if (!pem.ok()) return false;
    auto yes = certificate_issued_by(*pem, new_ca_pem);
    return yes.ok() && *yes;
  };
  for (const HostRecord& h : tls_hosts(store, status))
    if (!from_new(pki.host_dir(h.name) + "/agent.crt"))
      out.push_back("host " + h.name + ": xcloudctl host renew " + h.name);
  auto access = AccessStore::open(state_path);
  if (!access.ok()) {
    status = access.status();
    return out;
  }
  auto users = (*access)->users();
  if (!users.ok()) {
    status = users.status();
    return out;
  }
  for (const UserRecord& u : *users)
    if (!u.cert_serial.empty() && !from_new(user_dir(pki, u.name) + "/issued.crt"))
      out.push_back("user " + u.name + ": xcloudctl user renew " + u.name);
  return out;
}

void run_finish(CliContext& ctx, const RotateOptions& o, const CLI::App& cmd, Store& store,
                const PkiFiles& pki, const std::string& state_path) {
  if (!std::filesystem::exists(ca_previous_cert(pki)))
    return fail(ctx,
                "ca rotate --finish: no rotation is under way (start one: xcloudctl ca rotate)",
                kExitFailure);
  auto both = load_ca_identity(pki);
  if (!both.ok()) return fail(ctx, both.status().message(), kExitFailure);
  auto certs = split_certificates(both->certificate_pem);
  if (!certs.ok() || certs->size() != 2)
    return fail(ctx, pki.ca_cert() + ": expected the new CA and the previous one", kExitFailure);
  const TlsIdentity fresh{(*certs)[0], both->private_key_pem};
  Status checked;
  auto left = left_on_previous_ca(store, pki, fresh.certificate_pem, state_path, checked);
  if (!checked.ok()) return fail(ctx, checked.message(), kExitFailure);
  if (!left.empty() && !o.force) {
    std::string lines;
    for (const auto& l : left) lines += "\n  " + l;
    return fail(ctx,
                "ca rotate --finish: still on the previous CA (renew them, or give --force and "
                "their certificates stop working):" +
                    lines,
                kExitFailure);
  }
  const int64_t now = unix_now();
  std::string controller_serial;
  // The controller first: agents trust both CAs until they are told otherwise.
  Status s = record(store, cmd, "rotate-controller", "controller certificate from the new CA",
                    [&]() -> Status {
                      auto serial = renew_controller_certificate(pki, fresh, 730, now);
                      if (!serial.ok()) return serial.status();
                      controller_serial = *serial;
                      return Status{};
                    });
  if (!s.ok()) return fail(ctx, "ca rotate --finish: " + s.message(), kExitFailure);
  ctx.out << "controller certificate " << controller_serial << " from the new CA\n";
  Status listed;
  auto hosts = tls_hosts(store, listed);
  if (!listed.ok()) return fail(ctx, listed.message(), kExitFailure);
  const int failed = renew_agents(ctx, store, cmd, pki, *both, hosts, o.agent_days,
                                  fresh.certificate_pem, "renew");
  auto previous_pem = audit_cli::read_text_file(ca_previous_cert(pki), "CA certificate");
  auto previous = previous_pem.ok() ? certificate_facts(*previous_pem)
                                    : Result<CertificateFacts>(previous_pem.status());
  s = record(store, cmd, "rotate-finish",
             "previous CA " + (previous.ok() ? previous->serial_hex : std::string("?")) +
                 " no longer trusted" +
                 (left.empty() ? "" : "; forced with " + std::to_string(left.size()) + " left"),
             [&]() -> Status {
               Status w = replace_file(pki.ca_cert(), fresh.certificate_pem, kCertificateFileMode);
               if (!w.ok()) return w;
               std::filesystem::remove(ca_previous_key(pki));
               std::filesystem::remove(ca_previous_cert(pki));
               return Status{};
             });
  if (!s.ok()) return fail(ctx, "ca rotate --finish: " + s.message(), kExitFailure);
  ctx.out << hosts.size() - failed << " of " << hosts.size()
          << " agents trust the new CA alone; the previous CA is no longer trusted here.\n"
          << "Next: xcloudctl host renew --all --migration (libvirt's migration certificates).\n";
  if (failed > 0) ctx.exit_code = kExitFailure;
}

}  // namespace

void add_ca_rotate_command(CLI::App& ca, CliContext& ctx) {
  auto o = std::make_shared<RotateOptions>();
  auto* cmd = ca.add_subcommand("rotate", "Replace the CA without downtime: start, then --finish");
  cmd->add_flag("--finish", o->finish,
                "End the rotation: the controller and every agent trust the new CA alone");
  cmd->add_flag("--force", o->force,
                "With --finish: go on although operators or hosts still hold certificates from "
                "the previous CA (they stop working)");
  cmd->add_option("--days", o->days, "Validity of the new CA (365 to 7300)")->capture_default_str();
  cmd->add_option("--agent-days", o->agent_days,
                  "Validity of the agents' new certificates (1 to 3650)")
      ->capture_default_str();
  cmd->footer(
      "Start: a new CA (ECDSA P-256) signs from now on and pki/ca.crt trusts it and the\n"
      "previous one; every agent reached over TLS gets a certificate from the new CA and\n"
      "the two-CA file, served at once (as host renew); the users' CRL is signed again.\n"
      "Operators' certificates from the previous CA keep working; renew them with\n"
      "`user renew`. An agent that could not be reached is named; `host renew` catches\n"
      "it up later. --finish refuses while an agent or operator still holds a certificate\n"
      "from the previous CA (naming each), then renews the controller's certificate, tells\n"
      "every agent to trust the new CA alone and drops the previous CA. Each step is\n"
      "audited. Libvirt's migration certificates follow with `host renew --all --migration`\n"
      "after each of the two steps.\n\n"
      "Examples:\n"
      "  xcloudctl ca rotate\n"
      "  xcloudctl user renew inspector --out /tmp/inspector\n"
      "  xcloudctl ca rotate --finish");
  cmd->callback([&ctx, o, cmd] {
    if (o->days < 365 || o->days > 7300)
      return fail(ctx, "--days: expected 365 to 7300", kExitUsage);
    if (o->agent_days < 1 || o->agent_days > 3650)
      return fail(ctx, "--agent-days: expected 1 to 3650", kExitUsage);
    if (o->force && !o->finish) return fail(ctx, "--force: only with --finish", kExitUsage);
    auto state = resolve_state_path(ctx);
    if (!state.ok()) return fail(ctx, state.status().message(), kExitUsage);
    auto store = open_state_for_change(ctx, *cmd);
    if (!store) return;
    PkiFiles pki = pki_files_for_state(*state);
    if (o->finish) return run_finish(ctx, *o, *cmd, *store, pki, *state);
    run_start(ctx, *o, *cmd, *store, pki);
  });
}

}  // namespace xc
