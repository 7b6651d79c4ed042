# IPAM through the real binaries, three simulated hosts behind real agents:
# NICs without an address get the next free one (reserved ranges skipped), the
# same one at every apply and re-plan, shown by get/describe and sent to the
# agent; a declared address another NIC holds is refused at validate and at
# diff naming both NICs; a deleted VM's address goes to the next new VM.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
trap 'stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
allocations() { sqlite3 "$STATE" "SELECT vm || ' ' || nic || ' ' || family || ' ' || address FROM address_allocations ORDER BY vm, nic, family"; }

ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
start_example_cloud "$M"

# education/app: 10.20.1.0/24, gateway .1, fd00:20:1::/64; .2-.9 and ::1-::ff reserved.
sed -i '0,/  ipv6: {subnet: "fd00:20:1::\/64"}/s//&\n  reserved: [10.20.1.2-10.20.1.9, "fd00:20:1::1-fd00:20:1::ff"]/' "$M/networks.yaml"
grep -q "reserved: \[10.20.1.2-10.20.1.9" "$M/networks.yaml" || fail "reserved not added: $(cat "$M/networks.yaml")"
vm() {  # vm NAME NIC-FLOW-MAPPINGS...
  local name=$1
  shift
  printf -- '---\napiVersion: xcloud/v1\nkind: VirtualMachine\nmetadata: {name: %s, tenant: education}\n' "$name"
  printf 'spec:\n  cpus: 1\n  memoryGiB: 1\n  image: uos-20\n  disks: [{name: root, sizeGiB: 20, tier: normal}]\n'
  printf '  placement: {zone: gov-extranet, pool: erlonglu}\n  nics:\n'
  for nic in "$@"; do printf '    - %s\n' "$nic"; done
}
{
  vm web-1 '{network: app, ipv6: auto, securityGroups: [web]}'
  vm web-2 '{network: app}'
  vm db-1 '{network: app, ipv4: 10.20.1.10}'
} >"$M/vms.yaml"

# diff shows the addresses apply will give, and writes none.
expect_status 0 ctl validate -f "$M"
expect_status 1 ctl diff -f "$M"
expect_contains "$TMP/out" '+ allocate ipv4 10.20.1.11 to vm "education/web-1" nic 0 (network education/app)'
expect_contains "$TMP/out" '+ allocate ipv4 10.20.1.12 to vm "education/web-2" nic 0 (network education/app)'
expect_contains "$TMP/out" '+ allocate ipv6 fd00:20:1::100 to vm "education/db-1" nic 0 (network education/app)'
expect_contains "$TMP/out" '+ allocate ipv6 fd00:20:1::101 to vm "education/web-2" nic 0 (network education/app)'
grep -q "web-1 nic 0 (network education/app)" <(grep ipv6 "$TMP/out") && fail "ipv6 auto was allocated: $(cat "$TMP/out")"
expect_status 1 ctl diff -f "$M" -o json
python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))["addresses"]["allocated"]
got = sorted((x["vm"], x["nic"], x["family"], x["address"]) for x in a)
assert got == [("db-1", 0, "ipv6", "fd00:20:1::100"), ("web-1", 0, "ipv4", "10.20.1.11"),
               ("web-2", 0, "ipv4", "10.20.1.12"), ("web-2", 0, "ipv6", "fd00:20:1::101")], got
' "$TMP/out"
[ -z "$(allocations)" ] || fail "diff wrote allocations: $(allocations)"

# apply gives exactly those.
expect_status 0 ctl apply -f "$M"
expected_rows='db-1 0 ipv6 fd00:20:1::100
web-1 0 ipv4 10.20.1.11
web-2 0 ipv4 10.20.1.12
web-2 0 ipv6 fd00:20:1::101'
[ "$(allocations)" = "$expected_rows" ] || fail "allocations after apply: $(allocations)"

