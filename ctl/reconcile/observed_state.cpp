#include "ctl/reconcile/observed_state.h"

#include <atomic>
#include <thread>

namespace xc {

ObservedDomain observed_domain_from_json(const nlohmann::json& d) {
  ObservedDomain o;
  o.domain = d.value("domain", "");
  o.uuid = d.value("uuid", "");
  o.tenant = d.value("tenant", "");
  o.vm = d.value("vmName", "");
  o.spec_hash = d.value("specHash", "");
  o.state = d.value("state", "");
  o.generation = d.value("generation", int64_t{0});
  o.cpus = d.value("cpus", int64_t{0});
  o.memory_mib = d.value("memoryMiB", int64_t{0});
  o.restart_pending = d.value("restartPending", false);
  o.definition_drift = d.value("definitionDrift", false);
  return o;
}

HostFacts host_facts_from_json(const nlohmann::json& f) {
  HostFacts out;
  if (!f.is_object()) return out;
  out.arch = f.value("arch", "");
  if (f.contains("cpu") && f["cpu"].is_object()) out.cpus = f["cpu"].value("count", int64_t{0});
  out.memory_mib = f.value("memoryKiB", int64_t{0}) / 1024;
  for (const auto& a : f.value("accelerators", nlohmann::json::array())) {
    if (!a.is_object()) continue;
    out.accelerators.push_back(
        {a.value("type", ""), a.value("address", ""),
         a.contains("usedBy") && a["usedBy"].is_string() ? a["usedBy"].get<std::string>() : ""});
  }
  return out;
}

namespace {

ObservedHost observe(HostClients& clients, const std::string& name) {
  ObservedHost h;
  h.name = name;
  auto facts = clients.call(name, "host.facts", nlohmann::json::object());
  if (!facts.ok()) {
    h.error = facts.status().message();
    return h;
  }
  auto domains = clients.call(name, "domains.list", {{"deep", true}});
  if (!domains.ok()) {
    h.error = domains.status().message();
    return h;
  }
  h.reachable = true;
  h.facts = *facts;
  h.parsed = host_facts_from_json(h.facts);
  for (const auto& d : (*domains)["managed"]) h.domains.push_back(observed_domain_from_json(d));
  h.unmanaged = (*domains)["unmanaged"];
  for (const auto& n : h.facts.value("networks", nlohmann::json::array()))
    h.networks.insert(n.value("name", ""));
  return h;
}

}  // namespace

std::vector<ObservedHost> observe_hosts(HostClients& clients, const std::vector<std::string>& hosts,
                                        int parallel) {
  std::vector<ObservedHost> out(hosts.size());
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  int n = std::max(1, std::min<int>(parallel, static_cast<int>(hosts.size())));
  for (int w = 0; w < n; ++w) {
    workers.emplace_back([&] {
      for (size_t i = next++; i < hosts.size(); i = next++) out[i] = observe(clients, hosts[i]);
    });
  }
  for (auto& t : workers) t.join();
  return out;
}

}  // namespace xc
