// xcloudctl user cert NAME [--out DIR] and user revoke-cert NAME: a client
// certificate from the cloud's CA with the user's name as its common name
// (one live certificate per user: a new one revokes the one before), and
// the CRL beside the CA that `serve --api` checks on every handshake.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "common/crl.h"
#include "common/domain_spec.h"
#include "common/pki.h"
#include "common/printable.h"
#include "ctl/cli/user_cert_commands.h"
#include "ctl/cli/user_changes.h"
#include "ctl/hosts/ca_identity.h"
#include "ctl/hosts/pki_files.h"

namespace xc {
namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kUserCertificateDays = 365;

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct CertOptions {
  std::string name, out;
};

void run_cert(CliContext& ctx, const CertOptions& o, const CLI::App& cmd) {
  if (!is_dns_label(o.name, 32))
    return fail(ctx, "user cert: \"" + printable(o.name) + "\": not a user name", kExitUsage);
  // An agent serves the certificate of that name: a user's would reach every host.
  if (o.name == kControllerCommonName)
    return fail(ctx, "user cert: \"xcloudctl\" is the controller's name; choose another",
                kExitUsage);
  auto state = resolve_state_path(ctx);
  if (!state.ok()) return fail(ctx, state.status().message(), kExitUsage);
  OpenedUsers u = open_users(ctx, cmd, true);
  if (!u.store) return;
  auto user = u.access->user(o.name);
  if (!user.ok()) return fail(ctx, user.status().message(), kExitFailure);
  if (!*user) return fail(ctx, "user \"" + o.name + "\" not found", kExitUsage);
  PkiFiles pki = pki_files_for_state(*state);
  auto ca = load_ca_identity(pki);
  if (!ca.ok()) return fail(ctx, ca.status().message(), kExitFailure);
  const std::string dir = o.out.empty() ? user_dir(pki, o.name) : o.out;
  UserRecord changed = **user;
  std::string serial;
  audited_user_change(ctx, cmd, u, o.name, "user-cert", [&]() -> Status {
    const int64_t now = now_seconds();
    auto id = issue_certificate(*ca, o.name, {}, CertificateUsage::kClient, now - 300,
                                now + kUserCertificateDays * kDay);
    if (!id.ok()) return id.status();
    auto s = certificate_serial_hex(id->certificate_pem);
    if (!s.ok()) return s.status();
    serial = *s;
    if (o.out.empty()) {
      for (const std::string& d : {users_dir(pki), dir})
        if (Status made = make_private_dir(d); !made.ok()) return made;
    } else if (!std::filesystem::is_directory(dir)) {
      return error(Code::kInvalidArgument, "--out " + dir + ": not a directory");
    }
    // The key first, 0600 from its first byte.
    for (const auto& [file, pem, mode] :
         {std::tuple{dir + "/" + o.name + ".key", id->private_key_pem, kPrivateKeyFileMode},
          std::tuple{dir + "/" + o.name + ".crt", id->certificate_pem, kCertificateFileMode},
          std::tuple{dir + "/ca.crt", ca->certificate_pem, kCertificateFileMode}})
      if (Status w = write_pem_file(file, pem, mode); !w.ok()) return w;
    // The controller keeps the public half wherever the pair went: the
    // certificate-expiring and credential-old alarms read it.
    for (const std::string& d : {users_dir(pki), user_dir(pki, o.name)})
      if (Status made = make_private_dir(d); !made.ok()) return made;
    if (Status w = write_pem_file(user_dir(pki, o.name) + "/issued.crt", id->certificate_pem,
                                  kCertificateFileMode);
        !w.ok())
      return w;
    // One live certificate per user: the one it replaces is revoked.
    if (!changed.cert_serial.empty())
      if (Status r = add_to_users_crl(pki, *ca, changed.cert_serial, now_seconds()); !r.ok())
        return r;
    changed.cert_serial = serial;
    changed.updated_ms = now * 1000;
    return u.access->update_user(changed);
  });
  if (ctx.exit_code != kExitOk) return;
  ctx.out << "user " << o.name << ": client certificate " << serial << " (CN=" << o.name << ", "
          << kUserCertificateDays << " days) in " << printable(dir) << "/: " << o.name << ".crt, "
          << o.name << ".key (0600), ca.crt\n";
  if (!(**user).cert_serial.empty())
    ctx.out << "revoked the previous certificate " << (**user).cert_serial << "\n";
}

void run_revoke(CliContext& ctx, const std::string& name, const CLI::App& cmd) {
  auto state = resolve_state_path(ctx);
  if (!state.ok()) return fail(ctx, state.status().message(), kExitUsage);
  OpenedUsers u = open_users(ctx, cmd, true);
  if (!u.store) return;
  auto user = u.access->user(name);
  if (!user.ok()) return fail(ctx, user.status().message(), kExitFailure);
  if (!*user) return fail(ctx, "user \"" + printable(name) + "\" not found", kExitUsage);
  if ((**user).cert_serial.empty())
    return fail(ctx, "user " + name + " has no certificate to revoke", kExitUsage);
  PkiFiles pki = pki_files_for_state(*state);
  auto ca = load_ca_identity(pki);
  if (!ca.ok()) return fail(ctx, ca.status().message(), kExitFailure);
  UserRecord changed = **user;
  audited_user_change(ctx, cmd, u, name, "user-revoke-cert", [&]() -> Status {
    if (Status r = add_to_users_crl(pki, *ca, changed.cert_serial, now_seconds()); !r.ok())
      return r;
    changed.cert_serial.clear();
    changed.updated_ms = now_seconds() * 1000;
    return u.access->update_user(changed);
  });
  if (ctx.exit_code != kExitOk) return;
  ctx.out << "user " << name << ": certificate " << (**user).cert_serial << " revoked ("
          << users_crl(pki) << ")\n";
}

}  // namespace

