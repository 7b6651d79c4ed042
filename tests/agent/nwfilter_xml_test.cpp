#include "agent/nwfilter_xml.h"

#include <doctest/doctest.h>

#include "common/digest.h"
#include "common/network_naming.h"

using namespace xc;
using nlohmann::json;

TEST_CASE("a group filter holds only its accept rules, by CIDR, protocol and port") {
  auto xml =
      group_filter_xml("xcsg-education.web",
                       json::parse(R"([{"protocol": "tcp", "from": "0.0.0.0/0", "port_from": 443},
                      {"protocol": "tcp", "from": "10.0.0.0/8", "port_from": 8000, "port_to": 8080},
                      {"protocol": "udp", "from": "192.0.2.7", "port_from": 53},
                      {"protocol": "icmp", "from": "10.20.0.0/16"},
                      {"protocol": "any", "from": "10.30.1.0/24"},
                      {"protocol": "tcp", "from": "2001:db8::/32", "port_from": 22},
                      {"protocol": "icmp", "from": "2001:db8::/32"}])"));
  REQUIRE(xml.ok());
  CHECK(
      *xml ==
      "<filter name=\"xcsg-education.web\" chain=\"root\">"
      "<rule action=\"accept\" direction=\"in\" priority=\"500\">"
      "<tcp srcipaddr=\"0.0.0.0\" srcipmask=\"0\" dstportstart=\"443\" dstportend=\"443\"/></rule>"
      "<rule action=\"accept\" direction=\"in\" priority=\"500\">"
      "<tcp srcipaddr=\"10.0.0.0\" srcipmask=\"8\" dstportstart=\"8000\" "
      "dstportend=\"8080\"/></rule>"
      "<rule action=\"accept\" direction=\"in\" priority=\"500\">"
      "<udp srcipaddr=\"192.0.2.7\" srcipmask=\"32\" dstportstart=\"53\" dstportend=\"53\"/></rule>"
      "<rule action=\"accept\" direction=\"in\" priority=\"500\">"
      "<icmp srcipaddr=\"10.20.0.0\" srcipmask=\"16\"/></rule>"
      "<rule action=\"accept\" direction=\"in\" priority=\"500\">"
      "<all srcipaddr=\"10.30.1.0\" srcipmask=\"24\"/></rule>"
      "<rule action=\"accept\" direction=\"in\" priority=\"500\">"
      "<tcp-ipv6 srcipaddr=\"2001:db8::\" srcipmask=\"32\" dstportstart=\"22\" "
      "dstportend=\"22\"/></rule>"
      "<rule action=\"accept\" direction=\"in\" priority=\"500\">"
      "<icmpv6 srcipaddr=\"2001:db8::\" srcipmask=\"32\"/></rule>"
      "</filter>");
  CHECK(xml->find("drop") == std::string::npos);  // several groups on a NIC must not cancel out
}

