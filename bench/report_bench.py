#!/usr/bin/env python3
"""The billing and report benchmark of issue 6, in one run.

bench/report_fixture writes a state database with a year of use: 1,133 VMs
with about 10 changes each (meter intervals and audit records as apply
writes them), 60 hosts, one price list. Then, RUNS times each, in turns:
  floor: sqlite3 reading every meter interval and audit record;
  xcloudctl bill --month, bill --year, report weekly -o html, report monthly -o html.
Prints each median wall time, its ratio to the floor and the target.

  bench/report_bench.py [--build build] [--vms 1133] [--changes 10] [--runs 7]"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
YEAR = 2026
NOW_MS = "1798732800000"  # 2027-01-01T00:00:00Z: the whole year is in the past


def run_once(cmd, env):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    seconds = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.decode()[-2000:]}")
    return seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--vms", type=int, default=1133)
    ap.add_argument("--changes", type=int, default=10)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    ctl = os.path.join(args.build, "ctl", "xcloudctl")
    fixture = os.path.join(args.build, "bench", "report_fixture")
    env = dict(os.environ, XCLOUD_NOW_MS=NOW_MS)
    with tempfile.TemporaryDirectory(prefix="xc-report-bench.") as work:
        state = os.path.join(work, "state.db")
        subprocess.run([fixture, state, "--year", str(YEAR), "--vms", str(args.vms),
                        "--changes", str(args.changes)], check=True)
        count = subprocess.run(["sqlite3", "-readonly", state,
                                "SELECT (SELECT count(*) FROM meter_intervals) || ' intervals, ' || "
                                "(SELECT count(*) FROM audit_log) || ' audit records'"],
                               check=True, capture_output=True, text=True).stdout.strip()
        print(f"report_bench: {args.vms} VMs, {args.changes} changes each, {count}, {os.cpu_count()} CPUs")
        figures = [
            ("floor: sqlite3 reads all intervals and audit records", None,
             ["sqlite3", "-readonly", state, "SELECT * FROM meter_intervals; SELECT * FROM audit_log;"]),
            ("bill --month (all tenants)", 1.0, [ctl, "--state", state, "bill", "--month", f"{YEAR}-06"]),
            ("bill --year (settlement)", 3.0, [ctl, "--state", state, "bill", "--year", str(YEAR)]),
            ("bill --year --by vm", None, [ctl, "--state", state, "bill", "--year", str(YEAR), "--by", "vm"]),
            ("report weekly -o html", 2.0, [ctl, "--state", state, "report", "weekly", "--week", f"{YEAR}-W24",
                                            "-o", "html", "--out", os.path.join(work, "weekly.html")]),
            ("report monthly -o html", None, [ctl, "--state", state, "report", "monthly", "--month",
                                              f"{YEAR}-06", "-o", "html", "--out", os.path.join(work, "monthly.html")]),
        ]
        times = {name: [] for name, _, _ in figures}
        for _ in range(args.runs):  # in turns, so drift hits every figure alike
            for name, _, cmd in figures:
                times[name].append(run_once(cmd, env))
        floor = statistics.median(times[figures[0][0]])
        verdict = 0
        print(f"\n{'figure':<56} {'median s':>9} {'x floor':>8}  target")
        for name, target, _ in figures:
            median = statistics.median(times[name])
            note = "" if target is None else f"<= {target:g} s: " + ("met" if median <= target else "MISSED")
            if target is not None and median > target:
                verdict = 1
            print(f"{name:<56} {median:9.3f} {median / floor:8.1f}  {note}")
        return verdict


if __name__ == "__main__":
    sys.exit(main())