void add_user_cert_commands(CLI::App& user, CliContext& ctx) {
  auto o = std::make_shared<CertOptions>();
  auto* cert = user.add_subcommand(
      "cert", "Issue an operator's client certificate for the supervision API (serve --api)");
  cert->add_option("name", o->name, "User name")->required();
  cert->add_option("--out", o->out,
                   "Write NAME.crt, NAME.key and ca.crt here (default <state dir>/pki/users/NAME)");
  cert->footer(
      "Example:\n  xcloudctl user cert inspector --out /tmp/inspector\n"
      "  curl --cert inspector.crt --key inspector.key --cacert ca.crt "
      "https://10.8.0.2:8443/v1/platform\n\n"
      "The certificate's common name is the user name; a new certificate revokes the\n"
      "user's previous one. Hand the key over a trusted channel.");
  cert->callback([&ctx, o, cert] { run_cert(ctx, *o, *cert); });

  auto r = std::make_shared<CertOptions>();
  auto* renew = user.add_subcommand(
      "renew", "Renew an operator's client certificate: a new one, the previous one revoked");
  renew->add_option("name", r->name, "User name")->required();
  renew->add_option(
      "--out", r->out,
      "Write NAME.crt, NAME.key and ca.crt here (default <state dir>/pki/users/NAME)");
  renew->footer(
      "Example:\n  xcloudctl user renew inspector --out /tmp/inspector\n\n"
      "The same as user cert: the previous certificate goes on the CRL at once, so hand\n"
      "the new one over before the old one's holder needs it again. The certificate-old\n"
      "alarm asks for this every six months.");
  renew->callback([&ctx, r, renew] { run_cert(ctx, *r, *renew); });

  auto name = std::make_shared<std::string>();
  auto* revoke = user.add_subcommand(
      "revoke-cert", "Revoke an operator's client certificate (refused at the next handshake)");
  revoke->add_option("name", *name, "User name")->required();
  revoke->footer(
      "Example:\n  xcloudctl user revoke-cert inspector\n\n"
      "Adds the certificate to <state dir>/pki/users.crl, which serve --api rereads\n"
      "when it changes.");
  revoke->callback([&ctx, name, revoke] { run_revoke(ctx, *name, *revoke); });
}

}  // namespace xc
