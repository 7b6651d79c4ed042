#include "ctl/cli/vm_target.h"

#include <nlohmann/json.hpp>

#include "common/spelling.h"

namespace xc {

using nlohmann::json;

Result<VmTarget> find_vm(Store& store, const std::string& name, const std::string& tenant) {
  auto all = store.list_resources(std::string("VirtualMachine"));
  if (!all.ok()) return all.status();
  std::vector<ResourceRecord> found;
  std::vector<std::string> names;
  for (const auto& r : *all) {
    if (tenant.empty() || r.tenant == tenant) names.push_back(r.name);
    if (r.name == name && (tenant.empty() || r.tenant == tenant)) found.push_back(r);
  }
  if (found.empty())
    return error(Code::kNotFound, "VM \"" + name + "\" not found" +
                                      (tenant.empty() ? "" : " in tenant " + tenant) +
                                      did_you_mean(name, names));
  if (found.size() > 1) {
    std::string list;
    for (const auto& r : found) list += "\n  " + object_key(r.tenant, r.name);
    return error(Code::kInvalidArgument, "VM \"" + name + "\" exists in " +
                                             std::to_string(found.size()) +
                                             " tenants; choose one with --tenant:" + list);
  }
  VmTarget t{found.front(), "", domain_of(found.front())};
  auto placement = store.get_placement(t.record.key());
  if (placement.ok())
    t.host = placement->host;
  else if (placement.status().code() != Code::kNotFound)
    return placement.status();
  return t;
}

std::optional<OpenedVm> open_vm_for_change(CliContext& ctx, const CLI::App& cmd,
                                           const std::string& name, const std::string& tenant) {
  auto failed = [&](const std::string& message, int code) -> std::optional<OpenedVm> {
    print_error(ctx, message);
    ctx.exit_code = code;
    return std::nullopt;
  };
  auto state = resolve_state_path(ctx);
  if (!state.ok()) return failed(state.status().message(), kExitUsage);
  OpenedVm out{*state, open_state_for_change(ctx, cmd), {}};
  if (!out.store) return std::nullopt;
  auto vm = find_vm(*out.store, name, tenant);
  if (!vm.ok())
    return failed(
        vm.status().message() + "; nothing was changed",
        vm.status().code() == Code::kNotFound || vm.status().code() == Code::kInvalidArgument
            ? kExitUsage
            : kExitFailure);
  out.vm = std::move(*vm);
  return out;
}

Result<std::string> state_on(HostClients& clients, const std::string& host,
                             const std::string& domain) {
  auto listed = clients.call(host, "domains.list", json::object());
  if (!listed.ok()) return listed.status();
  for (const auto& d : listed->value("managed", json::array()))
    if (d.value("domain", "") == domain) return d.value("state", std::string("unknown"));
  return std::string();
}

void refresh_host_domains(Store& store, HostClients& clients, const std::string& host) {
  auto h = store.get_host(host);
  auto listed = clients.call(host, "domains.list", json::object());
  if (!h.ok() || !listed.ok()) return;
  json snapshot = json::parse(h->facts_json, nullptr, false);
  if (!snapshot.is_object()) return;
  snapshot["domains"] = listed->value("managed", json::array());
  HostRecord updated = *h;
  updated.facts_json = snapshot.dump();
  (void)store.upsert_host(updated);
}

int64_t vm_disk_gib(const ResourceRecord& r) {
  auto record = nlohmann::json::parse(r.spec_json, nullptr, false);
  if (record.is_discarded() || !record.contains("domain")) return 0;
  int64_t gib = 0;
  for (const auto& d : record["domain"].value("disks", nlohmann::json::array()))
    gib += d.value("size_gib", int64_t{0});
  return gib;
}

}  // namespace xc
