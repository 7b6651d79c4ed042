"""The packet filter part of the system test: security groups (ingress and
egress) and anti-spoofing on a real libvirtd. check() reads the rules libvirt
instantiated on each guest tap device (iptables-save, ip6tables-save,
ebtables-save) and asserts what each NIC may send and receive;
check_live_swap() shows a running guest gaining its filter at an update."""
import hashlib
import re
import subprocess
import tempfile
from xml.etree import ElementTree

TENANT = "systest"
SSH = "xcsg-systest.ssh"            # ingress: tcp 22 from 10.0.0.0/8; outbound open
HTTPS_OUT = "xcsg-systest.https-out"  # egress: tcp 443 to 192.0.2.0/24 only

# 1: IPv4, groups ssh + https-out (egress restricted); 2: IPv4 + IPv6, group
# ssh (outbound open); 3: no address, no group (bound to its MAC only).
NICS = [
    {"network": "systest/sgnet", "mac": "52:54:00:5e:00:01", "ipv4": "10.99.0.5",
     "security_groups": ["ssh", "https-out"]},
    {"network": "systest/sgnet", "mac": "52:54:00:5e:00:02", "ipv4": "10.99.0.6",
     "ipv6": "fd00:99::6", "security_groups": ["ssh"]},
    {"network": "systest/sgnet", "mac": "52:54:00:5e:00:03"},
]


def virsh(*args):
    return subprocess.run(["virsh", "-c", "qemu:///system", *args], check=True, capture_output=True,
                          text=True).stdout


def ensure_groups(agent):
    """A tenant network (no segment: a plain bridge) and the two groups."""
    assert agent.ok("network.ensure", {"tenant": TENANT, "name": "sgnet"})["action"] in ("created", "unchanged")
    sg = agent.ok("securitygroup.ensure", {"tenant": TENANT, "name": "ssh", "ingress": [
        {"protocol": "tcp", "from": "10.0.0.0/8", "port_from": 22}]})
    assert sg == {"filter": SSH, "applied": True}, sg
    sg = agent.ok("securitygroup.ensure", {"tenant": TENANT, "name": "https-out", "egress": [
        {"protocol": "tcp", "to": "192.0.2.0/24", "port_from": 443}]})
    assert sg == {"filter": HTTPS_OUT, "applied": True}, sg


def mac_key(text):
    """ebtables prints 52:54:0:5e:0:1 for 52:54:00:5e:00:01."""
    return ":".join(f"{int(part, 16):02x}" for part in text.split(":"))


def save(command):
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.splitlines()


def chain_rules(lines, prefix):
    """Rules of the chains whose names start with prefix, as `-A CHAIN ...` lines."""
    return [line for line in lines if line.startswith(f"-A {prefix}")]


def check_ebtables(tap, nic, ebtables):
    """Anti-spoofing: frames from the guest carry its MAC; its IPv4 and IPv6
    sources and ARP are bound to its addresses; other sources are dropped."""
    out = chain_rules(ebtables, f"I-{tap}-")  # libvirt's chains for traffic from the guest
    assert out, f"no ebtables rules from {tap}:\n" + "\n".join(ebtables)
    macs = {mac_key(m) for line in out for m in re.findall(r"-s ((?:[0-9a-f]{1,2}:){5}[0-9a-f]{1,2})", line)}
    assert macs == {nic["mac"]}, (macs, out)
    mac_chain = [line for line in out if line.startswith(f"-A I-{tap}-mac ")]
    assert mac_chain and mac_chain[-1].endswith("-j DROP"), out  # any other source MAC
    ipv4 = [line for line in out if "--ip-src" in line]
    arp = [line for line in out if "--arp-ip-src" in line]
    ipv6 = [line for line in out if "--ip6-src" in line]
    if nic.get("ipv4"):
        assert any(f"--ip-src {nic['ipv4']} " in line + " " for line in ipv4), out
        assert any(f"--arp-ip-src {nic['ipv4']} " in line + " " for line in arp), out
    else:
        assert not ipv4 and not arp, out
    if nic.get("ipv6"):
        assert any(f"--ip6-src {nic['ipv6']}" in line for line in ipv6), out
        assert any("--ip6-src fe80::/10" in line for line in ipv6), out
    elif nic.get("ipv4"):
        # clean-traffic: only IPv4 and ARP leave the guest at all.
        assert any(line.endswith("-j DROP") and "-p " not in line for line in chain_rules(ebtables, f"libvirt-I-{tap}")), out
    if not nic.get("ipv4") and not nic.get("ipv6"):
        assert not ipv6, out


def check_iptables(tap, nic, v4, v6):
    """Security groups: inbound only what ingress allows; outbound only what
    egress allows when a group of the NIC has egress rules, else open."""
    to_guest = chain_rules(v4, f"FO-{tap} ")
    from_guest = chain_rules(v4, f"FI-{tap} ")
    to_guest6 = chain_rules(v6, f"FO-{tap} ")
    from_guest6 = chain_rules(v6, f"FI-{tap} ")
    if not nic.get("security_groups"):
        assert not to_guest and not from_guest, (to_guest, from_guest)
        return
    assert any("--dport 22" in r and "10.0.0.0/8" in r and r.endswith("-j ACCEPT") for r in to_guest), to_guest
    assert to_guest and "DROP" in to_guest[-1], to_guest  # deny by default, after the accepts
    assert to_guest6 and "DROP" in to_guest6[-1], to_guest6
    if "https-out" in nic["security_groups"]:
        # libvirt accepts in the chain from the guest by returning to the host's rules.
        accept = [i for i, r in enumerate(from_guest)
                  if "192.0.2.0/24" in r and "--dport 443" in r and "NEW" in r
                  and r.endswith(("-j RETURN", "-j ACCEPT"))]
        drops = [i for i, r in enumerate(from_guest) if "NEW" in r and r.endswith("-j DROP")]
        assert accept and drops and accept[0] < drops[0], from_guest
        assert "DROP" in from_guest[-1], from_guest
        assert from_guest6 and "DROP" in from_guest6[-1], from_guest6
    else:
        assert from_guest, from_guest  # replies to what ingress accepted
        assert not any("DROP" in r for r in from_guest + from_guest6), from_guest  # outbound is open


