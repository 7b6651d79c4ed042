#!/usr/bin/env python3
"""The metrics benchmark of issue 14, in one run:
  (a) one metrics round at the Xicheng scale: `xcloudctl collect` against 60
      real agents (mutual TLS, libvirt's test:/// driver) holding 1,133 VMs,
      timed whole, with the round's own split: calling the 60 agents
      (callMs) and storing (storeMs); the ratio of the round to the calls;
  (b) database growth of raw metrics per day, and of a year of hourly
      rollups, measured on 48 hours of synthetic history (bench/metrics_fixture)
      written into a real state database as collect writes it;
  (c) `xcloudctl top vms --since 48h` over those 48 hours of raw rows;
  (d) the controller's memory: `xcloudctl serve` on the same 60 agents for
      --serve-seconds (heartbeats, event long-polls, metrics every 10 s,
      alarms every 15 s), /proc's VmRSS, RssAnon (private) and VmHWM sampled
      every second.

  bench/metrics_bench.py [--build build] [--vms 1133 --hosts 60] [--rounds 5]

Prints each figure with its target; exit 1 when a target is missed."""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reconcile_bench import ROOT, Cloud, timed  # noqa: E402


def table_bytes(state):
    """Bytes per table and index (with its pages' slack), from SQLite's dbstat."""
    out = subprocess.run(["sqlite3", state, "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"],
                         check=True, stdout=subprocess.PIPE, text=True).stdout
    return {n: int(b) for n, b in (line.split("|") for line in out.split())}


def collect_rounds(cloud, rounds):
    """The first collect only reads counters; the next `rounds` store rates."""
    cloud.xcloudctl("collect")
    figures = []
    for _ in range(rounds):
        time.sleep(1)
        t0 = time.perf_counter()
        out = subprocess.run([cloud.ctl, "--state", cloud.state, "collect", "-o", "json"], check=True,
                             stdout=subprocess.PIPE, text=True).stdout
        wall = time.perf_counter() - t0
        r = json.loads(out)
        if not all(h["ok"] for h in r["hosts"]):
            sys.exit(f"collect failed on a host: {out[:2000]}")
        figures.append((wall, r["callMs"] / 1000, r["storeMs"] / 1000, sum(h["rated"] for h in r["hosts"])))
    return figures


def proc_status_kb(pid, keys):
    figures = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            name, _, value = line.partition(":")
            if name in keys:
                figures[name] = int(value.split()[0])
    return figures


def serve_memory(cloud, seconds):
    """Peak and last VmRSS / RssAnon / VmHWM (kB) of `serve` on the cloud, and
    how many metrics rounds it finished in that time."""
    log = os.path.join(os.path.dirname(cloud.state), "serve.log")
    with open(log, "w") as err:
        serve = subprocess.Popen([cloud.ctl, "--state", cloud.state, "serve", "--heartbeat", "10s", "--collect", "10s",
                                  "--alarms", "15s"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
    keys = ("VmRSS", "RssAnon", "VmHWM")
    peak = dict.fromkeys(keys, 0)
    last = {}
    try:
        for _ in range(seconds):
            time.sleep(1)
            if serve.poll() is not None:
                sys.exit(f"serve exited {serve.returncode}: {open(log).read()[-2000:]}")
            last = proc_status_kb(serve.pid, keys)
            peak = {k: max(peak[k], last[k]) for k in keys}
    finally:
        serve.terminate()
        serve.wait(timeout=60)
    return peak, last


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--vms", type=int, default=1133)
    ap.add_argument("--hosts", type=int, default=60)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--serve-seconds", type=int, default=40)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="xc-metrics-bench-")
    missed = []
    try:
        cloud = Cloud(a.build, a.vms, a.hosts, os.path.join(work, "cloud"))
        cloud.xcloudctl("apply", "-f", cloud.manifests)
        rounds = collect_rounds(cloud, a.rounds)
        serve_peak, serve_last = serve_memory(cloud, a.serve_seconds)
        cloud.stop()
        wall = statistics.median(r[0] for r in rounds)
        call = statistics.median(r[1] for r in rounds)
        store = statistics.median(r[2] for r in rounds)
        ratio = statistics.median((r[1] + r[2]) / r[1] for r in rounds)
        print(f"scale: {a.vms} VMs on {a.hosts} agents (mutual TLS, libvirt test driver); "
              f"median of {a.rounds} rounds, each storing {rounds[-1][3]} VMs' rates")
        print(f"(a) xcloudctl collect, whole process:       {wall:.3f} s (target <= 1 s)")
        print(f"    calling the {a.hosts} agents (no storing):    {call:.3f} s")
        print(f"    storing, rollups and pruning:          {store:.3f} s")
        print(f"    round / calls:                          {ratio:.2f}x (target <= 3x)")
        print(f"    rounds (wall, call, store): " + ", ".join(f"{w:.3f}/{c:.3f}/{s:.3f}" for w, c, s, _ in rounds))
        print(f"(d) xcloudctl serve on the {a.hosts} agents for {a.serve_seconds} s: VmRSS {serve_last['VmRSS'] / 1024:.1f} MB "
              f"at the end (peak {serve_peak['VmRSS'] / 1024:.1f}), private (RssAnon) {serve_last['RssAnon'] / 1024:.1f} MB "
              f"(peak {serve_peak['RssAnon'] / 1024:.1f}), VmHWM {serve_peak['VmHWM'] / 1024:.1f} MB")
        if wall > 1.0:
            missed.append("collect round > 1 s")
        if ratio > 3.0:
            missed.append("round > 3x the calls")

        state = os.path.join(work, "history", "state.db")
        os.makedirs(os.path.dirname(state))
        now_ms = int(time.time() * 1000)
        t0 = time.perf_counter()
        subprocess.run([os.path.join(a.build, "bench", "metrics_fixture"), state, str(a.hosts), str(a.vms), "48",
                        str(now_ms)], check=True)
        print(f"(b) 48 h of synthetic history written in {time.perf_counter() - t0:.1f} s")
        sizes = table_bytes(state)
        raw = sizes.get("metric_samples", 0)
        rollups = sizes.get("metric_rollups", 0)
        per_day = raw / 2 / 1e6
        per_year = rollups / 48 * 24 * 365 / 1e6
        print(f"    raw rows: {raw / 1e6:.1f} MB for 48 h = {per_day:.1f} MB/day (target <= 50 MB/day; "
              f"bounded: 48 h are kept, {2 * per_day:.0f} MB)")
        print(f"    hourly rollups: {rollups / 1e6:.2f} MB for 48 h = {per_year:.0f} MB per year "
              f"({per_year * 400 / 365:.0f} MB for the 400 days kept)")
        if per_day > 50:
            missed.append("raw growth > 50 MB/day")

        times = []
        for _ in range(5):
            s, _ = timed([os.path.join(a.build, "ctl", "xcloudctl"), "--state", state, "top", "vms", "--since", "48h"])
            times.append(s)
        top = statistics.median(times)
        print(f"(c) xcloudctl top vms --since 48h: {top * 1000:.0f} ms median of 5 "
              f"({', '.join(f'{t * 1000:.0f}' for t in times)} ms) (target <= 200 ms)")
        if top > 0.2:
            missed.append("top > 200 ms")
        long_times = [timed([os.path.join(a.build, "ctl", "xcloudctl"), "--state", state, "top", "vms", "--since",
                             "30d"])[0] for _ in range(3)]
        print(f"    xcloudctl top vms --since 30d (rollups): {statistics.median(long_times) * 1000:.0f} ms")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if missed:
        print("missed: " + "; ".join(missed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
