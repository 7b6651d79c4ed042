#include "agent/uplink.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/vlan.h>
#include <netlink/route/link/vxlan.h>

namespace xc {

const char* segment_kind_name(SegmentKind kind) {
  return kind == SegmentKind::kVlan ? "vlan" : "vxlan";
}

std::string segment_link_name(SegmentKind kind, int64_t id) {
  return (kind == SegmentKind::kVlan ? "xv" : "xx") + std::to_string(id);
}

bool valid_interface_name(const std::string& name) {
  if (name.empty() || name.size() >= IFNAMSIZ || name == "." || name == "..") return false;
  for (unsigned char c : name)
    if (c == '/' || c == ':' || c <= ' ' || c >= 0x7f) return false;
  return true;
}

Status check_uplink_spec(const UplinkSpec& spec) {
  const std::string what = "network " + spec.network + ": ";
  if (!valid_interface_name(spec.device))
    return error(Code::kInvalidArgument,
                 what + "uplink \"" + spec.device + "\" is not a valid interface name");
  int64_t max = spec.kind == SegmentKind::kVlan ? 4094 : 16777215;
  if (spec.id < 1 || spec.id > max)
    return error(Code::kInvalidArgument, what + segment_kind_name(spec.kind) + " id " +
                                             std::to_string(spec.id) + " is outside 1-" +
                                             std::to_string(max));
  std::string name = segment_link_name(spec.kind, spec.id);
  if (name == spec.device || name == spec.bridge)
    return error(Code::kInvalidArgument, what + "the segment's link name " + name +
                                             " is taken by the " +
                                             (name == spec.device ? "uplink" : "bridge"));
  return {};
}

namespace {

const Link* find_link(const std::vector<Link>& links, const std::string& name) {
  for (const auto& l : links)
    if (l.name == name) return &l;
  return nullptr;
}

// The differences between an existing link and the one xcloud would create,
// ignoring its bridge (checked apart) and state; "" when there are none.
std::string mismatch(const Link& have, const Link& want) {
  auto kind = [](const std::string& k) {
    return k.empty() ? std::string("a plain interface") : "a " + k + " link";
  };
  if (have.kind != want.kind) return "is " + kind(have.kind) + ", not a " + want.kind + " link";
  if (have.id != want.id)
    return "has " + want.kind + " id " + std::to_string(have.id) + ", not " +
           std::to_string(want.id);
  if (have.device != want.device)
    return "is on " + (have.device.empty() ? std::string("no device") : have.device) + ", not " +
           want.device;
  if (want.kind == "vxlan" && have.port != want.port)
    return "uses UDP port " + std::to_string(have.port) + ", not " + std::to_string(want.port);
  if (want.kind == "vxlan" && !want.group.empty() && have.group != want.group)
    return (have.group.empty() ? std::string("has no multicast group")
                               : "has multicast group " + have.group) +
           ", not " + want.group;
  return "";
}

}  // namespace

Result<UplinkResult> ensure_uplink(LinkTable& links, const UplinkSpec& spec) {
  if (Status s = check_uplink_spec(spec); !s.ok()) return s;
  const std::string what = "network " + spec.network + ": ";
  Link want{.name = segment_link_name(spec.kind, spec.id),
            .kind = segment_kind_name(spec.kind),
            .id = spec.id,
            .port = spec.kind == SegmentKind::kVxlan ? kVxlanPort : 0,
            .learning = spec.kind == SegmentKind::kVxlan,
            .group = spec.kind == SegmentKind::kVxlan ? spec.group : "",
            .device = spec.device,
            .master = spec.bridge,
            .up = true};
  auto all = links.list();
  if (!all.ok()) return Status(all.status().code(), what + all.status().message());
  if (!find_link(*all, spec.device))
    return error(Code::kFailedPrecondition, what + "uplink " + spec.device + " does not exist");
  if (!find_link(*all, spec.bridge))
    return error(Code::kFailedPrecondition, what + "bridge " + spec.bridge + " does not exist");
  const Link* have = find_link(*all, want.name);
  if (!have) {
    if (Status s = links.create(want); !s.ok()) return Status(s.code(), what + s.message());
    return UplinkResult{want, "created"};
  }
  if (std::string diff = mismatch(*have, want); !diff.empty())
    return error(Code::kConflict,
                 what + "link " + want.name + " " + diff + "; xcloud leaves it alone");
  if (!have->master.empty() && have->master != spec.bridge)
    return error(Code::kConflict, what + "link " + want.name + " is enslaved to " + have->master +
                                      ", not " + spec.bridge + "; xcloud leaves it alone");
  if (have->master == spec.bridge && have->up) return UplinkResult{*have, "unchanged"};
  // Ours but detached or down: its bridge was recreated (network restarted).
  if (Status s = links.attach(want.name, spec.bridge); !s.ok())
    return Status(s.code(), what + s.message());
  Link attached = *have;
  attached.master = spec.bridge;
  attached.up = true;
  return UplinkResult{attached, "attached"};
}

Result<std::vector<std::string>> remove_uplinks(LinkTable& links, const std::string& network,
                                                const std::string& bridge) {
  const std::string what = "network " + network + ": ";
  auto all = links.list();
  if (!all.ok()) return Status(all.status().code(), what + all.status().message());
  std::vector<std::string> removed;
  for (const auto& l : *all) {
    if (l.master != bridge) continue;
    bool ours = (l.kind == "vlan" && l.name == segment_link_name(SegmentKind::kVlan, l.id)) ||
                (l.kind == "vxlan" && l.name == segment_link_name(SegmentKind::kVxlan, l.id));
    if (!ours) continue;
    if (Status s = links.remove(l.name); !s.ok()) return Status(s.code(), what + s.message());
    removed.push_back(l.name);
  }
  return removed;
}

// ---- The kernel, through libnl-route-3 ----

namespace {

struct NlFree {
  void operator()(nl_sock* p) const { nl_socket_free(p); }
  void operator()(nl_cache* p) const { nl_cache_free(p); }
  void operator()(rtnl_link* p) const { rtnl_link_put(p); }
  void operator()(nl_addr* p) const { nl_addr_put(p); }
};
using Socket = std::unique_ptr<nl_sock, NlFree>;
using Cache = std::unique_ptr<nl_cache, NlFree>;
using LinkObject = std::unique_ptr<rtnl_link, NlFree>;
using Address = std::unique_ptr<nl_addr, NlFree>;

Status nl_status(int err, const std::string& what) {
  Code code = Code::kIo;
  if (err == -NLE_PERM || err == -NLE_NOACCESS) code = Code::kPermissionDenied;
  if (err == -NLE_EXIST) code = Code::kConflict;
  return error(code, what + nl_geterror(err));
}

class NetlinkLinkTable : public LinkTable {
 public:
  Result<std::vector<Link>> list() override {
    auto conn = connect();
    if (!conn.ok()) return conn.status();
    auto cache = load(conn->get());
    if (!cache.ok()) return cache.status();
    std::vector<Link> out;
    for (nl_object* o = nl_cache_get_first(cache->get()); o; o = nl_cache_get_next(o)) {
      auto* l = reinterpret_cast<rtnl_link*>(o);
      Link link;
      link.name = rtnl_link_get_name(l);
      if (const char* type = rtnl_link_get_type(l)) link.kind = type;
      link.up = (rtnl_link_get_flags(l) & IFF_UP) != 0;
      link.master = name_of(cache->get(), rtnl_link_get_master(l));
      if (link.kind == "vlan") {
        link.id = rtnl_link_vlan_get_id(l);
        link.device = name_of(cache->get(), rtnl_link_get_link(l));
      } else if (link.kind == "vxlan") {
        uint32_t id = 0, port = 0, lower = 0;
        rtnl_link_vxlan_get_id(l, &id);
        rtnl_link_vxlan_get_port(l, &port);
        rtnl_link_vxlan_get_link(l, &lower);
        link.id = id;
        link.port = static_cast<int>(port);
        link.learning = rtnl_link_vxlan_get_learning(l) > 0;
        link.device = name_of(cache->get(), static_cast<int>(lower));
        nl_addr* group = nullptr;
        if (rtnl_link_vxlan_get_group(l, &group) == 0 && group)
          link.group = address_text(Address(group));
      }
      out.push_back(std::move(link));
    }
    return out;
  }