# get and describe show the addresses and MACs.
expect_status 0 ctl get vms --tenant education
grep -E '^education +web-1 .* 10\.20\.1\.11$' "$TMP/out" >/dev/null || fail "get vms: $(cat "$TMP/out")"
grep -E '^education +web-2 .* 10\.20\.1\.12,fd00:20:1::101$' "$TMP/out" >/dev/null || fail "get vms: $(cat "$TMP/out")"
expect_contains "$TMP/out" "IP"
expect_status 0 ctl get vms --tenant education -o wide
grep -E 'web-2 .* 10\.20\.1\.12,fd00:20:1::101 +52:54:00:' "$TMP/out" >/dev/null || fail "get vms -o wide: $(cat "$TMP/out")"
expect_status 0 ctl get vms web-2 -o json
python3 -c '
import json, sys
n = json.load(open(sys.argv[1]))[0]["nics"]
assert len(n) == 1 and n[0]["ipv4"] == "10.20.1.12" and n[0]["ipv6"] == "fd00:20:1::101", n
assert n[0]["allocated"] == ["ipv4", "ipv6"] and n[0]["mac"].startswith("52:54:00:"), n
assert n[0]["network"] == "education/app", n
' "$TMP/out"
web2_mac=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["nics"][0]["mac"])' "$TMP/out")
web2_host=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["host"])' "$TMP/out")
expect_status 0 ctl get vms --ip 10.20.1.12
expect_contains "$TMP/out" "web-2"
expect_status 0 ctl describe vm web-2
expect_contains "$TMP/out" "NICs:"
expect_contains "$TMP/out" "NIC 0:  education/app  mac $web2_mac  ipv4 10.20.1.12 (allocated)  ipv6 fd00:20:1::101 (allocated)"
expect_status 0 ctl describe vm db-1 -o json
python3 -c '
import json, sys
n = json.load(open(sys.argv[1]))["nics"]
assert n[0]["ipv4"] == "10.20.1.10" and n[0]["ipv6"] == "fd00:20:1::100" and n[0]["allocated"] == ["ipv6"], n
' "$TMP/out"

# The agent got the address in the domain spec it applied.
port=${ports[0]}
[ "$web2_host" = x86-02 ] && port=${ports[1]}
agent_rpc "$port" domains.list '{"deep":true}' >"$TMP/domains.json"
python3 -c '
import json, sys
mac = sys.argv[2]
d = [x for x in json.load(open(sys.argv[1]))["result"]["managed"] if x.get("vmName") == "web-2"]
assert len(d) == 1, d
assert d[0]["nics"] == [{"ipv4": "10.20.1.12", "ipv6": "fd00:20:1::101", "mac": mac}], d
' "$TMP/domains.json" "$web2_mac"

# Stable: a second apply changes nothing; a re-plan from reordered manifests
# with a change to one VM gives the same addresses.
expect_status 0 ctl diff -f "$M"
expect_status 0 ctl apply -f "$M"
[ "$(allocations)" = "$expected_rows" ] || fail "allocations after a second apply: $(allocations)"
{
  vm db-1 '{network: app, ipv4: 10.20.1.10}'
  vm web-2 '{network: app}'
  sed 's/cpus: 1/cpus: 2/' <(vm web-1 '{network: app, ipv6: auto, securityGroups: [web]}')
} >"$M/vms.yaml"
expect_status 1 ctl diff -f "$M"
expect_contains "$TMP/out" "~ update VirtualMachine education/web-1"
grep -q "allocate" "$TMP/out" && fail "a re-plan allocated again: $(cat "$TMP/out")"
expect_status 0 ctl apply -f "$M" --allow-restart
[ "$(allocations)" = "$expected_rows" ] || fail "allocations after a re-plan: $(allocations)"
expect_status 0 ctl get vms web-1
expect_contains "$TMP/out" "10.20.1.11"

