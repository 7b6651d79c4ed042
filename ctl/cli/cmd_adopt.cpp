// xcloudctl adopt --host H [DOMAIN...] --tenant T [--system S] [-o yaml|json]
// [--dir DIR]: reads the host's unmanaged domains through its agent
// (domain.inspect) and writes a VirtualMachine manifest for each that xcloud
// can represent (ctl/reconcile/adopt_manifest.h); `apply --adopt` then takes
// them over. Writes no state. CLI wiring; one run per process.
#include "ctl/cli/cmd_adopt.h"

#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>

#include "common/domain_spec.h"
#include "common/network_naming.h"
#include "common/printable.h"
#include "ctl/cli/json_yaml.h"
#include "ctl/cli/known_names.h"
#include "ctl/hosts/host_clients.h"
#include "ctl/hosts/host_object.h"
#include "ctl/hosts/pki_files.h"
#include "ctl/reconcile/adopt_manifest.h"
#include "ctl/store/state_path.h"

namespace xc {
namespace {

using nlohmann::json;

constexpr size_t kMaxDomains = 1000;  // one host's domains, read one by one

struct AdoptOptions {
  std::string host, tenant, system, dir, output = "yaml";
  std::vector<std::string> domains;
};

// The tenant's networks by the bridge the agent gives each on a host.
Result<std::map<std::string, std::string>> tenant_bridges(Store& store, const std::string& tenant) {
  auto networks = store.list_resources(std::string("Network"));
  if (!networks.ok()) return networks.status();
  std::map<std::string, std::string> out;
  for (const auto& n : *networks)
    if (n.tenant == tenant) out[network_bridge_name(n.tenant, n.name)] = n.name;
  return out;
}

// The names to read: those given, else every domain the host does not let xcloud own.
Result<std::vector<std::string>> domains_to_read(HostClients& clients, const AdoptOptions& o) {
  if (!o.domains.empty()) return o.domains;
  auto list = clients.call(o.host, "domains.list", json::object());
  if (!list.ok()) return list.status();
  std::vector<std::string> out;
  for (const json& d : list->value("unmanaged", json::array()))
    if (d.is_object() && d.contains("domain") && d["domain"].is_string())
      out.push_back(d["domain"].get<std::string>());
  if (out.size() > kMaxDomains)
    return error(Code::kFailedPrecondition, "host " + o.host + " has " +
                                                std::to_string(out.size()) +
                                                " unmanaged domains; name at most " +
                                                std::to_string(kMaxDomains) + " to adopt");
  return out;
}

// The manifest with a comment saying where it came from; `m.domain` is a
// checked DNS label and the notes are escaped, so no comment line is forged.
std::string yaml_document(const AdoptedManifest& m, const std::string& host) {
  std::string out = "# xcloudctl adopt: domain " + m.domain + " on host " + host +
                    "; apply with 'xcloudctl apply -f FILE --adopt'\n";
  for (const auto& note : m.notes) out += "# " + note + "\n";
  return out + json_to_yaml(m.manifest);
}

// DIR/NAME.yaml, never over an existing file. `name` is a checked DNS label.
Status write_new_file(const std::string& dir, const std::string& name, const std::string& text) {
  std::string path = dir + "/" + name + ".yaml";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0)
    return error(errno == EEXIST ? Code::kAlreadyExists : Code::kIo,
                 printable(path) + ": " +
                     (errno == EEXIST ? "exists; not overwritten" : std::strerror(errno)));
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::close(fd) == 0 && ok;
  if (ok) return {};
  ::unlink(path.c_str());  // a partial manifest would block the next run (O_EXCL)
  return error(Code::kIo, printable(path) + ": write failed");
}

void run_adopt(CliContext& ctx, const AdoptOptions& o) {
  auto fail = [&](const std::string& message, int code) {
    print_error(ctx, message);
    ctx.exit_code = code;
  };
  if (o.domains.size() > kMaxDomains)
    return fail("at most " + std::to_string(kMaxDomains) + " domains at once", kExitUsage);
  if (!o.system.empty() && !is_dns_label(o.system))
    return fail("--system: '" + printable(o.system) + "' is not a lowercase DNS label", kExitUsage);
  auto state = resolve_state_path(ctx);
  if (!state.ok()) return fail(state.status().message(), kExitUsage);
  auto store = open_state_store(ctx);
  if (!store) return;
  if (Status t = check_tenant(*store, o.tenant); !t.ok()) return fail(t.message(), kExitUsage);
  auto host = store->get_host(o.host);
  if (!host.ok()) {
    auto names = stored_names(*store, "Host");
    Status unknown = check_known("host", o.host, names.ok() ? *names : std::vector<std::string>{});
    return fail(unknown.ok() ? host.status().message() : unknown.message(), kExitUsage);
  }
  auto bridges = tenant_bridges(*store, o.tenant);
  if (!bridges.ok()) return fail(bridges.status().message(), kExitFailure);
  AdoptTarget target{o.host, o.tenant, o.system, host->zone, host->pool, *bridges};

  HostClients clients(pki_files_for_state(*state), 4);
  clients.add_host(host_object(*store, *host));
  auto names = domains_to_read(clients, o);
  if (!names.ok()) return fail("host " + o.host + ": " + names.status().message(), kExitFailure);
  if (names->empty()) {
    ctx.err << "host " << o.host << " has no domains xcloud does not own\n";
    return;
  }
  int written = 0, refused = 0;
  json manifests = json::array();  // -o json: one array
  for (const std::string& name : *names) {
    const std::string shown = "domain '" + printable(name) + "' on host " + o.host;
    auto inspected = clients.call(o.host, "domain.inspect", {{"name", name}});
    if (!inspected.ok()) {
      ctx.err << "error: " << shown << ": " << printable(inspected.status().message()) << "\n";
      ++refused;
      continue;
    }
    AdoptedManifest m = adopt_manifest(*inspected, target);
    for (const auto& w : m.warnings) ctx.err << "warning: " << shown << ": " << w << "\n";
    if (!m.problems.empty()) {
      ctx.err << "error: " << shown << ": cannot adopt:";
      for (const auto& p : m.problems) ctx.err << "\n  - " << p;
      ctx.err << "\n";
      ++refused;
      continue;
    }
    std::string text = yaml_document(m, o.host);
    if (!o.dir.empty()) {
      if (Status s = write_new_file(o.dir, m.domain, text); !s.ok()) {
        ctx.err << "error: " << shown << ": " << s.message() << "\n";
        ++refused;
        continue;
      }
      ctx.err << "wrote " << printable(o.dir) << "/" << m.domain << ".yaml\n";
    } else if (o.output == "json") {
      manifests.push_back(m.manifest);
    } else {
      ctx.out << (written == 0 ? "" : "---\n") << text;
    }
    ++written;
  }
  if (o.output == "json" && o.dir.empty()) ctx.out << json_text(manifests) << "\n";
  ctx.err << "Adopt: " << written << " manifest(s) written, " << refused << " domain(s) refused.\n";
  ctx.exit_code = written > 0 || refused == 0 ? kExitOk : kExitFailure;
}

}  // namespace

