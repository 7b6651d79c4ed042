"""System test: the agent against a real libvirtd with QEMU (software emulation
when there is no KVM). For an x86_64 and an aarch64 (virt + AAVMF) guest:
domain.ensure a 1-vCPU VM with a small qcow2 disk, see it running, see the
tier's IOPS in `virsh blkdeviotune`, see CPU time rise in metrics.sample, then
domain.delete with wipe removes the disk. The x86_64 guest has three NICs on
a tenant network (nic_filters.py): the rules libvirt instantiated on their
tap devices bind each NIC to its MAC and addresses and enforce its security
groups' ingress and egress rules, and the guest still runs."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from agent_client import Agent  # noqa: E402
import nic_filters  # noqa: E402

agent_binary, workdir = sys.argv[1], sys.argv[2]
pool = f"xc-systest-{os.getpid()}"
config = os.path.join(workdir, "agent.yaml")
with open(config, "w") as f:
    # Software emulation: the machines this runs on may have no (or nested) KVM.
    f.write(f"libvirt: qemu:///system\ndomainType: qemu\nstorageDir: {workdir}/disks\nstoragePool: {pool}\n")


def virsh(*args):
    return subprocess.run(["virsh", "-c", "qemu:///system", *args], check=True, capture_output=True,
                          text=True).stdout


def cpu_time(agent, domain):
    for entry in agent.ok("metrics.sample")["domains"]:
        if entry["domain"] == domain:
            return entry["stats"]["cpu.time"]
    raise AssertionError(f"{domain} missing from metrics.sample")


def exercise(agent, arch, iops, nics=()):
    spec = {"tenant": "systest", "name": f"vm-{arch.replace('_', '-')}", "spec_hash": "0a1b2c",
            "generation": 1, "arch": arch, "cpus": 1, "memory_mib": 512 if arch == "aarch64" else 256,
            "disks": [{"name": "root", "size_gib": 1, "tier": "normal", "iops": iops}],
            "nics": list(nics), "accelerators": [], "power": "running"}
    created = agent.ok("domain.ensure", spec)
    assert created["action"] == "created", created
    domain = created["domain"]
    again = agent.ok("domain.ensure", spec)
    assert again["action"] == "unchanged" and "filters" not in again, again  # the filters are kept
    if nics:
        nic_filter_names.extend(nic_filters.names(domain))
        nic_filters.check(domain, created)
        nic_filters.check_live_swap(agent, spec, domain)

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

    disk = os.path.join(workdir, "disks", f"{domain}.root.qcow2")
    assert os.path.exists(disk), disk
    deleted = agent.ok("domain.delete", {"name": domain, "wipe": True})
    assert deleted["wiped"] and deleted["volumes"][0]["wiped"], deleted
    assert not os.path.exists(disk), disk
    assert domain not in {d["domain"] for d in agent.ok("domains.list")["managed"]}
    print(f"{arch}: created, running, iops {iops}, cpu time {first} -> {second}, wiped and deleted"
          + (f", {len(nics)} NICs filtered ({', '.join(nic_filter_names)})" if nics else ""))


agent = Agent(agent_binary, config)
names = ["xc-systest.vm-x86-64", "xc-systest.vm-aarch64"]
for name in names:  # left by an interrupted earlier run
    agent.call("domain.delete", {"name": name})
nic_filter_names = []
try:
    nic_filters.remove_leftovers()
    nic_filters.ensure_groups(agent)
    exercise(agent, "x86_64", 2500, nic_filters.NICS)
    exercise(agent, "aarch64", 3000)
finally:
    for name in names:
        agent.call("domain.delete", {"name": name})
    nic_filters.cleanup(agent, nic_filter_names)
    agent.close()
    subprocess.run(["virsh", "-c", "qemu:///system", "pool-destroy", pool], capture_output=True)
    subprocess.run(["virsh", "-c", "qemu:///system", "pool-undefine", pool], capture_output=True)