  Status create(const Link& want) override {
    auto conn = connect();
    if (!conn.ok()) return conn.status();
    auto cache = load(conn->get());
    if (!cache.ok()) return cache.status();
    int device = rtnl_link_name2i(cache->get(), want.device.c_str());
    int master = rtnl_link_name2i(cache->get(), want.master.c_str());
    if (device == 0)
      return error(Code::kFailedPrecondition, "uplink " + want.device + " does not exist");
    if (master == 0)
      return error(Code::kFailedPrecondition, "bridge " + want.master + " does not exist");
    bool vlan = want.kind == "vlan";
    LinkObject link(vlan ? rtnl_link_vlan_alloc() : rtnl_link_vxlan_alloc());
    if (!link) return error(Code::kInternal, "link " + want.name + ": out of memory");
    rtnl_link_set_name(link.get(), want.name.c_str());
    if (vlan) {
      rtnl_link_set_link(link.get(), device);
      rtnl_link_vlan_set_id(link.get(), static_cast<uint16_t>(want.id));
    } else {
      rtnl_link_vxlan_set_link(link.get(), static_cast<uint32_t>(device));
      rtnl_link_vxlan_set_id(link.get(), static_cast<uint32_t>(want.id));
      rtnl_link_vxlan_set_port(link.get(), static_cast<uint32_t>(want.port));
      rtnl_link_vxlan_set_learning(link.get(), want.learning ? 1 : 0);
      if (!want.group.empty()) {
        nl_addr* parsed = nullptr;
        if (int err = nl_addr_parse(want.group.c_str(), AF_UNSPEC, &parsed); err < 0)
          return nl_status(err, "link " + want.name + ": group " + want.group + ": ");
        Address group(parsed);
        if (int err = rtnl_link_vxlan_set_group(link.get(), group.get()); err < 0)
          return nl_status(err, "link " + want.name + ": group " + want.group + ": ");
      }
    }
    rtnl_link_set_master(link.get(), master);
    rtnl_link_set_flags(link.get(), IFF_UP);
    int err = rtnl_link_add(conn->get(), link.get(), NLM_F_CREATE | NLM_F_EXCL);
    // The kernel answers EOPNOTSUPP ("Unknown device type") when it has no
    // driver for the kind and cannot load its module.
    if (err == -NLE_OPNOTSUPP)
      return error(Code::kFailedPrecondition,
                   vlan ? "the kernel cannot create VLAN devices (module 8021q missing?)"
                        : "the kernel cannot create VXLAN devices (module vxlan missing?)");
    if (err < 0)
      return nl_status(
          err, "creating " + want.kind + " link " + want.name + " on " + want.device + ": ");
    return {};
  }

