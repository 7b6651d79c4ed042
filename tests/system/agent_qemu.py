"""System test: the agent against a real libvirtd with QEMU (software emulation
when there is no KVM). For an x86_64 and an aarch64 (virt + AAVMF) guest:
domain.ensure a 1-vCPU VM with a small qcow2 disk, see it running, see the
tier's IOPS in `virsh blkdeviotune`, see CPU time rise in metrics.sample, then
domain.delete with wipe removes the disk. The x86_64 guest has three NICs on
a tenant network (nic_filters.py): the rules libvirt instantiated on their
tap devices bind each NIC to its MAC and addresses and enforce its security
groups' ingress and egress rules, and the guest still runs. The x86_64 guest
also has a guest section: the running domain has the NoCloud seed as a
read-only CD-ROM whose ISO 9660 volume label is cidata, removed with it. A raw
image with a sha256 becomes the raw backing file of a qcow2 overlay, and a
wrong digest is refused. Lifecycle events reach events.wait: the x86_64
guest's boot, and its QEMU process killed as "crashed (failed)". A running
domain xcloud does not own, its NICs without filters, is adopted: its NICs
get their filters live (the same rules on their taps) and it keeps running."""
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from xml.etree import ElementTree

sys.path.insert(0, os.path.dirname(__file__))
from agent_client import Agent  # noqa: E402
import nic_filters  # noqa: E402

agent_binary, workdir = sys.argv[1], sys.argv[2]
pool = f"xc-systest-{os.getpid()}"
config = os.path.join(workdir, "agent.yaml")
with open(config, "w") as f:
    # Software emulation: the machines this runs on may have no (or nested) KVM.
    f.write(f"libvirt: qemu:///system\ndomainType: qemu\nstorageDir: {workdir}/disks\nstoragePool: {pool}\n"
            f"imageDir: {workdir}/images\n")


def virsh(*args):
    return subprocess.run(["virsh", "-c", "qemu:///system", *args], check=True, capture_output=True,
                          text=True).stdout


def cpu_time(agent, domain):
    for entry in agent.ok("metrics.sample")["domains"]:
        if entry["domain"] == domain:
            return entry["cpuTimeNs"]
    raise AssertionError(f"{domain} missing from metrics.sample")


SEED_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKQig858ZtMmeRFsA+eWzR5DPfNDbAM+d6J2+ihKYxnu ops@example"


def check_seed(domain):
    """The running domain's CD-ROM is the seed file, labelled cidata."""
    live = ElementTree.fromstring(virsh("dumpxml", domain))
    cdroms = live.findall("./devices/disk[@device='cdrom']")
    assert len(cdroms) == 1, virsh("dumpxml", domain)
    iso = cdroms[0].find("source").get("file")
    assert iso == os.path.join(workdir, "disks", f"{domain}.cidata.iso"), iso
    assert cdroms[0].find("readonly") is not None and cdroms[0].find("target").get("bus") == "sata"
    with open(iso, "rb") as f:
        data = f.read()
    assert data[32768:32774] == b"\x01CD001", data[32768:32774]  # primary volume descriptor
    assert data[32768 + 40:32768 + 72].rstrip() == b"cidata", data[32768 + 40:32768 + 72]
    assert b"#cloud-config" in data and SEED_KEY.encode() in data and b'"version": 2' in data
    if os.path.exists("/usr/sbin/blkid") or os.path.exists("/sbin/blkid"):
        label = subprocess.run(["blkid", "-o", "value", "-s", "LABEL", iso], capture_output=True,
                               text=True).stdout.strip()
        assert label == "cidata", label
    return iso