TEST_CASE("a group filter refuses malformed rules with the rule's position") {
  auto bad = [](const char* rules) {
    auto xml = group_filter_xml("xcsg-education.web", json::parse(rules));
    REQUIRE_FALSE(xml.ok());
    CHECK(xml.status().code() == Code::kInvalidArgument);
    return xml.status().message();
  };
  CHECK(bad(R"([{"protocol": "sctp"}])") ==
        "security group xcsg-education.web: ingress[0].protocol: expected tcp, udp, icmp or any");
  CHECK(bad(R"([{}, {"from": "10.0.0.1/8"}])") ==
        "security group xcsg-education.web: ingress[1].from: expected an address or a CIDR "
        "network such as 10.0.0.0/8");
  CHECK(bad(R"([{"from": "10.0.0.0/8'/><rule"}])").find("ingress[0].from") != std::string::npos);
  CHECK(bad(R"([{"port_from": 0}])") ==
        "security group xcsg-education.web: ingress[0].port_from: expected a port from 1 to 65535");
  CHECK(bad(R"([{"port_from": 80, "port_to": 79}])") ==
        "security group xcsg-education.web: ingress[0].port_to: expected at least port_from");
  CHECK(bad(R"({"protocol": "tcp"})") ==
        "security group xcsg-education.web: ingress: expected an array");
}

TEST_CASE("a set filter references its groups, accepts replies and then drops other inbound") {
  std::string xml =
      set_filter_xml("xcsgset-0123456789abcdef", {"xcsg-education.ssh", "xcsg-education.web"});
  CHECK(
      xml ==
      "<filter name=\"xcsgset-0123456789abcdef\" chain=\"root\">"
      "<filterref filter=\"xcsg-education.ssh\"/>"
      "<filterref filter=\"xcsg-education.web\"/>"
      "<rule action=\"accept\" direction=\"in\" priority=\"100\"><all "
      "state=\"ESTABLISHED,RELATED\"/></rule>"
      "<rule action=\"accept\" direction=\"in\" priority=\"100\"><all-ipv6 "
      "state=\"ESTABLISHED,RELATED\"/></rule>"
      "<rule action=\"drop\" direction=\"in\" priority=\"1000\"><all state=\"NEW,INVALID\"/></rule>"
      "<rule action=\"drop\" direction=\"in\" priority=\"1000\"><all-ipv6 "
      "state=\"NEW,INVALID\"/></rule>"
      "</filter>");
  // libvirt orders the referenced groups' rules with these by priority, lowest first.
  CHECK(kEstablishedPriority < kGroupRulePriority);
  CHECK(kGroupRulePriority < kDropPriority);
}

TEST_CASE("filter names are tenant-scoped, collision-free and independent of group order") {
  CHECK(security_group_filter_name("education/schools", "web") == "xcsg-education.schools.web");
  CHECK(security_group_filter_name("a-b", "c") != security_group_filter_name("a", "b-c"));
  std::string set = security_group_set_filter_name("education", {"web", "ssh"});
  CHECK(set == "xcsgset-" + sha256_hex("education:ssh,web").substr(0, 16));
  CHECK(set == security_group_set_filter_name("education", {"ssh", "web", "ssh"}));
  CHECK(set != security_group_set_filter_name("health", {"ssh", "web"}));
  CHECK(set != security_group_set_filter_name("education", {"ssh"}));
}

// What a group restricting egress ends with: replies pass, other new outbound is dropped.
constexpr char kOutboundDeny[] =
    "<rule action=\"accept\" direction=\"out\" priority=\"100\"><all "
    "state=\"ESTABLISHED,RELATED\"/></rule>"
    "<rule action=\"accept\" direction=\"out\" priority=\"100\"><all-ipv6 "
    "state=\"ESTABLISHED,RELATED\"/></rule>"
    "<rule action=\"drop\" direction=\"out\" priority=\"1000\"><all state=\"NEW,INVALID\"/></rule>"
    "<rule action=\"drop\" direction=\"out\" priority=\"1000\"><all-ipv6 "
    "state=\"NEW,INVALID\"/></rule>";

TEST_CASE("a group with egress rules accepts them outbound, then drops other new outbound") {
  auto xml = group_filter_xml(
      "xcsg-education.db", json::parse(R"([{"protocol": "tcp", "from": "10.20.1.0/24",
                                            "port_from": 5432}])"),
      json::parse(R"([{"protocol": "udp", "to": "10.0.0.53", "port_from": 53},
                      {"protocol": "tcp", "to": "2001:db8::/32", "port_from": 443,
                       "port_to": 444},
                      {"protocol": "icmp", "to": "0.0.0.0/0"}])"));
  REQUIRE(xml.ok());
  CHECK(*xml ==
        "<filter name=\"xcsg-education.db\" chain=\"root\">"
        "<rule action=\"accept\" direction=\"in\" priority=\"500\">"
        "<tcp srcipaddr=\"10.20.1.0\" srcipmask=\"24\" dstportstart=\"5432\" "
        "dstportend=\"5432\"/></rule>"
        "<rule action=\"accept\" direction=\"out\" priority=\"500\">"
        "<udp dstipaddr=\"10.0.0.53\" dstipmask=\"32\" dstportstart=\"53\" "
        "dstportend=\"53\"/></rule>"
        "<rule action=\"accept\" direction=\"out\" priority=\"500\">"
        "<tcp-ipv6 dstipaddr=\"2001:db8::\" dstipmask=\"32\" dstportstart=\"443\" "
        "dstportend=\"444\"/></rule>"
        "<rule action=\"accept\" direction=\"out\" priority=\"500\">"
        "<icmp dstipaddr=\"0.0.0.0\" dstipmask=\"0\"/></rule>" +
            std::string(kOutboundDeny) + "</filter>");
}

TEST_CASE("egress given but empty drops all new outbound, egress absent leaves outbound open") {
  auto closed = group_filter_xml("xcsg-education.db", json::array(), json::array());
  REQUIRE(closed.ok());
  CHECK(*closed == "<filter name=\"xcsg-education.db\" chain=\"root\">" +
                       std::string(kOutboundDeny) + "</filter>");
  auto open = group_filter_xml("xcsg-education.db", json::array());
  REQUIRE(open.ok());
  CHECK(*open == "<filter name=\"xcsg-education.db\" chain=\"root\"/>");
  // The set filter never drops outbound: only a group restricting egress does.
  CHECK(
      set_filter_xml("xcsgset-0123456789abcdef", {"xcsg-education.db"}).find("direction=\"out\"") ==
      std::string::npos);
}

TEST_CASE("a group filter refuses malformed egress rules with the rule's position") {
  auto bad = [](const char* rules) {
    auto xml = group_filter_xml("xcsg-education.db", json::array(), json::parse(rules));
    REQUIRE_FALSE(xml.ok());
    CHECK(xml.status().code() == Code::kInvalidArgument);
    return xml.status().message();
  };
  CHECK(bad(R"([{"to": "10.0.0.0/8"}, {"to": "10.0.0.1/8"}])") ==
        "security group xcsg-education.db: egress[1].to: expected an address or a CIDR "
        "network such as 10.0.0.0/8");
  CHECK(bad(R"([{"protocol": "gre"}])") ==
        "security group xcsg-education.db: egress[0].protocol: expected tcp, udp, icmp or any");
  CHECK(bad(R"({"to": "10.0.0.0/8"})") ==
        "security group xcsg-education.db: egress: expected an array");
}