void add_adopt_command(CLI::App& app, CliContext& ctx) {
  auto o = std::make_shared<AdoptOptions>();
  auto* cmd = app.add_subcommand(
      "adopt", "Write manifests for a host's libvirt domains that xcloud does not own");
  cmd->footer(
      "Examples:\n"
      "  xcloudctl adopt --host x86-01 --tenant education --system erp > adopted.yaml\n"
      "  xcloudctl adopt --host x86-01 legacy-erp --tenant education --dir manifests/adopted\n"
      "  xcloudctl apply -f manifests/ --adopt\n\n"
      "Each domain (all of 'get unmanaged' on the host, or those named) becomes a\n"
      "VirtualMachine with its vCPUs, memory, arch, power, disks (files, kept where they are)\n"
      "and NICs (MACs, addresses when the host knows them), and spec.adoptedFrom naming the\n"
      "host and UUID. A domain xcloud cannot represent (a disk that is not a qcow2 file of\n"
      "whole GiB, a NIC not on a network of the tenant, a name that is not a DNS label, ...)\n"
      "is reported with every reason and gets no manifest. --dir writes DIR/NAME.yaml and\n"
      "never overwrites a file; -o json prints one array. Nothing is changed on the host or in the "
      "state.\n"
      "Exit status: 0 at least one manifest written (or no domain to adopt), 1 every domain\n"
      "refused or the host unreachable, 2 usage (unknown host or tenant).");
  cmd->add_option("--host", o->host, "The host whose domains to adopt")->required();
  cmd->add_option("domains", o->domains, "Domains to adopt (default: every unmanaged one)");
  cmd->add_option("--tenant", o->tenant, "The tenant the VMs belong to")->required();
  cmd->add_option("--system", o->system, "Business system label (labels.system)");
  cmd->add_option("--dir", o->dir, "Write one file per VM into this folder (never overwrites)")
      ->check(CLI::ExistingDirectory);
  add_output_option(*cmd, o->output, {"yaml", "json"});
  cmd->callback([&ctx, o] { run_adopt(ctx, *o); });
}

}  // namespace xc