# A declared address another NIC holds: refused at validate (manifests) ...
cp "$M/vms.yaml" "$TMP/vms.yaml.good"
vm web-3 '{network: app, ipv4: 10.20.1.10}' >>"$M/vms.yaml"
expect_status 2 ctl validate -f "$M"
expect_contains "$TMP/err" 'error: vm "education/web-3" nic 0: address 10.20.1.10 is already held by vm "education/db-1" nic 0'
# ... and at diff and apply (the state: web-2 was given 10.20.1.12), nothing changed.
cp "$TMP/vms.yaml.good" "$M/vms.yaml"
vm web-3 '{network: app, ipv4: 10.20.1.12}' >>"$M/vms.yaml"
expect_status 0 ctl validate -f "$M"
expect_status 2 ctl diff -f "$M"
expect_contains "$TMP/err" 'vm "education/web-3" nic 0: address 10.20.1.12 is already held by vm "education/web-2" nic 0; nothing was changed'
expect_status 2 ctl apply -f "$M"
expect_contains "$TMP/err" 'vm "education/web-3" nic 0: address 10.20.1.12 is already held by vm "education/web-2" nic 0'
[ "$(allocations)" = "$expected_rows" ] || fail "a refused apply changed allocations: $(allocations)"
expect_status 0 ctl get vms --tenant education
grep -q "web-3" "$TMP/out" && fail "a refused apply created web-3"

# Release: deleting web-2 frees its addresses, and a new VM is given them.
expect_status 0 ctl delete vm web-2 --tenant education --yes
[ "$(allocations)" = 'db-1 0 ipv6 fd00:20:1::100
web-1 0 ipv4 10.20.1.11' ] || fail "delete vm kept web-2's addresses: $(allocations)"
{
  vm db-1 '{network: app, ipv4: 10.20.1.10}'
  sed 's/cpus: 1/cpus: 2/' <(vm web-1 '{network: app, ipv6: auto, securityGroups: [web]}')
  vm web-4 '{network: app}' '{network: app, ipv6: auto}'
} >"$M/vms.yaml"
expect_status 1 ctl diff -f "$M"
expect_contains "$TMP/out" '+ allocate ipv4 10.20.1.12 to vm "education/web-4" nic 0'
expect_contains "$TMP/out" '+ allocate ipv4 10.20.1.13 to vm "education/web-4" nic 1'
expect_status 0 ctl apply -f "$M"
expect_status 0 ctl get vms web-4
expect_contains "$TMP/out" "10.20.1.12"

# A NIC removed from the manifest releases its address.
sed -i 's/    - {network: app, ipv6: auto}$//' "$M/vms.yaml"
expect_status 1 ctl diff -f "$M"
expect_contains "$TMP/out" '~ release ipv4 10.20.1.13 of vm "education/web-4" nic 1'
expect_status 0 ctl apply -f "$M" --allow-restart --yes
grep -q "web-4 1 " <<<"$(allocations)" && fail "the removed NIC kept its address: $(allocations)"

# Prune: a VM removed from the manifests keeps its address until apply --prune deletes it.
python3 - "$M/vms.yaml" <<'PY'
import sys
path = sys.argv[1]
docs = open(path).read().split("---\n")
open(path, "w").write("---\n".join(d for d in docs if "name: web-1," not in d))
PY
ctl diff -f "$M" >/dev/null 2>&1 || true
grep -q "web-1 0 ipv4 10.20.1.11" <<<"$(allocations)" || fail "web-1 lost its address before it was deleted"
expect_status 0 ctl apply -f "$M" --prune --yes
grep -q "web-1 " <<<"$(allocations)" && fail "a pruned VM kept its address: $(allocations)"
vm web-5 '{network: app}' >>"$M/vms.yaml"
expect_status 1 ctl diff -f "$M"
expect_contains "$TMP/out" '+ allocate ipv4 10.20.1.11 to vm "education/web-5" nic 0'
echo "ipam: ok"