def names(domain):
    """The filters the domain's NICs reference."""
    live = ElementTree.fromstring(virsh("dumpxml", domain))
    return [i.find("filterref").get("filter") for i in live.findall("./devices/interface")]


def check(domain, created):
    """The rules libvirt instantiated for each of the domain's NICs."""
    assert "xcloud-no-ipv6-spoofing" in created.get("filters", []), created  # defined on first use
    filters = virsh("nwfilter-list")
    assert SSH in filters and HTTPS_OUT in filters, filters
    assert "drop" not in virsh("nwfilter-dumpxml", SSH), "a group without egress drops nothing"
    live = ElementTree.fromstring(virsh("dumpxml", domain))
    interfaces = live.findall("./devices/interface")
    assert len(interfaces) == len(NICS), virsh("dumpxml", domain)
    ebtables = save(["ebtables-save"])
    v4, v6 = save(["iptables-save", "-t", "filter"]), save(["ip6tables-save", "-t", "filter"])
    for interface, nic in zip(interfaces, NICS):
        assert interface.find("mac").get("address") == nic["mac"]
        ref = interface.find("filterref")
        assert ref is not None and ref.get("filter").startswith("xcnic-"), ElementTree.tostring(interface)
        refs = ElementTree.fromstring(virsh("nwfilter-dumpxml", ref.get("filter"))).findall("filterref")
        refs = [r.get("filter") for r in refs]
        expected_refs = (["clean-traffic"] if nic.get("ipv4") and not nic.get("ipv6") else
                         ["no-mac-spoofing", "no-ip-spoofing", "no-arp-spoofing", "xcloud-no-ipv6-spoofing"]
                         if nic.get("ipv4") else ["no-mac-spoofing", "no-arp-mac-spoofing"])
        assert refs[:len(expected_refs)] == expected_refs, refs
        assert len(refs) == len(expected_refs) + (1 if nic.get("security_groups") else 0), refs
        parameters = {p.get("name"): p.get("value") for p in ref.findall("parameter")}
        expected = {"MAC": nic["mac"]}
        if nic.get("ipv4"):
            expected["IP"] = nic["ipv4"]
        if nic.get("ipv6"):
            expected["IPV6"] = nic["ipv6"]
        assert parameters == expected, parameters
        tap = interface.find("target").get("dev")
        check_ebtables(tap, nic, ebtables)
        check_iptables(tap, nic, v4, v6)
        print(f"{tap} ({nic['mac']}): " + "; ".join(
            chain_rules(ebtables, f"I-{tap}-") + chain_rules(v4, f"FI-{tap} ") + chain_rules(v6, f"FI-{tap} ")))


def remove_leftovers():
    """NIC filters an interrupted earlier run left (libvirt keeps those in use)."""
    for line in virsh("nwfilter-list").splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[1].startswith("xcnic-"):
            subprocess.run(["virsh", "-c", "qemu:///system", "nwfilter-undefine", fields[1]],
                           capture_output=True)


def cleanup(agent, nic_filters):
    for name in nic_filters + ["xcloud-no-ipv6-spoofing"] + [
            "xcsgset-" + hashlib.sha256(f"{TENANT}:{groups}".encode()).hexdigest()[:16]
            for groups in ("https-out,ssh", "ssh")]:
        subprocess.run(["virsh", "-c", "qemu:///system", "nwfilter-undefine", name], capture_output=True)
    for group in ("ssh", "https-out"):
        agent.call("securitygroup.delete", {"tenant": TENANT, "name": group})
    agent.call("network.delete", {"tenant": TENANT, "name": "sgnet"})


def check_live_swap(agent, spec, domain):
    """A running guest whose NIC still references the bare set filter (as an
    older agent left it) gets its NIC filter at the next update, live: the
    anti-spoofing rules appear on its tap device without a restart."""
    live = ElementTree.fromstring(virsh("dumpxml", domain))
    interface = live.find("./devices/interface")
    tap = interface.find("target").get("dev")
    want = interface.find("filterref").get("filter")
    old = ElementTree.Element("interface", {"type": "bridge"})
    for tag in ("mac", "source", "model"):
        old.append(interface.find(tag))
    ElementTree.SubElement(old, "filterref", {"filter": "xcsgset-" + hashlib.sha256(
        f"{TENANT}:https-out,ssh".encode()).hexdigest()[:16]})
    with tempfile.NamedTemporaryFile("w", suffix=".xml") as device:
        device.write(ElementTree.tostring(old, encoding="unicode"))
        device.flush()
        virsh("update-device", domain, device.name, "--live")
    assert not chain_rules(save(["ebtables-save"]), f"I-{tap}-"), "the old filter had anti-spoofing"
    started = virsh("domid", domain)
    updated = agent.ok("domain.ensure", dict(spec, spec_hash=spec["spec_hash"] + "0"))
    assert updated["action"] == "updated" and "pending" not in updated, updated
    ref = ElementTree.fromstring(virsh("dumpxml", domain)).find("./devices/interface/filterref")
    assert ref.get("filter") == want, ElementTree.tostring(ref)
    check_ebtables(tap, NICS[0], save(["ebtables-save"]))
    assert virsh("domid", domain) == started, "the guest was restarted"
    assert agent.ok("domain.ensure", spec)["action"] == "updated"
