// xcloudctl host renew NAME...|--all: a new agent certificate from the CA,
// with the names of the one it replaces, installed on the running agent over
// its own mutual TLS (host.install_identity) and served at once, without a
// restart; then a fresh connection proves the agent answers with it. The
// enrollment bundle in <state dir>/pki/hosts/NAME follows. Audited per host.
// CLI wiring; one run per process.
#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "common/pki.h"
#include "common/printable.h"
#include "ctl/audit/audit_log.h"
#include "ctl/cli/audit_commands.h"
#include "ctl/cli/cli.h"
#include "ctl/cli/host_renew_command.h"
#include "ctl/hosts/ca_identity.h"
#include "ctl/hosts/host_clients.h"
#include "ctl/hosts/host_object.h"
#include "ctl/hosts/pki_files.h"
#include "ctl/hosts/qemu_tls_bundle.h"

namespace xc {
namespace {

constexpr int64_t kDaySeconds = 86400;

struct RenewOptions {
  std::vector<std::string> hosts;
  bool all = false;
  bool migration = false;
  int days = 730;
};

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<std::string> read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) return error(Code::kNotFound, path + ": not found (is the host enrolled?)");
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

// One call on a connection of its own (so a new handshake).
Result<nlohmann::json> call_on_new_connection(Store& store, const PkiFiles& pki,
                                              const HostRecord& host, const std::string& method,
                                              const nlohmann::json& params) {
  HostClients clients(agent_connector(pki, 30), 1);
  clients.add_host(host_object(store, host));
  return clients.call(host.name, method, params);
}

}  // namespace

Result<std::string> renew_agent_certificate(Store& store, const CLI::App& cmd, const PkiFiles& pki,
                                            const TlsIdentity& ca, const HostRecord& host, int days,
                                            const std::string& trust_pem,
                                            const std::string& action) {
  if (host.transport == "ssh")
    return error(Code::kFailedPrecondition,
                 "reached over SSH: its agent has no TLS certificate to renew");
  const std::string dir = pki.host_dir(host.name);
  auto old_pem = read_text(dir + "/agent.crt");
  if (!old_pem.ok()) return old_pem.status();
  auto old = certificate_facts(*old_pem);
  if (!old.ok())
    return error(Code::kInvalidArgument, dir + "/agent.crt: " + old.status().message());
  const int64_t now = unix_now();
  auto fresh = issue_certificate(ca, old->common_name, old->subject_alt_names,
                                 CertificateUsage::kServer, now - 300, now + days * kDaySeconds);
  if (!fresh.ok()) return fresh.status();
  auto facts = certificate_facts(fresh->certificate_pem);
  if (!facts.ok()) return facts.status();

  AuditRecord record = audit_identity_for(cmd).record("Host", "", host.name, action);
  record.message = "agent certificate " + old->serial_hex + " -> " + facts->serial_hex +
                   ", valid until " + format_utc(facts->not_after);
  AuditLog log(store);
  Status s = record_change(
      log, record,
      [&]() -> Status {
        auto installed = call_on_new_connection(store, pki, host, "host.install_identity",
                                                {{"certificate", fresh->certificate_pem},
                                                 {"key", fresh->private_key_pem},
                                                 {"ca", trust_pem}});
        if (!installed.ok()) return installed.status();
        if (installed->value("serial", "") != facts->serial_hex)
          return error(Code::kInternal, "the agent serves certificate " +
                                            printable(installed->value("serial", "")) +
                                            ", not the new " + facts->serial_hex);
        // The bundle follows the agent, so a reinstall from it gets the new pair.
        Status w = write_pem_file(dir + "/agent.key", fresh->private_key_pem, kPrivateKeyFileMode);
        if (w.ok())
          w = write_pem_file(dir + "/agent.crt", fresh->certificate_pem, kCertificateFileMode);
        if (w.ok()) w = write_pem_file(dir + "/ca.crt", trust_pem, kCertificateFileMode);
        if (!w.ok()) return w;
        // A new connection: a new handshake, with the new certificate.
        auto hello =
            call_on_new_connection(store, pki, host, "host.facts", nlohmann::json::object());
        if (!hello.ok())
          return error(hello.status().code(),
                       "installed, but a new connection failed: " + hello.status().message());
        return {};
      },
      nullptr);
  if (!s.ok()) return s;
  return "host " + host.name + ": agent certificate " + old->serial_hex + " -> " +
         facts->serial_hex + ", valid until " + format_utc(facts->not_after) + " (served now)";
}