def exercise(agent, arch, iops, nics=(), guest=None):
    spec = {"tenant": "systest", "name": f"vm-{arch.replace('_', '-')}", "spec_hash": "0a1b2c",
            "generation": 1, "arch": arch, "cpus": 1, "memory_mib": 512 if arch == "aarch64" else 256,
            "disks": [{"name": "root", "size_gib": 1, "tier": "normal", "iops": iops}],
            "nics": list(nics), "accelerators": [], "power": "running"}
    if guest:
        spec["guest"] = guest
    created = agent.ok("domain.ensure", spec)
    assert created["action"] == "created", created
    domain = created["domain"]
    again = agent.ok("domain.ensure", spec)
    assert again["action"] == "unchanged" and "filters" not in again, again  # the filters are kept
    if nics:
        nic_filter_names.extend(nic_filters.names(domain))
        nic_filters.check(domain, created)
        nic_filters.check_live_swap(agent, spec, domain)
    seed = None
    if guest:
        assert created["seed"] == "created" and again["seed"] == "unchanged", (created, again)
        seed = check_seed(domain)

    listed = {d["domain"]: d for d in agent.ok("domains.list")["managed"]}
    assert listed[domain]["state"] == "running", listed
    assert listed[domain]["cpus"] == 1 and listed[domain]["specHash"] == "0a1b2c", listed

    tune = virsh("blkdeviotune", domain, "vda")
    assert f"total_iops_sec : {iops}" in tune, tune

    first = cpu_time(agent, domain)
    time.sleep(2)
    second = cpu_time(agent, domain)
    assert second > first, (first, second)

    # A definition edited behind xcloud's back is reported and repaired.
    virsh("setvcpus", domain, "2", "--config", "--maximum")
    deep = {d["domain"]: d for d in agent.ok("domains.list", {"deep": True})["managed"]}
    assert deep[domain]["definitionDrift"], deep[domain]
    assert agent.ok("domain.ensure", spec)["action"] == "repaired"
    deep = {d["domain"]: d for d in agent.ok("domains.list", {"deep": True})["managed"]}
    assert not deep[domain]["definitionDrift"], deep[domain]

    if arch == "x86_64":
        check_lifecycle_events(agent, domain)

    disk = os.path.join(workdir, "disks", f"{domain}.root.qcow2")
    assert os.path.exists(disk), disk
    deleted = agent.ok("domain.delete", {"name": domain, "wipe": True})
    assert deleted["wiped"] and deleted["volumes"][0]["wiped"], deleted
    assert not os.path.exists(disk), disk
    if seed:
        assert deleted["seed"] == "deleted" and not os.path.exists(seed), deleted
    assert domain not in {d["domain"] for d in agent.ok("domains.list")["managed"]}
    print(f"{arch}: created, running, iops {iops}, cpu time {first} -> {second}, wiped and deleted"
          + (f", {len(nics)} NICs filtered ({', '.join(nic_filter_names)})" if nics else "")
          + (", seed CD-ROM labelled cidata" if seed else ""))


def check_lifecycle_events(agent, domain):
    """libvirt's lifecycle events (the agent's subscription on qemu:///system)
    come out of events.wait: the boot, then QEMU killed under the guest."""
    with open(f"/run/libvirt/qemu/{domain}.pid") as f:
        os.kill(int(f.read().strip()), signal.SIGKILL)
    seen, after, deadline = [], 0, time.time() + 60
    while time.time() < deadline and ("crashed", "failed") not in seen:
        result = agent.ok("events.wait", {"after": after, "waitMs": 2000})
        for e in result["events"]:
            after = max(after, e["seq"])
            if e["domain"] == domain:
                seen.append((e["type"], e["detail"]))
    assert ("started", "booted") in seen and ("crashed", "failed") in seen, seen
    states = {d["domain"]: d["state"] for d in agent.ok("domains.list")["managed"]}
    assert states[domain] == "stopped", states
    print(f"{domain}: lifecycle events {seen}")


def exercise_raw_image(agent):
    """An Image with format: raw and sha256: a wrong digest is refused before
    any disk exists; the right one gives a qcow2 overlay whose backing file
    qemu-img reads as raw."""
    images = os.path.join(workdir, "images")
    os.makedirs(images, exist_ok=True)
    base = os.path.join(images, "base.raw")
    with open(base, "wb") as f:
        f.write(b"xcloud raw image\n" + bytes(1 << 20))
    good = hashlib.sha256(open(base, "rb").read()).hexdigest()
    request = {"name": "systest-raw-root", "size_gib": 1, "backing": base, "backing_format": "raw"}
    refused = agent.call("volume.ensure", {**request, "backing_sha256": "0" * 64})
    assert refused["error"]["code"] == "failed_precondition", refused
    assert f"SHA-256 is {good}, the Image says {'0' * 64}" in refused["error"]["message"], refused
    created = agent.ok("volume.ensure", {**request, "backing_sha256": good})
    assert created["action"] == "created", created
    info = json.loads(subprocess.run(["qemu-img", "info", "--output=json", "-U", created["path"]],
                                     check=True, capture_output=True, text=True).stdout)
    assert info["format"] == "qcow2", info
    assert info["backing-filename"] == base and info["backing-filename-format"] == "raw", info
    agent.ok("volume.delete", {"name": "systest-raw-root"})
    print("raw image: digest checked, qcow2 overlay on a raw backing file")


