#include "agent/uplink.h"

#include <doctest/doctest.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <sched.h>
#include <unistd.h>

#include <functional>
#include <sstream>
#include <thread>

using namespace xc;

namespace {

// The kernel's link table in memory; records what was asked.
class FakeLinkTable : public LinkTable {
 public:
  std::vector<Link> links;
  std::vector<std::string> calls_;
  bool fail_create = false;

  Result<std::vector<Link>> list() override { return links; }
  Status create(const Link& link) override {
    calls_.push_back("create " + link.name);
    if (fail_create)
      return error(Code::kFailedPrecondition,
                   "the kernel cannot create VLAN devices (module 8021q missing?)");
    links.push_back(link);
    return {};
  }
  Status attach(const std::string& name, const std::string& master) override {
    calls_.push_back("attach " + name + " " + master);
    for (auto& l : links)
      if (l.name == name) l.master = master, l.up = true;
    return {};
  }
  Status remove(const std::string& name) override {
    calls_.push_back("remove " + name);
    std::erase_if(links, [&](const Link& l) { return l.name == name; });
    return {};
  }
};

FakeLinkTable host_with_uplink() {
  FakeLinkTable t;
  t.links.push_back({.name = "eth1", .up = true});
  t.links.push_back({.name = "xcbr0123456789", .kind = "bridge", .up = true});
  return t;
}

const UplinkSpec kVxlan{"education/app", SegmentKind::kVxlan, 5001, "eth1", "xcbr0123456789"};
const UplinkSpec kVxlanGroup = [] {
  UplinkSpec spec = kVxlan;
  spec.group = "239.1.1.1";
  return spec;
}();
const UplinkSpec kVlan{"education/app", SegmentKind::kVlan, 101, "eth1", "xcbr0123456789"};

std::string describe(const Result<UplinkResult>& r) {
  if (!r.ok()) return std::string(code_name(r.status().code())) + ": " + r.status().message();
  const Link& l = r->link;
  std::ostringstream out;
  out << r->action << " " << l.name << " " << l.kind << " " << l.id << " port " << l.port << " dev "
      << l.device << (l.group.empty() ? "" : " group " + l.group) << " master " << l.master
      << (l.up ? " up" : " down");
  return out.str();
}

}  // namespace

TEST_CASE("segment links are named xv + VLAN id and xx + VNI, within Linux's 15 characters") {
  CHECK(segment_link_name(SegmentKind::kVlan, 101) == "xv101");
  CHECK(segment_link_name(SegmentKind::kVlan, 4094) == "xv4094");
  CHECK(segment_link_name(SegmentKind::kVxlan, 5001) == "xx5001");
  CHECK(segment_link_name(SegmentKind::kVxlan, 16777215) == "xx16777215");
  CHECK(valid_interface_name(segment_link_name(SegmentKind::kVxlan, 16777215)));
  // xcloud's bridges are "xcbr" + hex and libvirt's virbr/vnet/macvtap: no overlap.
  CHECK(segment_link_name(SegmentKind::kVlan, 1).rfind("xc", 0) == std::string::npos);
}

TEST_CASE("interface names follow the kernel's rules") {
  CHECK(valid_interface_name("eth1"));
  CHECK(valid_interface_name("enp59s0f1.100"));
  CHECK(valid_interface_name("abcdefghijklmno"));         // 15
  CHECK_FALSE(valid_interface_name("abcdefghijklmnop"));  // 16
  CHECK_FALSE(valid_interface_name(""));
  CHECK_FALSE(valid_interface_name("."));
  CHECK_FALSE(valid_interface_name(".."));
  CHECK_FALSE(valid_interface_name("eth/1"));
  CHECK_FALSE(valid_interface_name("eth 1"));
  CHECK_FALSE(valid_interface_name("eth1:0"));
}

TEST_CASE("an uplink spec is checked before the kernel is asked") {
  UplinkSpec bad = kVlan;
  bad.device = "eth/1";
  CHECK(check_uplink_spec(bad).message() ==
        "network education/app: uplink \"eth/1\" is not a valid interface name");
  bad = kVlan;
  bad.id = 4095;
  CHECK(check_uplink_spec(bad).code() == Code::kInvalidArgument);
  CHECK(check_uplink_spec(bad).message() ==
        "network education/app: vlan id 4095 is outside 1-4094");
  bad = kVxlan;
  bad.id = 16777216;
  CHECK(check_uplink_spec(bad).message() ==
        "network education/app: vxlan id 16777216 is outside 1-16777215");
  bad = kVxlan;
  bad.device = "xx5001";
  CHECK(check_uplink_spec(bad).message() ==
        "network education/app: the segment's link name xx5001 is taken by the uplink");
  CHECK(check_uplink_spec(kVxlan).ok());
}

