// xcloudctl ca init and xcloudctl host enroll: the cloud's own CA (ECDSA
// P-256) and the certificates agents and the controller use for mutual TLS.
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>

#include "common/pki.h"
#include "common/printable.h"
#include "ctl/audit/audit_log.h"
#include "ctl/cli/audit_commands.h"
#include "ctl/cli/cli.h"
#include "ctl/hosts/ca_identity.h"
#include "ctl/hosts/pki_files.h"
#include "ctl/hosts/qemu_tls_bundle.h"
#include "ctl/store/store.h"

namespace xc {
namespace {

namespace fs = std::filesystem;
constexpr int64_t kDay = 86400;

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status write_identity(const TlsIdentity& id, const std::string& cert, const std::string& key) {
  Status s = write_pem_file(cert, id.certificate_pem, kCertificateFileMode);
  if (!s.ok()) return s;
  return write_pem_file(key, id.private_key_pem, kPrivateKeyFileMode);
}

// "10.0.0.5:7701" -> "10.0.0.5"; "[fd00::5]:7701" -> "fd00::5"; "kp-01" -> "kp-01".
std::string host_part(const std::string& address) {
  if (!address.empty() && address[0] == '[') return address.substr(1, address.find(']') - 1);
  size_t colon = address.find(':');
  return colon == std::string::npos || address.find(':', colon + 1) != std::string::npos
             ? address
             : address.substr(0, colon);
}

void fail(CliContext& ctx, const Status& s, int code = kExitFailure) {
  print_error(ctx, s.message());
  ctx.exit_code = code;
}

// Runs `change` with its one audit record (see record_change) in a state
// opened for change (so under the state lock); the change is not made if the
// record cannot be.
Status audited(Store& store, const CLI::App& cmd, const std::string& kind, const std::string& name,
               const std::string& action, const std::function<Status()>& change) {
  AuditLog log(store);
  AuditIdentity who = audit_identity_for(cmd);
  AuditRecord r;
  r.actor = who.actor;
  r.as_user = who.as_user;
  r.reason = who.reason;
  r.origin_host = who.origin_host;
  r.command = who.command;
  r.kind = kind;
  r.name = name;
  r.action = action;
  return record_change(log, r, change, nullptr);
}

}  // namespace

void add_pki_commands(CLI::App& app, CliContext& ctx) {
  auto* ca = app.add_subcommand("ca", "The cloud's certificate authority");
  ca->require_subcommand(1);
  ca->footer(
      "Examples:\n  xcloudctl ca init\n  xcloudctl host enroll kp-01 --address 10.8.0.13:7701\n\n"
      "Run 'xcloudctl ca init --help' for details.");
  auto* init =
      ca->add_subcommand("init", "Create the CA (ECDSA P-256, 10 years) under the state directory");
  init->footer(
      "Example:\n  xcloudctl ca init\n\nThe CA key stays in <state dir>/pki/ca.key (mode 0600).");
  init->callback([&ctx, init] {
    auto state = resolve_state_path(ctx);
    if (!state.ok()) return fail(ctx, state.status(), kExitUsage);
    auto store = open_state_for_change(ctx, *init);  // reports why it cannot
    if (!store) return;
    PkiFiles pki = pki_files_for_state(*state);
    if (fs::exists(pki.ca_key()))
      return fail(ctx, error(Code::kAlreadyExists,
                             "a CA already exists in " + pki.dir + "; refusing to replace it"));
    Status s =
        audited(*store, *init, "CertificateAuthority", "xcloud CA", "create", [&]() -> Status {
          Status made = make_private_dir(pki.dir);
          if (!made.ok()) return made;
          int64_t now = now_seconds();
          auto id = create_ca("xcloud CA", now - 300, now + 3650 * kDay);
          if (!id.ok()) return id.status();
          Status w = write_identity(*id, pki.ca_cert(), pki.ca_key());
          if (!w.ok()) return w;
          auto controller =
              issue_certificate(*id, kControllerCommonName, {}, CertificateUsage::kClient,
                                now - 300, now + 730 * kDay);
          if (!controller.ok()) return controller.status();
          return write_identity(*controller, pki.controller_cert(), pki.controller_key());
        });
    if (!s.ok()) return fail(ctx, s);
    ctx.out << "created CA " << pki.ca_cert() << " and controller certificate "
            << pki.controller_cert() << "\n";
  });

  auto days = std::make_shared<int>(730);
  auto* renew =
      ca->add_subcommand("renew-controller",
                         "Renew the controller's client certificate (agents trust the CA, "
                         "so nothing else changes)");
  renew->add_option("--days", *days, "Validity of the new certificate (1 to 3650)")
      ->capture_default_str();
  renew->footer(
      "Example:\n  xcloudctl ca renew-controller\n\n"
      "Writes a new <state dir>/pki/controller.crt and .key from the CA; the next\n"
      "connection to each agent uses them (a running serve included). Audited.");
  renew->callback([&ctx, renew, days] {
    if (*days < 1 || *days > 3650)
      return fail(ctx, error(Code::kInvalidArgument, "--days: expected 1 to 3650"), kExitUsage);
    auto state = resolve_state_path(ctx);
    if (!state.ok()) return fail(ctx, state.status(), kExitUsage);
    auto store = open_state_for_change(ctx, *renew);
    if (!store) return;
    PkiFiles pki = pki_files_for_state(*state);
    auto ca_id = load_ca_identity(pki);
    if (!ca_id.ok()) return fail(ctx, ca_id.status());
    std::string serial;
    Status s = audited(*store, *renew, "Controller", "xcloudctl", "renew", [&]() -> Status {
      auto renewed = renew_controller_certificate(pki, *ca_id, *days, now_seconds());
      if (!renewed.ok()) return renewed.status();
      serial = *renewed;
      return Status{};
    });
    if (!s.ok()) return fail(ctx, s);
    ctx.out << "controller certificate " << serial << " in " << pki.controller_cert() << ", valid "
            << *days << " days\n";
  });

  auto* host = app.add_subcommand("host", "Hosts: enroll, upgrade their agents");
  host->require_subcommand(1);
  host->footer(
      "Examples:\n  xcloudctl host enroll kp-01 --address 10.8.0.13:7701\n"
      "  xcloudctl host upgrade kp-01 kp-02 --package xcloud-agent_0.2.1_arm64.deb\n\n"
      "Run 'xcloudctl host COMMAND --help' for details.");
  auto* enroll = host->add_subcommand(
      "enroll", "Issue an agent certificate and write the bundle to copy to the host");
  enroll->footer(
      "Example:\n  xcloudctl host enroll kp-01 --address 10.8.0.13:7701\n  scp -r <state "
      "dir>/pki/hosts/kp-01/* root@10.8.0.13:/etc/xcloud/\n"
      "  scp <state dir>/pki/hosts/kp-01/qemu/* root@10.8.0.13:/etc/pki/qemu/\n\n"
      "The bundle holds agent.crt (with the address as a subject alternative name),\nagent.key and "
      "ca.crt, and qemu/ with the certificates libvirt migrates over TLS with\n(ca-cert.pem, "
      "server-cert.pem, server-key.pem, client-cert.pem, client-key.pem;\nthe server certificate "
      "names the address, NAME and each --migration-name): copy them to the host's\n/etc/pki/qemu, "
      "libvirt's "
      "migrate_tls_x509_cert_dir.");
  auto name = std::make_shared<std::string>();
  auto address = std::make_shared<std::string>();
  auto migration_names = std::make_shared<std::vector<std::string>>();
  enroll->add_option("NAME", *name, "Host name, as in its Host manifest")->required();
  enroll->add_option("--address", *address, "HOST[:PORT] that xcloudctl connects to")->required();
  enroll
      ->add_option("--migration-name", *migration_names,
                   "Another name for the migration server certificate: the host's hostname "
                   "as libvirt reports it, when it is neither NAME nor the address (repeatable, "
                   "at most 8)")
      ->check(CLI::Validator(
          [](std::string& v) {
            static const std::regex kDns("[A-Za-z0-9]([-.A-Za-z0-9]{0,251}[A-Za-z0-9])?");
            return std::regex_match(v, kDns) ? std::string() : "expected a DNS name";
          },
          "DNS name"));
  enroll->callback([&ctx, name, address, migration_names, enroll] {
    if (migration_names->size() > 8)
      return fail(ctx, error(Code::kInvalidArgument, "--migration-name: at most 8"), kExitUsage);
    static const std::regex kLabel("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    if (!std::regex_match(*name, kLabel))
      return fail(
          ctx,
          error(Code::kInvalidArgument, "host name '" + *name + "' is not a lowercase DNS label"),
          kExitUsage);
    auto state = resolve_state_path(ctx);
    if (!state.ok()) return fail(ctx, state.status(), kExitUsage);
    auto store = open_state_for_change(ctx, *enroll);  // reports why it cannot
    if (!store) return;
    PkiFiles pki = pki_files_for_state(*state);
    auto ca = load_ca_identity(pki);
    if (!ca.ok()) return fail(ctx, ca.status());
    std::string san = host_part(*address);
    if (san.empty())
      return fail(ctx, error(Code::kInvalidArgument, "--address: no host in '" + *address + "'"),
                  kExitUsage);
    std::string dir = pki.host_dir(*name);
    Status s = audited(*store, *enroll, "Host", *name, "enroll", [&]() -> Status {
      int64_t now = now_seconds();
      auto id = issue_certificate(*ca, *name, {san}, CertificateUsage::kServer, now - 300,
                                  now + 730 * kDay);
      if (!id.ok()) return id.status();
      for (const std::string& d : {pki.dir, pki.hosts_dir(), dir}) {
        Status made = make_private_dir(d);
        if (!made.ok()) return made;
      }
      Status w = write_identity(*id, dir + "/agent.crt", dir + "/agent.key");
      if (w.ok()) w = write_pem_file(dir + "/ca.crt", ca->certificate_pem, kCertificateFileMode);
      // libvirt's migrate_tls certificates: live migration refuses plain TCP.
      std::vector<std::string> names = {san};
      for (const std::string& n : *migration_names) names.push_back(n);
      if (san != *name) names.push_back(*name);
      if (w.ok())
        w = write_qemu_tls_bundle(*ca, *name, names, dir + "/" + kQemuTlsBundleDir, now - 300,
                                  now + 730 * kDay);
      return w;
    });
    if (!s.ok()) return fail(ctx, s);
    ctx.out << "enrolled host " << *name << " (" << san << "): bundle in " << dir << "\n";
  });
}

}  // namespace xc
