#!/usr/bin/env python3
"""Generates a cloud of the Xicheng district's shape (data/xicheng-scale.yaml)
as xcloud manifests: zones, pools, hosts, tenants, business systems and VMs
with realistic sizes and disks. Deterministic for a given seed.

  bench/generate_cloud.py --out DIR --vms 1133 --hosts 60 --tenants 59 --systems 184 \
      --port-base 7701 [--seed 1] [--hosts-file hosts.tsv]

--hosts-file writes "name arch cpus memory_gib port" lines for starting agents."""
import argparse
import os
import random

p = argparse.ArgumentParser()
p.add_argument("--out", required=True)
p.add_argument("--vms", type=int, default=1133)
p.add_argument("--hosts", type=int, default=60)
p.add_argument("--tenants", type=int, default=59)
p.add_argument("--systems", type=int, default=184)
p.add_argument("--port-base", type=int, default=7701)
p.add_argument("--ports", help="comma-separated ports, one per host (overrides --port-base)")
p.add_argument("--seed", type=int, default=1)
p.add_argument("--hosts-file")
a = p.parse_args()
rng = random.Random(a.seed)
os.makedirs(a.out, exist_ok=True)
zones = ["gov-extranet", "internet", "test"]
pools = [("erlonglu", "gov-extranet"), ("weijianwei", "internet"), ("tianning1", "test")]
ports = [int(x) for x in a.ports.split(",")] if a.ports else [a.port_base + i for i in range(a.hosts)]


def doc(kind, meta, spec):
    lines = ["---", "apiVersion: xcloud/v1", f"kind: {kind}", "metadata:"]
    lines += [f"  {k}: {v}" for k, v in meta.items()]
    lines.append("spec:")
    lines += [f"  {line}" for line in spec]
    return "\n".join(lines) + "\n"


# Hosts: two thirds x86_64, one third aarch64 (Kunpeng/Phytium), sized so the VMs fit.
vm_cpus = [rng.choice([2, 2, 4, 4, 4, 8, 8, 16]) for _ in range(a.vms)]
vm_mem = [c * rng.choice([2, 2, 4]) for c in vm_cpus]
need_cpu = sum(vm_cpus) * 1.6 / a.hosts
need_mem = sum(vm_mem) * 1.6 / a.hosts
host_cpus = max(16, int(need_cpu) + 8)
host_mem = max(64, int(need_mem) + 32)
hosts = []
infra = []
for z in zones:
    infra.append(doc("Zone", {"name": z}, [f"displayName: {z}"]))
for name, zone in pools:
    infra.append(doc("Pool", {"name": name}, [f"zone: {zone}", "cpuOvercommit: 1.0", "policy: spread"]))
for i in range(a.hosts):
    arch = "aarch64" if i % 3 == 2 else "x86_64"
    pool = pools[i % len(pools)][0]
    name = f"{'kp' if arch == 'aarch64' else 'x86'}-{i + 1:03d}"
    hosts.append((name, arch, host_cpus, host_mem, ports[i], pool))
    infra.append(doc("Host", {"name": name}, [f"pool: {pool}", f"address: \"127.0.0.1:{ports[i]}\""]))
open(os.path.join(a.out, "infrastructure.yaml"), "w").write("".join(infra))

SEED_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKQig858ZtMmeRFsA+eWzR5DPfNDbAM+d6J2+ihKYxnu"
SEED_HASH = "$6$benchsalt$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSwGfQv72N2CKPPrVACtLtip/cZ/1GM/O6IND4WQhG."
tenants = [f"dept-{i + 1:02d}" for i in range(a.tenants)]
docs = [doc("Tenant", {"name": t}, [f"displayName: 部门{i + 1}"]) for i, t in enumerate(tenants)]
docs.append(doc("Image", {"name": "uos-20"}, ["arch: x86_64", "source: /var/lib/xcloud/images/uos-20.qcow2"]))
docs.append(doc("Image", {"name": "kylin-v10"}, ["arch: aarch64", "source: /var/lib/xcloud/images/kylin-v10.qcow2"]))
open(os.path.join(a.out, "tenants.yaml"), "w").write("".join(docs))

systems = [(f"sys-{i + 1:03d}", tenants[i % len(tenants)]) for i in range(a.systems)]
vms = []
for i in range(a.vms):
    system, tenant = systems[i % len(systems)]
    pool_index = i % len(pools)
    # aarch64 hosts are every third host; match the image to arches available in the pool.
    arches_in_pool = {h[1] for h in hosts if h[5] == pools[pool_index][0]}
    image = "kylin-v10" if arches_in_pool == {"aarch64"} or (i % 4 == 3 and "aarch64" in arches_in_pool) else "uos-20"
    if image == "uos-20" and "x86_64" not in arches_in_pool:
        image = "kylin-v10"
    tier = "high" if i % 5 == 0 else "normal"
    vms.append(doc("VirtualMachine", {"name": f"{system}-vm-{i + 1:05d}", "tenant": tenant,
                                      "labels": f"{{system: {system}}}"},
                   [f"cpus: {vm_cpus[i]}", f"memoryGiB: {vm_mem[i]}", f"image: {image}",
                    "disks:", f"  - {{name: root, sizeGiB: {rng.choice([40, 80, 100])}, tier: {tier}}}",
                    f"  - {{name: data, sizeGiB: {rng.choice([100, 200, 500])}, tier: normal, iops: 2000}}",
                    f"placement: {{pool: {pools[pool_index][0]}}}",
                    # Every VM's seed carries a key and a password hash (issue 11).
                    "guest:", f"  hostname: {system}-vm-{i + 1:05d}.example",
                    f"  sshAuthorizedKeys: ['{SEED_KEY} ops-{i + 1:05d}@example']",
                    f"  passwordHash: '{SEED_HASH}'"]))
open(os.path.join(a.out, "vms.yaml"), "w").write("".join(vms))
if a.hosts_file:
    with open(a.hosts_file, "w") as f:
        for h in hosts:
            f.write(" ".join(str(x) for x in h[:5]) + "\n")