TEST_CASE("ensure_uplink creates the link once and then leaves it alone") {
  FakeLinkTable t = host_with_uplink();
  CHECK(describe(ensure_uplink(t, kVxlan)) ==
        "created xx5001 vxlan 5001 port 4789 dev eth1 master xcbr0123456789 up");
  CHECK(t.links.back().learning);
  CHECK(describe(ensure_uplink(t, kVxlan)) ==
        "unchanged xx5001 vxlan 5001 port 4789 dev eth1 master xcbr0123456789 up");
  CHECK(describe(ensure_uplink(t, kVlan)) ==
        "created xv101 vlan 101 port 0 dev eth1 master xcbr0123456789 up");
  CHECK(t.calls_ == std::vector<std::string>{"create xx5001", "create xv101"});
}

TEST_CASE("ensure_uplink creates a VXLAN link with the host's multicast group and keeps it") {
  FakeLinkTable t = host_with_uplink();
  CHECK(describe(ensure_uplink(t, kVxlanGroup)) ==
        "created xx5001 vxlan 5001 port 4789 dev eth1 group 239.1.1.1 master xcbr0123456789 up");
  CHECK(t.links.back().group == "239.1.1.1");
  CHECK(describe(ensure_uplink(t, kVxlanGroup)) ==
        "unchanged xx5001 vxlan 5001 port 4789 dev eth1 group 239.1.1.1 master xcbr0123456789 up");
  // A VLAN has no group, whatever the spec says.
  UplinkSpec vlan = kVlan;
  vlan.group = "239.1.1.1";
  CHECK(describe(ensure_uplink(t, vlan)) ==
        "created xv101 vlan 101 port 0 dev eth1 master xcbr0123456789 up");
  CHECK(t.calls_ == std::vector<std::string>{"create xx5001", "create xv101"});
}

TEST_CASE("ensure_uplink refuses a VXLAN link of its name with another multicast group") {
  const std::string p = "conflict: network education/app: link xx5001 ";
  Link have{.name = "xx5001",
            .kind = "vxlan",
            .id = 5001,
            .port = 4789,
            .learning = true,
            .group = "239.1.1.2",
            .device = "eth1",
            .master = "xcbr0123456789",
            .up = true};
  FakeLinkTable t = host_with_uplink();
  t.links.push_back(have);
  CHECK(describe(ensure_uplink(t, kVxlanGroup)) ==
        p + "has multicast group 239.1.1.2, not 239.1.1.1; xcloud leaves it alone");
  t.links.back().group = "";
  CHECK(describe(ensure_uplink(t, kVxlanGroup)) ==
        p + "has no multicast group, not 239.1.1.1; xcloud leaves it alone");
  CHECK(t.calls_.empty());
  CHECK(t.links.back().name == "xx5001");
  // Without a configured group the agent does not judge the link's group, as before.
  t.links.back().group = "239.1.1.2";
  CHECK(describe(ensure_uplink(t, kVxlan)) ==
        "unchanged xx5001 vxlan 5001 port 4789 dev eth1 group 239.1.1.2 master xcbr0123456789 up");
  CHECK(t.calls_.empty());
}

TEST_CASE("ensure_uplink reattaches its own link that lost its bridge") {
  FakeLinkTable t = host_with_uplink();
  t.links.push_back(
      {.name = "xx5001", .kind = "vxlan", .id = 5001, .port = 4789, .device = "eth1"});
  CHECK(describe(ensure_uplink(t, kVxlan)) ==
        "attached xx5001 vxlan 5001 port 4789 dev eth1 master xcbr0123456789 up");
  CHECK(t.calls_ == std::vector<std::string>{"attach xx5001 xcbr0123456789"});
}

TEST_CASE("ensure_uplink never takes over a link of its name that is not what it would create") {
  struct Case {
    Link have;
    std::string message;
  };
  const std::string p = "conflict: network education/app: link xx5001 ";
  std::vector<Case> cases = {
      {{.name = "xx5001", .kind = "veth"},
       p + "is a veth link, not a vxlan link; xcloud leaves it alone"},
      {{.name = "xx5001"}, p + "is a plain interface, not a vxlan link; xcloud leaves it alone"},
      {{.name = "xx5001", .kind = "vxlan", .id = 5002, .port = 4789, .device = "eth1"},
       p + "has vxlan id 5002, not 5001; xcloud leaves it alone"},
      {{.name = "xx5001", .kind = "vxlan", .id = 5001, .port = 4789, .device = "eth2"},
       p + "is on eth2, not eth1; xcloud leaves it alone"},
      {{.name = "xx5001", .kind = "vxlan", .id = 5001, .port = 8472, .device = "eth1"},
       p + "uses UDP port 8472, not 4789; xcloud leaves it alone"},
      {{.name = "xx5001",
        .kind = "vxlan",
        .id = 5001,
        .port = 4789,
        .device = "eth1",
        .master = "br0"},
       p + "is enslaved to br0, not xcbr0123456789; xcloud leaves it alone"},
  };
  for (const auto& c : cases) {
    FakeLinkTable t = host_with_uplink();
    t.links.push_back(c.have);
    CHECK(describe(ensure_uplink(t, kVxlan)) == c.message);
    CHECK(t.calls_.empty());
  }
}