LEGACY = "legacy-app"


def exercise_adopt(agent):
    # A domain xcloud did not make: one it made, with its name, UUID,
    # metadata and NIC filters taken away (the filters undefined too).
    spec = {"tenant": "systest", "name": "vm-legacy", "spec_hash": "0a1b2c", "generation": 1,
            "arch": "x86_64", "cpus": 1, "memory_mib": 256,
            "disks": [{"name": "root", "size_gib": 1, "tier": "normal"}],
            "nics": list(nic_filters.NICS), "accelerators": [], "power": "running"}
    made = agent.ok("domain.ensure", spec)["domain"]
    filters = nic_filters.names(made)
    definition = ElementTree.fromstring(virsh("dumpxml", "--inactive", made))
    disk = definition.find("./devices/disk/source").get("file")
    definition.find("name").text = LEGACY
    for tag in ("uuid", "metadata"):
        definition.remove(definition.find(tag))
    for interface in definition.findall("./devices/interface"):
        interface.remove(interface.find("filterref"))
    virsh("destroy", made)
    virsh("undefine", made)
    for name in filters + ["xcloud-no-ipv6-spoofing"]:
        virsh("nwfilter-undefine", name)
    legacy_xml = os.path.join(workdir, "legacy.xml")
    with open(legacy_xml, "wb") as f:
        f.write(ElementTree.tostring(definition))
    virsh("define", legacy_xml)
    virsh("start", LEGACY)
    live = ElementTree.fromstring(virsh("dumpxml", LEGACY))
    assert all(i.find("filterref") is None for i in live.findall("./devices/interface"))
    domid = virsh("domid", LEGACY).strip()

    adopt = dict(spec, name=LEGACY, adopted=True,
                 disks=[{"name": "root", "size_gib": 1, "tier": "normal", "path": disk}])
    uuid = virsh("domuuid", LEGACY).strip()
    adopted = agent.ok("domain.adopt", {"spec": adopt, "uuid": uuid})
    assert adopted["action"] == "adopted" and adopted["id"] == int(domid), adopted
    nic_filters.check(LEGACY, adopted)  # live: the rules are on the taps now
    nic_filter_names.extend(nic_filters.names(LEGACY))
    inactive = ElementTree.fromstring(virsh("dumpxml", "--inactive", LEGACY))
    refs = [i.find("filterref") for i in inactive.findall("./devices/interface")]
    assert all(r is not None and r.get("filter").startswith("xcnic-") for r in refs), refs
    assert virsh("domid", LEGACY).strip() == domid, "the adoption restarted the domain"
    print(f"adopted {LEGACY}: {len(refs)} NICs filtered live and in its definition, not restarted")


def remove_legacy():
    for command in (["destroy", LEGACY], ["undefine", LEGACY]):
        subprocess.run(["virsh", "-c", "qemu:///system", *command], capture_output=True)


agent = Agent(agent_binary, config)
names = ["xc-systest.vm-x86-64", "xc-systest.vm-aarch64", "xc-systest.vm-legacy"]
for name in names:  # left by an interrupted earlier run
    agent.call("domain.delete", {"name": name})
remove_legacy()
nic_filter_names = []
try:
    nic_filters.remove_leftovers()
    nic_filters.ensure_groups(agent)
    exercise(agent, "x86_64", 2500, nic_filters.NICS, {"hostname": "vm-x86-64", "ssh_authorized_keys": [SEED_KEY]})
    exercise(agent, "aarch64", 3000)
    exercise_raw_image(agent)
    exercise_adopt(agent)
finally:
    remove_legacy()
    agent.call("volume.delete", {"name": "systest-raw-root"})
    for name in names:
        agent.call("domain.delete", {"name": name})
    nic_filters.cleanup(agent, nic_filter_names)
    agent.close()
    subprocess.run(["virsh", "-c", "qemu:///system", "pool-destroy", pool], capture_output=True)
    subprocess.run(["virsh", "-c", "qemu:///system", "pool-undefine", pool], capture_output=True)
