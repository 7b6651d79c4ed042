#!/usr/bin/env python3
"""Fails when an #include in ctl/ or common/ runs against the layering
common -> store -> access, audit, billing, sla, capacity, hosts -> reconcile, report, controller,
metrics, migrate, backup -> alarms, ha, requests, webhooks -> cli -> main
(a folder may include its own files and any folder of a lower rank)."""
import pathlib
import re
import sys

RANK = {"common": 0, "store": 1, "access": 2, "audit": 2, "billing": 2, "hosts": 2, "sla": 2, "capacity": 2,
        "images": 2.5, "reconcile": 3, "report": 3, "controller": 3, "metrics": 3, "migrate": 3, "backup": 3, "playbook": 3,
        "alarms": 3.5, "ha": 3.5, "requests": 3.5, "webhooks": 3.5, "cli": 4, "main": 5}
INCLUDE = re.compile(r'^\s*#\s*include\s+"(common|ctl/(\w+))/')


def folder_of(path, root):
    rel = path.relative_to(root).parts
    if rel[0] == "common":
        return "common"
    return rel[1] if len(rel) > 2 else "main"


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    files = [p for d in ("common", "ctl") for p in (root / d).rglob("*") if p.suffix in (".h", ".cpp")]
    bad = []
    for path in files:
        here = folder_of(path, root)
        if here not in RANK:
            bad.append(f"{path.relative_to(root)}: folder '{here}' has no place in the layering")
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            there = "common" if m.group(1) == "common" else m.group(2)
            if there not in RANK:
                bad.append(f"{path.relative_to(root)}:{number}: includes unknown folder '{there}'")
            elif there != here and RANK[there] >= RANK[here]:
                bad.append(f"{path.relative_to(root)}:{number}: {here} must not include {there}: {line.strip()}")
    for b in bad:
        print(b)
    print(f"{len(files)} files checked, {len(bad)} includes against the direction")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