TEST_CASE("ensure_uplink names a missing uplink or bridge, and passes on the kernel's refusal") {
  FakeLinkTable t;
  t.links.push_back({.name = "xcbr0123456789", .kind = "bridge"});
  UplinkSpec spec = kVlan;
  spec.device = "eth9";
  CHECK(describe(ensure_uplink(t, spec)) ==
        "failed_precondition: network education/app: uplink eth9 does not exist");
  t = host_with_uplink();
  spec = kVlan;
  spec.bridge = "xcbr9999999999";
  CHECK(describe(ensure_uplink(t, spec)) ==
        "failed_precondition: network education/app: bridge xcbr9999999999 does not exist");
  t.fail_create = true;
  CHECK(describe(ensure_uplink(t, kVlan)) ==
        "failed_precondition: network education/app: the kernel cannot create VLAN devices (module "
        "8021q missing?)");
}

TEST_CASE("remove_uplinks deletes only xcloud's segment links on the network's bridge") {
  FakeLinkTable t = host_with_uplink();
  t.links.push_back({.name = "xx5001",
                     .kind = "vxlan",
                     .id = 5001,
                     .device = "eth1",
                     .master = "xcbr0123456789"});
  t.links.push_back({.name = "xx5002",
                     .kind = "vxlan",
                     .id = 5002,
                     .device = "eth1",
                     .master = "xcbr1111111111"});
  t.links.push_back(
      {.name = "xx7", .kind = "vxlan", .id = 8, .device = "eth1", .master = "xcbr0123456789"});
  t.links.push_back({.name = "vnet3", .kind = "tun", .master = "xcbr0123456789"});
  auto removed = remove_uplinks(t, "education/app", "xcbr0123456789");
  REQUIRE(removed.ok());
  CHECK(*removed == std::vector<std::string>{"xx5001"});
  CHECK(t.calls_ == std::vector<std::string>{"remove xx5001"});
}

// ---- The real kernel, in a network namespace of a thread's own ----

namespace {

// Runs `body` on a thread in a fresh network namespace (the namespace is
// per thread and goes away with it); false when that is not allowed here.
bool in_fresh_netns(const std::function<void()>& body) {
  bool entered = false;
  std::thread t([&] {
    if (unshare(CLONE_NEWNET) != 0) return;
    entered = true;
    body();
  });
  t.join();
  return entered;
}

// Test fixtures the agent never creates: a veth pair and a bridge.
int add_link(const char* kind, const char* name, const char* peer = nullptr) {
  nl_sock* sock = nl_socket_alloc();
  nl_connect(sock, NETLINK_ROUTE);
  rtnl_link* link = std::string(kind) == "veth" ? rtnl_link_veth_alloc() : rtnl_link_bridge_alloc();
  rtnl_link_set_name(link, name);
  if (peer) rtnl_link_set_name(rtnl_link_veth_get_peer(link), peer);
  rtnl_link_set_flags(link, IFF_UP);
  int err = rtnl_link_add(sock, link, NLM_F_CREATE | NLM_F_EXCL);
  rtnl_link_put(link);
  nl_socket_free(sock);
  return err;
}

int delete_link(const char* name) {
  nl_sock* sock = nl_socket_alloc();
  nl_connect(sock, NETLINK_ROUTE);
  rtnl_link* link = rtnl_link_alloc();
  rtnl_link_set_name(link, name);
  int err = rtnl_link_delete(sock, link);
  rtnl_link_put(link);
  nl_socket_free(sock);
  return err;
}

std::string find(LinkTable& t, const std::string& name) {
  auto all = t.list();
  if (!all.ok()) return all.status().message();
  for (const auto& l : *all)
    if (l.name == name)
      return l.kind + " " + std::to_string(l.id) + " port " + std::to_string(l.port) + " dev " +
             l.device + (l.group.empty() ? "" : " group " + l.group) + " master " + l.master +
             (l.learning ? " learning" : "") + (l.up ? " up" : " down");
  return "absent";
}

}  // namespace

