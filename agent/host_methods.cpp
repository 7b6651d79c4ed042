// host.facts: what this host is and has, read from libvirt; agent.hello:
// which xcloud version and protocol the agent speaks.
#include <unistd.h>

#include <pugixml.hpp>

#include "agent/rpc_service.h"
#include "agent/storage_pool.h"
#include "common/build_info.h"
#include "common/protocol_version.h"

namespace xc {
namespace {

using nlohmann::json;

std::string version_string(unsigned long v) {
  return std::to_string(v / 1000000) + "." + std::to_string(v / 1000 % 1000) + "." +
         std::to_string(v % 1000);
}

json numa_cells(const pugi::xml_document& caps) {
  json cells = json::array();
  for (auto cell : caps.select_nodes("/capabilities/host/topology/cells/cell")) {
    pugi::xml_node c = cell.node();
    cells.push_back({{"id", c.attribute("id").as_int()},
                     {"memoryKiB", c.child("memory").text().as_llong()},
                     {"cpus", c.child("cpus").attribute("num").as_int()}});
  }
  return cells;
}

// PCI devices of class display (0x03xxxx) or processing accelerator (0x12xxxx).
json accelerators(AgentContext& ctx, const std::map<std::string, std::string>& used_by) {
  json out = json::array();
  virNodeDevicePtr* devices = nullptr;
  int n = virConnectListAllNodeDevices(ctx.conn, &devices, 0);
  for (int i = 0; i < n; ++i) {
    NodeDevice dev(devices[i]);
    pugi::xml_document doc;
    if (!doc.load_string(take_string(virNodeDeviceGetXMLDesc(dev.get(), 0)).c_str())) continue;
    pugi::xml_node cap = doc.select_node("/device/capability[@type='pci']").node();
    if (!cap) continue;
    std::string cls = cap.child("class").text().as_string();
    if (cls.rfind("0x03", 0) != 0 && cls.rfind("0x12", 0) != 0) continue;
    char address[32];
    std::snprintf(address, sizeof address, "%04x:%02x:%02x.%x",
                  cap.child("domain").text().as_uint(), cap.child("bus").text().as_uint(),
                  cap.child("slot").text().as_uint(), cap.child("function").text().as_uint());
    std::string vendor = cap.child("vendor").attribute("id").as_string();
    std::string product = cap.child("product").attribute("id").as_string();
    std::string type;
    for (const auto& m : ctx.config.accelerators)
      if (m.vendor == vendor && (m.product.empty() || m.product == product)) type = m.type;
    auto user = used_by.find(address);
    out.push_back({{"address", address},
                   {"class", cls},
                   {"vendorId", vendor},
                   {"vendor", cap.child("vendor").text().as_string()},
                   {"productId", product},
                   {"product", cap.child("product").text().as_string()},
                   {"iommuGroup", cap.child("iommuGroup").attribute("number").as_int(-1)},
                   {"type", type},
                   {"usedBy", user == used_by.end() ? json() : json(user->second)}});
  }
  std::free(devices);
  return out;
}

// PCI address -> domain name, from every domain's <hostdev> elements.
std::map<std::string, std::string> hostdev_users(AgentContext& ctx) {
  std::map<std::string, std::string> out;
  virDomainPtr* domains = nullptr;
  int n = virConnectListAllDomains(ctx.conn, &domains, 0);
  for (int i = 0; i < n; ++i) {
    Domain d(domains[i]);
    pugi::xml_document doc;
    if (!doc.load_string(take_string(virDomainGetXMLDesc(d.get(), 0)).c_str())) continue;
    for (auto a : doc.select_nodes("/domain/devices/hostdev[@type='pci']/source/address")) {
      pugi::xml_node x = a.node();
      char address[32];
      std::snprintf(
          address, sizeof address, "%04x:%02x:%02x.%x",
          static_cast<unsigned>(std::stoul(x.attribute("domain").as_string("0"), nullptr, 16)),
          static_cast<unsigned>(std::stoul(x.attribute("bus").as_string("0"), nullptr, 16)),
          static_cast<unsigned>(std::stoul(x.attribute("slot").as_string("0"), nullptr, 16)),
          static_cast<unsigned>(std::stoul(x.attribute("function").as_string("0"), nullptr, 16)));
      out[address] = virDomainGetName(d.get());
    }
  }
  std::free(domains);
  return out;
}

json networks(AgentContext& ctx) {
  json out = json::array();
  virNetworkPtr* nets = nullptr;
  int n = virConnectListAllNetworks(ctx.conn, &nets, 0);
  for (int i = 0; i < n; ++i) {
    Network net(nets[i]);
    out.push_back({{"name", virNetworkGetName(net.get())},
                   {"bridge", take_string(virNetworkGetBridgeName(net.get()))},
                   {"active", virNetworkIsActive(net.get()) == 1}});
  }
  std::free(nets);
  return out;
}

// Who answers: this build, unless the test-only setting says otherwise.
json agent_identity(const AgentContext& ctx) {
  const BuildInfo& b = build_info();
  return {{"version", ctx.config.test_version.empty() ? b.version : ctx.config.test_version},
          {"commit", b.commit},
          {"arch", b.arch},
          {"protocol",
           ctx.config.test_protocol.empty() ? kProtocolVersion.text() : ctx.config.test_protocol}};
}

// The controller's first request on every connection: it decides from the
// reply whether it can talk to this agent (common/protocol_version.h).
Result<json> agent_hello(AgentContext& ctx, const json&) {
  return agent_identity(ctx);
}

Result<json> host_facts(AgentContext& ctx, const json&) {
  virNodeInfo info;
  if (virNodeGetInfo(ctx.conn, &info) < 0) return libvirt_error("host: ");
  pugi::xml_document caps;
  caps.load_string(take_string(virConnectGetCapabilities(ctx.conn)).c_str());
  pugi::xml_node cpu = caps.select_node("/capabilities/host/cpu").node();
  unsigned long lib = 0, hv = 0;
  virConnectGetLibVersion(ctx.conn, &lib);
  virConnectGetVersion(ctx.conn, &hv);
  std::string hostname = take_string(virConnectGetHostname(ctx.conn));
  json facts = {
      {"hostname", hostname},
      {"arch", ctx.basics().arch},
      {"cpu",
       {{"model", ctx.test_driver ? std::string("simulated-") + info.model
                                  : cpu.child("model").text().as_string()},
        {"vendor", cpu.child("vendor").text().as_string()},
        {"sockets", info.sockets},
        {"cores", info.cores},
        {"threads", info.threads},
        {"count", info.cpus},
        {"mhz", info.mhz}}},
      {"memoryKiB", info.memory},
      {"numaCells", numa_cells(caps)},
      {"libvirtVersion", version_string(lib)},
      {"hypervisor", {{"type", virConnectGetType(ctx.conn)}, {"version", version_string(hv)}}},
      {"networks", networks(ctx)},
      {"accelerators", accelerators(ctx, hostdev_users(ctx))},
      {"labels", ctx.config.labels},
      {"agent", agent_identity(ctx)},
  };
  auto storage = storage_pool_info(ctx);
  if (storage.ok())
    facts["storage"] = *storage;
  else
    facts["storage"] = {{"error", storage.status().message()}};
  return facts;
}

}  // namespace

void add_host_methods(MethodTable& table) {
  table["host.facts"] = host_facts;
  table["agent.hello"] = agent_hello;
}

}  // namespace xc
