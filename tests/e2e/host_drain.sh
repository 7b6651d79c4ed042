# xcloudctl host maintenance and host drain through the real binaries and four
# agents over mutual TLS (simulated hosts, so moves are cold): 20 VMs on one
# host, four of them in a strict anti-affinity group with only three other
# hosts. The dry run names each VM's target and the one that cannot move; the
# drain moves 19, the group's members land on distinct hosts, the fourth is
# named with its reason, and the host stays in maintenance.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
trap 'stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@" </dev/null; }
hosts_json() { ctl get vms -o json | python3 -c "import json,sys; print(json.dumps({v['name']: v['host'] for v in json.load(sys.stdin)}))"; }

ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
mkdir -p "$M"
declare -A port
for h in x86-01 x86-02 x86-03 x86-04; do
  port[$h]=$(free_port)
  start_agent "$h" x86_64 32 128 "${port[$h]}"
done
write_cloud() {  # write_cloud "HOSTS" STRICT
  python3 - "$M/cloud.yaml" "$1" "$2" "${port[x86-01]}" "${port[x86-02]}" "${port[x86-03]}" "${port[x86-04]}" <<'PY'
import sys
path, hosts, strict = sys.argv[1], sys.argv[2].split(), sys.argv[3]
ports = dict(zip(["x86-01", "x86-02", "x86-03", "x86-04"], sys.argv[4:]))
docs = ["kind: Zone\nmetadata: {name: gov}\nspec: {displayName: Gov}",
        "kind: Pool\nmetadata: {name: p1}\nspec: {zone: gov, cpuOvercommit: 1.0, policy: spread}",
        "kind: Tenant\nmetadata: {name: education}\nspec:\n  displayName: Education\n  zones: [gov]\n  pools: [p1]\n"
        "  quota: {vcpu: 64, memoryGiB: 64, storageGiB: {normal: 2000, high: 100}, vms: 30, networks: 1}",
        "kind: Image\nmetadata: {name: uos-20}\nspec: {arch: x86_64, os: UOS 20, format: qcow2, "
        "source: /var/lib/xcloud/images/uos-20.qcow2, visibility: global}",
        "kind: PriceList\nmetadata: {name: prices}\nspec:\n  currency: CNY\n  effectiveFrom: \"2026-01-01\"\n"
        "  timeZone: Asia/Shanghai\n  prices: {vcpu: 12, memory: 20, storage-normal: \"0.3\", storage-high: \"0.6\"}",
        "kind: PlacementGroup\nmetadata: {name: web, tenant: education}\nspec: {policy: anti-affinity, strict: %s}" % strict]
for h in hosts:
    docs.append("kind: Host\nmetadata: {name: %s}\nspec: {pool: p1, address: \"127.0.0.1:%s\", transport: tls}" % (h, ports[h]))
names = ["web-%d" % i for i in range(1, 5)] + ["app-%02d" % i for i in range(1, 17)]
for n in names:
    group = ", group: web" if n.startswith("web") else ""
    docs.append("kind: VirtualMachine\nmetadata: {name: %s, tenant: education}\nspec:\n  cpus: 1\n  memoryGiB: 1\n"
                "  image: uos-20\n  disks:\n    - {name: root, sizeGiB: 10, tier: normal}\n"
                "  placement: {zone: gov, pool: p1%s}\n  power: running" % (n, group))
open(path, "w").write("".join("---\napiVersion: xcloud/v1\n" + d + "\n" for d in docs))
PY
}

# All 20 on x86-01 (the only host; the group is not strict yet).
write_cloud "x86-01" false
expect_status 0 ctl apply -f "$M"
[ "$(hosts_json | python3 -c 'import json,sys; print(sorted(set(json.load(sys.stdin).values())))')" = "['x86-01']" ] || fail "not all on x86-01"
write_cloud "x86-01 x86-02 x86-03 x86-04" true
expect_status 0 ctl apply -f "$M"   # group rules never move a running VM
[ "$(hosts_json | python3 -c 'import json,sys; print(len([h for h in json.load(sys.stdin).values() if h == "x86-01"]))')" = 20 ] || fail "apply moved VMs"

# Maintenance by hand: on, shown, off.
expect_status 2 ctl host maintenance x86-09 on
expect_status 2 ctl host maintenance x86-02 maybe
expect_status 0 ctl host maintenance x86-02 on
expect_status 0 ctl get hosts x86-02 -o json
expect_contains "$TMP/out" '"maintenance"'
expect_status 0 ctl host maintenance x86-02 off
expect_status 0 ctl get hosts x86-02 -o json
grep -q '"maintenance"' "$TMP/out" && fail "x86-02 still in maintenance"

# The dry run: 19 targets, web-4 named with why; nothing changes.
expect_status 1 ctl host drain x86-01 -f "$M" --dry-run
expect_contains "$TMP/out" "Drain x86-01: 20 VM(s)"
expect_contains "$TMP/out" "Plan: 19 to migrate, 1 cannot move."
expect_contains "$TMP/out" "! cannot move VirtualMachine education/web-4:"
[ "$(grep -c '^> migrate VirtualMachine' "$TMP/out")" = 19 ] || fail "dry run: $(cat "$TMP/out")"
expect_status 0 ctl get hosts x86-01 -o json
grep -q '"maintenance"' "$TMP/out" && fail "a dry run put x86-01 in maintenance"

start=$(date +%s.%N)
expect_status 1 ctl host drain x86-01 -f "$M" --parallel 4 --yes
end=$(date +%s.%N)
echo "drain of 19 VMs: $(python3 -c "print(round($end - $start, 2))") s"
expect_contains "$TMP/out" "[19/19] done: migrate education/"
expect_contains "$TMP/out" "Drained x86-01: 19 moved, 1 not moved; the host stays in maintenance."
expect_contains "$TMP/err" "cannot move education/web-4:"
hosts_json >"$TMP/hosts.json"
python3 - "$TMP/hosts.json" <<'PY' || fail "placement after the drain: $(cat "$TMP/hosts.json")"
import json, sys
h = json.load(open(sys.argv[1]))
assert len(h) == 20, h
assert h["web-4"] == "x86-01", h
moved = {n: x for n, x in h.items() if n != "web-4"}
assert all(x != "x86-01" for x in moved.values()), moved
webs = [h["web-%d" % i] for i in (1, 2, 3)]
assert len(set(webs)) == 3, webs          # anti-affinity: distinct hosts
counts = {x: list(h.values()).count(x) for x in ("x86-02", "x86-03", "x86-04")}
assert all(c >= 4 for c in counts.values()), counts   # spread
PY
expect_status 0 ctl get hosts x86-01 -o json
expect_contains "$TMP/out" '"maintenance"'
ctl audit list -o json >"$TMP/out"
[ "$(python3 -c 'import json,sys; print(sum(1 for r in json.load(open(sys.argv[1])) if r["action"]=="migrate" and r["result"]=="ok"))' "$TMP/out")" = 19 ] || fail "19 migrate audit records expected"
ctl get vms -o json >"$TMP/out"
python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); assert all(x["state"]=="running" for x in v), v' "$TMP/out" || fail "a VM does not run after the drain"
expect_status 0 ctl diff -f "$M"   # the manifests still hold
expect_status 0 ctl host maintenance x86-01 off
echo "host drain: ok"