TEST_CASE("netlink: a VXLAN link is created on the uplink, enslaved, left alone, and removed") {
  if (geteuid() != 0) {
    MESSAGE("skipped: creating links needs root");
    return;
  }
  std::vector<std::string> log;
  bool ran = in_fresh_netns([&] {
    log.push_back("veth " + std::to_string(add_link("veth", "up0", "up1")));
    log.push_back("bridge " + std::to_string(add_link("bridge", "xcbr0123456789")));
    auto links = netlink_link_table();
    UplinkSpec spec{"education/app", SegmentKind::kVxlan, 5001, "up0", "xcbr0123456789"};
    log.push_back(describe(ensure_uplink(*links, spec)));
    log.push_back(find(*links, "xx5001"));
    log.push_back(describe(ensure_uplink(*links, spec)));
    // libvirt recreates the bridge when the network restarts; the link is left behind.
    log.push_back("bridge again " + std::to_string(delete_link("xcbr0123456789") +
                                                   add_link("bridge", "xcbr0123456789")));
    log.push_back(describe(ensure_uplink(*links, spec)));
    spec.device = "eth9";
    log.push_back(describe(ensure_uplink(*links, spec)));
    UplinkSpec vlan{"education/app", SegmentKind::kVlan, 101, "up0", "xcbr0123456789"};
    auto made = ensure_uplink(*links, vlan);  // this kernel may lack 8021q
    log.push_back(made.ok() ? find(*links, "xv101") : made.status().message());
    auto removed = remove_uplinks(*links, "education/app", "xcbr0123456789");
    log.push_back(removed.ok() ? std::to_string(removed->size()) + " removed"
                               : removed.status().message());
    log.push_back(find(*links, "xx5001"));
    log.push_back(find(*links, "up0"));
    // With the host's multicast group: created with it, read back, and another group refused.
    UplinkSpec grouped{"education/app", SegmentKind::kVxlan, 5002, "up0", "xcbr0123456789"};
    grouped.group = "239.1.1.1";
    log.push_back(describe(ensure_uplink(*links, grouped)));
    log.push_back(find(*links, "xx5002"));
    log.push_back(describe(ensure_uplink(*links, grouped)));
    grouped.group = "239.1.1.2";
    log.push_back(describe(ensure_uplink(*links, grouped)));
    log.push_back(find(*links, "xx5002"));
  });
  if (!ran) {
    MESSAGE("skipped: cannot make a network namespace here");
    return;
  }
  REQUIRE(log.size() == 17);
  CHECK(log[0] == "veth 0");
  CHECK(log[1] == "bridge 0");
  CHECK(log[2] == "created xx5001 vxlan 5001 port 4789 dev up0 master xcbr0123456789 up");
  CHECK(log[3] == "vxlan 5001 port 4789 dev up0 master xcbr0123456789 learning up");
  CHECK(log[4] == "unchanged xx5001 vxlan 5001 port 4789 dev up0 master xcbr0123456789 up");
  CHECK(log[5] == "bridge again 0");
  CHECK(log[6] == "attached xx5001 vxlan 5001 port 4789 dev up0 master xcbr0123456789 up");
  CHECK(log[7] == "failed_precondition: network education/app: uplink eth9 does not exist");
  bool vlan_made = log[8].rfind("vlan ", 0) == 0;
  if (vlan_made) {
    CHECK(log[8] == "vlan 101 port 0 dev up0 master xcbr0123456789 up");
    CHECK(log[9] == "2 removed");
  } else {
    CHECK(log[8] ==
          "network education/app: the kernel cannot create VLAN devices (module 8021q missing?)");
    CHECK(log[9] == "1 removed");
  }
  CHECK(log[10] == "absent");
  CHECK(log[11] == "veth 0 port 0 dev  master  up");  // the uplink itself is untouched
  CHECK(log[12] ==
        "created xx5002 vxlan 5002 port 4789 dev up0 group 239.1.1.1 master xcbr0123456789 up");
  CHECK(log[13] ==
        "vxlan 5002 port 4789 dev up0 group 239.1.1.1 master xcbr0123456789 learning up");
  CHECK(log[14] ==
        "unchanged xx5002 vxlan 5002 port 4789 dev up0 group 239.1.1.1 master xcbr0123456789 up");
  CHECK(log[15] ==
        "conflict: network education/app: link xx5002 has multicast group 239.1.1.1, "
        "not 239.1.1.2; xcloud leaves it alone");
  CHECK(log[16] == log[13]);
}