  Status attach(const std::string& name, const std::string& master) override {
    auto conn = connect();
    if (!conn.ok()) return conn.status();
    auto cache = load(conn->get());
    if (!cache.ok()) return cache.status();
    LinkObject have(rtnl_link_get_by_name(cache->get(), name.c_str()));
    int bridge = rtnl_link_name2i(cache->get(), master.c_str());
    if (!have) return error(Code::kNotFound, "link " + name + " does not exist");
    if (bridge == 0)
      return error(Code::kFailedPrecondition, "bridge " + master + " does not exist");
    LinkObject change(rtnl_link_alloc());
    if (!change) return error(Code::kInternal, "link " + name + ": out of memory");
    rtnl_link_set_master(change.get(), bridge);
    rtnl_link_set_flags(change.get(), IFF_UP);
    int err = rtnl_link_change(conn->get(), have.get(), change.get(), 0);
    if (err < 0) return nl_status(err, "attaching link " + name + " to " + master + ": ");
    return {};
  }

  Status remove(const std::string& name) override {
    auto conn = connect();
    if (!conn.ok()) return conn.status();
    LinkObject link(rtnl_link_alloc());
    if (!link) return error(Code::kInternal, "link " + name + ": out of memory");
    rtnl_link_set_name(link.get(), name.c_str());
    int err = rtnl_link_delete(conn->get(), link.get());
    if (err < 0 && err != -NLE_NODEV && err != -NLE_OBJ_NOTFOUND)
      return nl_status(err, "deleting link " + name + ": ");
    return {};
  }

 private:
  static Result<Socket> connect() {
    Socket sock(nl_socket_alloc());
    if (!sock) return error(Code::kInternal, "netlink: out of memory");
    if (int err = nl_connect(sock.get(), NETLINK_ROUTE); err < 0)
      return nl_status(err, "netlink: ");
    return sock;
  }
  static Result<Cache> load(nl_sock* sock) {
    nl_cache* cache = nullptr;
    if (int err = rtnl_link_alloc_cache(sock, AF_UNSPEC, &cache); err < 0)
      return nl_status(err, "listing links: ");
    return Cache(cache);
  }
  // inet_ntop's text, as the agent config's vxlanGroup is normalized to.
  static std::string address_text(const Address& addr) {
    char buf[INET6_ADDRSTRLEN] = {};
    int family = nl_addr_get_family(addr.get());
    return inet_ntop(family, nl_addr_get_binary_addr(addr.get()), buf, sizeof buf) ? buf : "";
  }
  static std::string name_of(nl_cache* cache, int index) {
    if (index <= 0) return "";
    char buf[IFNAMSIZ] = {};
    return rtnl_link_i2name(cache, index, buf, sizeof buf) ? std::string(buf) : std::string();
  }
};

}  // namespace

std::unique_ptr<LinkTable> netlink_link_table() {
  return std::make_unique<NetlinkLinkTable>();
}

}  // namespace xc
