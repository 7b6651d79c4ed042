#!/usr/bin/env python3
"""The reconcile benchmark of issue 4, in one run:
  (a) floor: one process defining and starting the same VMs with raw libvirt calls;
  (b) xcloudctl apply of everything; (c) xcloudctl diff with nothing to change;
  (d) apply after changing 10 VMs; and xcloudctl's peak RSS.
Then at 10x: (c) again for 11,330 VMs on 120 agents.

  bench/reconcile_bench.py [--build build] [--vms 1133 --hosts 60] [--ten-x]

Every agent is a real `xcloud-agent serve` over mutual TLS on a simulated host
(libvirt's test:/// driver). Prints each figure and its ratio to (a)."""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(cmd, expect=(0,)):
    """Runs cmd; returns (seconds, peak RSS in MiB of that process alone, from wait4)."""
    with tempfile.TemporaryFile("w+") as out:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(p.pid, 0)
        seconds = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode not in expect:
            out.seek(0)
            sys.exit(f"{' '.join(cmd)} exited {p.returncode}:\n{out.read()[-3000:]}")
    return seconds, usage.ru_maxrss / 1024.0


class Cloud:
    def __init__(self, build, vms, hosts, work):
        self.ctl = os.path.join(build, "ctl", "xcloudctl")
        self.agent = os.path.join(build, "agent", "xcloud-agent")
        self.work = work
        self.state = os.path.join(work, "state", "state.db")
        self.procs = []
        subprocess.run([self.ctl, "--state", self.state, "init"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([self.ctl, "--state", self.state, "ca", "init"], check=True, stdout=subprocess.DEVNULL)
        ports = [free_port() for _ in range(hosts)]
        self.manifests = os.path.join(work, "manifests")
        self.hosts_file = os.path.join(work, "hosts.txt")
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "generate_cloud.py"), "--out", self.manifests,
                        "--vms", str(vms), "--hosts", str(hosts), "--ports", ",".join(map(str, ports)),
                        "--hosts-file", self.hosts_file], check=True)
        for line in open(self.hosts_file):
            name, arch, cpus, mem, port = line.split()
            self.start_agent(name, arch, int(cpus), int(mem), int(port))

    def start_agent(self, name, arch, cpus, mem, port):
        d = os.path.join(self.work, "agents", name)
        os.makedirs(d)
        subprocess.run([self.ctl, "--state", self.state, "host", "enroll", name, "--address", f"127.0.0.1:{port}"],
                       check=True, stdout=subprocess.DEVNULL)
        bundle = os.path.join(self.work, "state", "pki", "hosts", name)
        open(os.path.join(d, "host.xml"), "w").write(
            f"<node><cpu><nodes>1</nodes><sockets>1</sockets><cores>{cpus}</cores><threads>1</threads>"
            f"<active>{cpus}</active><mhz>2600</mhz><model>{arch}</model></cpu>"
            f"<memory>{mem * 1024 * 1024}</memory></node>")
        open(os.path.join(d, "agent.yaml"), "w").write(
            f"listen: 127.0.0.1\nport: {port}\nlibvirt: test://{d}/host.xml\nstorageDir: {d}/disks\n"
            f"tls: {{cert: {bundle}/agent.crt, key: {bundle}/agent.key, ca: {bundle}/ca.crt}}\n")
        log = open(os.path.join(d, "agent.log"), "w")
        self.procs.append(subprocess.Popen([self.agent, "serve", "--config", os.path.join(d, "agent.yaml")],
                                           stderr=log))
        for _ in range(500):  # 10 s: a loaded machine starting the 120th agent
            if "serving" in open(os.path.join(d, "agent.log")).read():
                return
            time.sleep(0.02)
        sys.exit(f"agent {name} did not start: {open(os.path.join(d, 'agent.log')).read()[-2000:]}")

    def xcloudctl(self, *args, expect=(0,)):
        return timed([self.ctl, "--state", self.state, *args], expect)

    def stop(self):
        for p in self.procs:
            p.send_signal(signal.SIGTERM)
        for p in self.procs:
            p.wait(timeout=30)


def change_ten_vms(manifests):
    path = os.path.join(manifests, "vms.yaml")
    text = open(path).read()
    for _ in range(10):  # the data disk's IOPS of the first 10 VMs: a live update each
        text = text.replace("tier: normal, iops: 2000}", "tier: normal, iops: 2500}", 1)
    open(path, "w").write(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--vms", type=int, default=1133)
    ap.add_argument("--hosts", type=int, default=60)
    ap.add_argument("--ten-x", action="store_true", help="also measure diff at 10x (11,330 VMs, 120 agents)")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="xc-bench-")
    try:
        raw_dir = os.path.join(work, "raw")
        os.makedirs(raw_dir)
        cloud = Cloud(a.build, a.vms, a.hosts, os.path.join(work, "cloud"))
        raw = subprocess.run([os.path.join(a.build, "bench", "raw_define"), cloud.hosts_file, raw_dir, str(a.vms)],
                             check=True, stdout=subprocess.PIPE, text=True)
        floor = float(raw.stdout.strip())
        apply_s, apply_rss = cloud.xcloudctl("apply", "-f", cloud.manifests)
        diff_s, diff_rss = cloud.xcloudctl("diff", "-f", cloud.manifests)
        change_ten_vms(cloud.manifests)
        change_s, change_rss = cloud.xcloudctl("apply", "-f", cloud.manifests)
        _, clean_rss = cloud.xcloudctl("diff", "-f", cloud.manifests)
        cloud.stop()
        peak = max(apply_rss, diff_rss, change_rss, clean_rss)
        print(f"scale: {a.vms} VMs on {a.hosts} agents (mutual TLS, libvirt test driver)")
        print(f"(a) raw libvirt define+start, one process: {floor:.3f} s")
        print(f"(b) xcloudctl apply, everything:           {apply_s:.3f} s  ({apply_s / floor:.1f}x the floor; target <= 5 s and <= 10x)")
        print(f"(c) xcloudctl diff, nothing to change:     {diff_s:.3f} s  ({diff_s / floor:.1f}x; target <= 1 s)")
        print(f"(d) xcloudctl apply after changing 10 VMs: {change_s:.3f} s  ({change_s / floor:.1f}x; target <= 1 s)")
        print(f"peak RSS of xcloudctl:                     {peak:.0f} MiB (target <= 200 MB)")
        if a.ten_x:
            big = Cloud(a.build, a.vms * 10, a.hosts * 2, os.path.join(work, "ten-x"))
            big_apply, _ = big.xcloudctl("apply", "-f", big.manifests)
            big_diff, big_rss = big.xcloudctl("diff", "-f", big.manifests)
            big.stop()
            print(f"10x: {a.vms * 10} VMs on {a.hosts * 2} agents: apply {big_apply:.3f} s, "
                  f"(c) diff {big_diff:.3f} s (target <= 5 s), peak RSS {big_rss:.0f} MiB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
