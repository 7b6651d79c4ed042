#include "agent/agent_config.h"

#include <doctest/doctest.h>

using namespace xc;

TEST_CASE("the documented agent config parses") {
  auto c = load_agent_config(std::string(XC_SOURCE_DIR) + "/packaging/agent.yaml");
  REQUIRE_MESSAGE(c.ok(), c.status().message());
  CHECK(c->uplink == "eth1");
  CHECK(c->vxlan_group == "239.1.1.1");
}

TEST_CASE("vxlanGroup is unset by default, so VXLAN stays on the host") {
  auto c = parse_agent_config("networkMode: vxlan\n", "agent.yaml");
  REQUIRE(c.ok());
  CHECK(c->vxlan_group == "");
}

TEST_CASE("vxlanGroup takes an IPv4 or IPv6 multicast address, written as the kernel reports it") {
  auto group = [](const std::string& text) {
    auto c = parse_agent_config("vxlanGroup: \"" + text + "\"\n", "agent.yaml");
    return c.ok() ? c->vxlan_group : c.status().message();
  };
  CHECK(group("239.1.1.1") == "239.1.1.1");
  CHECK(group("224.0.0.0") == "224.0.0.0");
  CHECK(group("239.255.255.255") == "239.255.255.255");
  CHECK(group("ff05::1") == "ff05::1");
  CHECK(group("FF05:0:0::0001") == "ff05::1");
}

TEST_CASE("vxlanGroup that is not a multicast address is refused naming the file and field") {
  auto message = [](const std::string& value) {
    auto c =
        parse_agent_config("uplink: eth1\nvxlanGroup: " + value + "\n", "/etc/xcloud/agent.yaml");
    CHECK(c.status().code() == Code::kInvalidArgument);
    return c.status().message();
  };
  const std::string tail = ": expected a multicast address (224.0.0.0/4 or ff00::/8)";
  CHECK(message("10.0.0.1") == "/etc/xcloud/agent.yaml:2:13: vxlanGroup \"10.0.0.1\"" + tail);
  CHECK(message("240.0.0.1") == "/etc/xcloud/agent.yaml:2:13: vxlanGroup \"240.0.0.1\"" + tail);
  CHECK(message("223.255.255.255") ==
        "/etc/xcloud/agent.yaml:2:13: vxlanGroup \"223.255.255.255\"" + tail);
  CHECK(message("fe80::1") == "/etc/xcloud/agent.yaml:2:13: vxlanGroup \"fe80::1\"" + tail);
  CHECK(message("239.1.1") == "/etc/xcloud/agent.yaml:2:13: vxlanGroup \"239.1.1\"" + tail);
  CHECK(message("239.1.1.1/8") == "/etc/xcloud/agent.yaml:2:13: vxlanGroup \"239.1.1.1/8\"" + tail);
  CHECK(message("multicast") == "/etc/xcloud/agent.yaml:2:13: vxlanGroup \"multicast\"" + tail);
}

TEST_CASE("testOnly sets the protocol and version the agent claims, and nothing else") {
  auto c = parse_agent_config("testOnly: {protocol: \"1.0\", version: 0.1.9}\n", "agent.yaml");
  REQUIRE_MESSAGE(c.ok(), c.status().message());
  CHECK(c->test_protocol == "1.0");
  CHECK(c->test_version == "0.1.9");
  auto plain = parse_agent_config("port: 7701\n", "agent.yaml");
  REQUIRE(plain.ok());
  CHECK(plain->test_protocol == "");
  CHECK(plain->test_version == "");
  auto other = parse_agent_config("testOnly: {arch: aarch64}\n", "agent.yaml");
  CHECK(other.status().message() ==
        "agent.yaml:1:12: testOnly takes protocol and version (at most 64 characters each)");
}

TEST_CASE("agent config: where other hosts migrate to, and whether migration data uses TLS") {
  auto c = xc::parse_agent_config(
      "migrationUri: \"qemu+ext://vh-b/system?command=/srv/vh-b/connect\"\nmigrationTls: false\n"
      "qemuConf: /srv/vh-b/etc/qemu.conf\n",
      "agent.yaml");
  REQUIRE(c.ok());
  CHECK(c->migration_uri == "qemu+ext://vh-b/system?command=/srv/vh-b/connect");
  CHECK_FALSE(c->migration_tls);
  CHECK(c->qemu_conf == "/srv/vh-b/etc/qemu.conf");
  auto d = xc::parse_agent_config("port: 7701\n", "agent.yaml");
  REQUIRE(d.ok());
  CHECK(d->migration_uri.empty());  // qemu+tls://HOSTNAME/system, made by the agent
  CHECK(d->migration_tls);          // offered whenever qemu.conf's certificates are the cloud's
  CHECK(d->qemu_conf == "/etc/libvirt/qemu.conf");
}