namespace {

// The names of the host's current migration server certificate, or its name.
std::vector<std::string> migration_names(const std::string& qemu_dir, const HostRecord& host) {
  auto current = read_text(qemu_dir + "/server-cert.pem");
  if (current.ok())
    if (auto facts = certificate_facts(*current); facts.ok() && !facts->subject_alt_names.empty())
      return facts->subject_alt_names;
  return {host.name};
}

// New migration certificates for one host from `ca`, installed through its
// agent into libvirt's directory; the bundle's qemu/ follows.
Result<std::string> renew_migration(Store& store, const CLI::App& cmd, const PkiFiles& pki,
                                    const TlsIdentity& ca, const HostRecord& host, int days) {
  if (host.transport == "ssh")
    return error(Code::kFailedPrecondition,
                 "reached over SSH: renew its migration certificates by re-enrolling");
  const std::string qemu_dir = pki.host_dir(host.name) + "/" + kQemuTlsBundleDir;
  const std::string fresh_dir = qemu_dir + ".new";
  std::filesystem::remove_all(fresh_dir);
  const int64_t now = unix_now();
  if (Status w = write_qemu_tls_bundle(ca, host.name, migration_names(qemu_dir, host), fresh_dir,
                                       now - 300, now + days * kDaySeconds);
      !w.ok())
    return w;
  nlohmann::json params;
  for (const auto& [field, file] : {std::pair{"ca", "ca-cert.pem"},
                                    {"serverCertificate", "server-cert.pem"},
                                    {"serverKey", "server-key.pem"},
                                    {"clientCertificate", "client-cert.pem"},
                                    {"clientKey", "client-key.pem"}}) {
    auto text = read_text(fresh_dir + "/" + file);
    if (!text.ok()) return text.status();
    params[field] = *text;
  }
  auto facts = certificate_facts(params["serverCertificate"].get<std::string>());
  if (!facts.ok()) return facts.status();
  std::string note;
  AuditRecord record = audit_identity_for(cmd).record("Host", "", host.name, "renew-migration");
  record.message = "migration certificate " + facts->serial_hex + ", valid until " +
                   format_utc(facts->not_after);
  AuditLog log(store);
  Status s = record_change(
      log, record,
      [&]() -> Status {
        auto installed =
            call_on_new_connection(store, pki, host, "host.install_migration_tls", params);
        if (!installed.ok()) return installed.status();
        if (!installed->value("ready", false))
          note = " (migration over TLS not ready: " + installed->value("problem", "") + ")";
        // The old bundle goes only once the new one is in its place.
        const std::string old_dir = qemu_dir + ".old";
        std::error_code ec;
        std::filesystem::remove_all(old_dir, ec);
        if (std::filesystem::exists(qemu_dir)) std::filesystem::rename(qemu_dir, old_dir, ec);
        if (!ec) std::filesystem::rename(fresh_dir, qemu_dir, ec);
        if (ec) return error(Code::kIo, qemu_dir + ": " + ec.message());
        std::filesystem::remove_all(old_dir, ec);
        return Status{};
      },
      nullptr);
  std::filesystem::remove_all(fresh_dir);
  if (!s.ok()) return s;
  return "host " + host.name + ": migration certificate " + facts->serial_hex + ", valid until " +
         format_utc(facts->not_after) + note;
}

void run_renew(CliContext& ctx, const RenewOptions& o, const CLI::App& cmd) {
  if (o.all == !o.hosts.empty())
    return fail(ctx, "host renew: name hosts or give --all (not both)", kExitUsage);
  if (o.days < 1 || o.days > 3650) return fail(ctx, "--days: expected 1 to 3650", kExitUsage);
  auto state = resolve_state_path(ctx);
  if (!state.ok()) return fail(ctx, state.status().message(), kExitUsage);
  auto store = open_state_for_change(ctx, cmd);
  if (!store) return;
  PkiFiles pki = pki_files_for_state(*state);
  auto ca = load_ca_identity(pki);
  if (!ca.ok()) return fail(ctx, ca.status().message(), kExitFailure);
  std::vector<HostRecord> hosts;
  if (o.all) {
    auto listed = store->list_hosts();
    if (!listed.ok()) return fail(ctx, listed.status().message(), kExitFailure);
    for (auto& h : *listed)
      if (h.transport != "ssh") hosts.push_back(std::move(h));
  } else {
    for (const auto& name : o.hosts) {
      auto h = store->get_host(name);
      if (!h.ok())
        return fail(ctx,
                    h.status().code() == Code::kNotFound
                        ? "host renew: unknown host \"" + name + "\""
                        : h.status().message(),
                    kExitUsage);
      hosts.push_back(*h);
    }
  }
  int failed = 0;
  for (const auto& h : hosts) {
    // The CA file goes along: an agent missed by `ca rotate` gets the new trust.
    auto line = o.migration ? renew_migration(*store, cmd, pki, *ca, h, o.days)
                            : renew_agent_certificate(*store, cmd, pki, *ca, h, o.days,
                                                      ca->certificate_pem, "renew");
    if (line.ok()) {
      ctx.out << printable(*line) << "\n" << std::flush;
    } else {
      ++failed;
      print_error(ctx, "host " + h.name + ": " + line.status().message());
    }
  }
  if (failed > 0) ctx.exit_code = kExitFailure;
}

}  // namespace

void add_host_renew_command(CLI::App& host, CliContext& ctx) {
  auto o = std::make_shared<RenewOptions>();
  auto* cmd = host.add_subcommand(
      "renew", "Renew agents' certificates from the CA and serve them at once, no restart");
  cmd->add_option("NAME", o->hosts, "Hosts to renew");
  cmd->add_flag("--all", o->all, "Every host reached over TLS");
  cmd->add_flag("--migration", o->migration,
                "Renew the hosts' libvirt migration certificates (qemu.conf's directory) "
                "instead of their agents'");
  cmd->add_option("--days", o->days, "Validity of the new certificates (1 to 3650)")
      ->capture_default_str();
  cmd->footer(
      "Each agent gets a new certificate with the names of its current one, checks it,\n"
      "installs it and serves new connections with it; connections already open keep\n"
      "the old one. The bundle in <state dir>/pki/hosts/NAME is updated, and each renewal\n"
      "is audited. Exit 1 when any host failed (the others are renewed).\n"
      "With --migration, the five files libvirt migrates over TLS with (ca-cert.pem,\n"
      "server-/client-cert.pem and -key.pem, the server certificate keeping its names)\n"
      "are renewed from the CA and installed by the agent into qemu.conf's directory;\n"
      "QEMU reads them at the next migration. Renew every host together (--all): the\n"
      "hosts of one migration must trust each other's CA file.\n\n"
      "Examples:\n"
      "  xcloudctl host renew kp-01\n"
      "  xcloudctl host renew --all --migration\n"
      "  xcloudctl host renew --all --days 365");
  cmd->callback([&ctx, o, cmd] { run_renew(ctx, *o, *cmd); });
}

}  // namespace xc
