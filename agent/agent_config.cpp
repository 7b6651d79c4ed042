#include "agent/agent_config.h"

#include <arpa/inet.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

#include "common/domain_spec.h"

namespace xc {
namespace {

std::string at(const YAML::Node& n, const std::string& file) {
  return file + ":" + std::to_string(n.Mark().line + 1) + ":" + std::to_string(n.Mark().column + 1);
}

// The multicast address `text` as inet_ntop writes it (e.g. "ff05::1" for
// "FF05:0::1"), so it compares equal to what the kernel reports; "" if it is
// not an IPv4 or IPv6 multicast address.
std::string multicast_group(const std::string& text) {
  unsigned char addr[16] = {};
  char out[INET6_ADDRSTRLEN] = {};
  int family = inet_pton(AF_INET, text.c_str(), addr) == 1    ? AF_INET
               : inet_pton(AF_INET6, text.c_str(), addr) == 1 ? AF_INET6
                                                              : 0;
  bool multicast = family == AF_INET ? (addr[0] & 0xf0) == 0xe0 : addr[0] == 0xff;
  if (family == 0 || !multicast) return "";
  return inet_ntop(family, addr, out, sizeof out) ? out : "";
}

}  // namespace

Result<AgentConfig> parse_agent_config(const std::string& yaml_text, const std::string& file) {
  static const std::set<std::string> kKeys = {
      "listen",   "port",        "libvirt",      "tls",          "storageDir", "storagePool",
      "uplink",   "networkMode", "labels",       "accelerators", "domainType", "vxlanGroup",
      "imageDir", "testOnly",    "migrationUri", "migrationTls", "qemuConf"};
  AgentConfig c;
  try {
    YAML::Node root = YAML::Load(yaml_text);
    if (!root.IsMap()) return error(Code::kInvalidArgument, file + ": expected a mapping");
    for (const auto& kv : root) {
      std::string key = kv.first.Scalar();
      if (!kKeys.count(key))
        return error(Code::kInvalidArgument,
                     at(kv.first, file) + ": unknown setting '" + key + "'");
    }
    if (root["listen"]) c.listen = root["listen"].as<std::string>();
    if (root["port"]) c.port = root["port"].as<int>();
    if (root["libvirt"]) c.libvirt_uri = root["libvirt"].as<std::string>();
    if (auto tls = root["tls"]) {
      if (tls["cert"]) c.tls_cert = tls["cert"].as<std::string>();
      if (tls["key"]) c.tls_key = tls["key"].as<std::string>();
      if (tls["ca"]) c.tls_ca = tls["ca"].as<std::string>();
    }
    if (root["domainType"]) c.domain_type = root["domainType"].as<std::string>();
    if (c.domain_type != "auto" && c.domain_type != "kvm" && c.domain_type != "qemu")
      return error(Code::kInvalidArgument,
                   at(root["domainType"], file) + ": domainType must be auto, kvm or qemu");
    if (root["storageDir"]) c.storage_dir = root["storageDir"].as<std::string>();
    if (root["storagePool"]) c.storage_pool = root["storagePool"].as<std::string>();
    if (root["imageDir"]) c.image_dir = root["imageDir"].as<std::string>();
    if (root["migrationUri"]) c.migration_uri = root["migrationUri"].as<std::string>();
    if (root["migrationTls"]) c.migration_tls = root["migrationTls"].as<bool>();
    if (root["qemuConf"]) c.qemu_conf = root["qemuConf"].as<std::string>();
    if (root["uplink"]) c.uplink = root["uplink"].as<std::string>();
    if (root["networkMode"]) c.network_mode = root["networkMode"].as<std::string>();
    if (c.network_mode != "vlan" && c.network_mode != "vxlan")
      return error(Code::kInvalidArgument,
                   at(root["networkMode"], file) + ": networkMode must be vlan or vxlan");
    if (root["vxlanGroup"]) {
      std::string text = root["vxlanGroup"].as<std::string>();
      c.vxlan_group = multicast_group(text);
      if (c.vxlan_group.empty())
        return error(Code::kInvalidArgument,
                     at(root["vxlanGroup"], file) + ": vxlanGroup \"" + text +
                         "\": expected a multicast address (224.0.0.0/4 or ff00::/8)");
    }
    if (c.port < 0 || c.port > 65535)
      return error(Code::kInvalidArgument, at(root["port"], file) + ": port must be 0-65535");
    for (const auto& kv : root["labels"])
      c.labels[kv.first.as<std::string>()] = kv.second.as<std::string>();
    if (auto test = root["testOnly"]) {
      for (const auto& kv : test) {
        std::string key = kv.first.Scalar();
        std::string value = kv.second.as<std::string>();
        if ((key != "protocol" && key != "version") || value.size() > 64)
          return error(Code::kInvalidArgument,
                       at(kv.first, file) +
                           ": testOnly takes protocol and version (at most 64 "
                           "characters each)");
        (key == "protocol" ? c.test_protocol : c.test_version) = value;
      }
    }
    for (const auto& a : root["accelerators"]) {
      AcceleratorMapping m;
      m.vendor = a["vendor"].as<std::string>();
      m.product = a["product"] ? a["product"].as<std::string>() : "";
      m.type = a["type"].as<std::string>();
      c.accelerators.push_back(m);
    }
  } catch (const YAML::Exception& e) {
    return error(Code::kInvalidArgument, file + ":" + std::to_string(e.mark.line + 1) + ":" +
                                             std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  if (c.storage_dir.empty() || c.storage_dir[0] != '/')
    return error(Code::kInvalidArgument, file + ": storageDir must be an absolute path");
  if (!is_safe_absolute_path(c.image_dir))
    return error(Code::kInvalidArgument, file + ": imageDir must be an absolute path");
  return c;
}

Result<AgentConfig> load_agent_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) return error(Code::kNotFound, "agent config " + path + " cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  return parse_agent_config(text.str(), path);
}

}  // namespace xc
