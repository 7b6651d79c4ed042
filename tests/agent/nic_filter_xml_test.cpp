#include "agent/nic_filter_xml.h"

#include <doctest/doctest.h>

#include <algorithm>

#include "common/digest.h"

using namespace xc;

namespace {

DomainNic nic(const std::string& ipv4, const std::string& ipv6) {
  DomainNic n;
  n.network = "education/app";
  n.mac = "52:54:00:1a:2b:3c";
  n.ipv4 = ipv4;
  n.ipv6 = ipv6;
  return n;
}

using Parameters = std::vector<std::pair<std::string, std::string>>;

std::string filter_of(const std::string& name, const std::vector<std::string>& refs) {
  std::string xml = "<filter name=\"" + name + "\" chain=\"root\">";
  for (const auto& ref : refs) xml += "<filterref filter=\"" + ref + "\"/>";
  return xml + "</filter>";
}

std::string name_of(const std::vector<std::string>& refs) {
  std::string key;
  for (const auto& ref : refs) key += ref + "\n";
  return "xcnic-" + sha256_hex(key).substr(0, 16);
}

}  // namespace

TEST_CASE("an IPv4-only NIC gets libvirt's clean-traffic bound to its MAC and address") {
  NicFilter f = nic_filter(nic("10.20.1.15", ""), "xcsgset-0123456789abcdef");
  std::vector<std::string> refs = {"clean-traffic", "xcsgset-0123456789abcdef"};
  CHECK(f.name == name_of(refs));
  CHECK(f.xml == filter_of(f.name, refs));
  CHECK(f.parameters == Parameters{{"MAC", "52:54:00:1a:2b:3c"}, {"IP", "10.20.1.15"}});
}

TEST_CASE("a dual-stack NIC binds IPv4 and ARP like clean-traffic and IPv6 with xcloud's filter") {
  NicFilter f = nic_filter(nic("10.20.1.15", "2001:db8::15"), "");
  std::vector<std::string> refs = {"no-mac-spoofing", "no-ip-spoofing", "no-arp-spoofing",
                                   "xcloud-no-ipv6-spoofing"};
  CHECK(f.xml == filter_of(f.name, refs));
  CHECK(f.parameters ==
        Parameters{{"MAC", "52:54:00:1a:2b:3c"}, {"IP", "10.20.1.15"}, {"IPV6", "2001:db8::15"}});
}

TEST_CASE("an IPv6-only NIC binds its MAC, ARP's sender MAC and its IPv6 source") {
  NicFilter f = nic_filter(nic("", "2001:db8::15"), "xcsgset-0123456789abcdef");
  CHECK(f.xml == filter_of(f.name, {"no-mac-spoofing", "no-arp-mac-spoofing",
                                    "xcloud-no-ipv6-spoofing", "xcsgset-0123456789abcdef"}));
  CHECK(f.parameters == Parameters{{"MAC", "52:54:00:1a:2b:3c"}, {"IPV6", "2001:db8::15"}});
}

TEST_CASE("a NIC without a known address is bound to its MAC only") {
  for (const char* ipv6 : {"", "auto"}) {
    NicFilter f = nic_filter(nic("", ipv6), "");
    CHECK(f.xml == filter_of(f.name, {"no-mac-spoofing", "no-arp-mac-spoofing"}));
    CHECK(f.parameters == Parameters{{"MAC", "52:54:00:1a:2b:3c"}});
  }
  // SLAAC beside a static IPv4: IPv4 bound, IPv6 passes (bound to the MAC).
  NicFilter f = nic_filter(nic("10.20.1.15", "auto"), "");
  CHECK(f.xml == filter_of(f.name, {"no-mac-spoofing", "no-ip-spoofing", "no-arp-spoofing"}));
  CHECK(f.parameters == Parameters{{"MAC", "52:54:00:1a:2b:3c"}, {"IP", "10.20.1.15"}});
}

TEST_CASE("NICs with the same filters share one, named by its content") {
  CHECK(nic_filter(nic("10.20.1.15", ""), "").name == nic_filter(nic("10.20.1.16", ""), "").name);
  CHECK(nic_filter(nic("10.20.1.15", ""), "").name !=
        nic_filter(nic("10.20.1.15", ""), "xcsgset-0123456789abcdef").name);
  CHECK(nic_filter(nic("10.20.1.15", ""), "").name !=
        nic_filter(nic("10.20.1.15", "2001:db8::15"), "").name);
  // Every filter a NIC filter names besides xcloud's own ships with libvirt.
  for (const auto& ref : {"clean-traffic", "no-mac-spoofing", "no-ip-spoofing", "no-arp-spoofing",
                          "no-arp-mac-spoofing"})
    CHECK(std::find(libvirt_spoofing_filters().begin(), libvirt_spoofing_filters().end(), ref) !=
          libvirt_spoofing_filters().end());
}

TEST_CASE("xcloud's IPv6 filter passes link-local, unspecified and the NIC's own source only") {
  CHECK(ipv6_spoofing_filter_xml() ==
        "<filter name=\"xcloud-no-ipv6-spoofing\" chain=\"ipv6-xcsrc\" priority=\"-610\">"
        "<rule action=\"return\" direction=\"out\" priority=\"100\">"
        "<ipv6 srcipaddr=\"fe80::\" srcipmask=\"10\"/></rule>"
        "<rule action=\"return\" direction=\"out\" priority=\"100\">"
        "<ipv6 srcipaddr=\"::\" srcipmask=\"128\"/></rule>"
        "<rule action=\"return\" direction=\"out\" priority=\"500\">"
        "<ipv6 srcipaddr=\"$IPV6\"/></rule>"
        "<rule action=\"drop\" direction=\"out\" priority=\"1000\"/>"
        "</filter>");
}
