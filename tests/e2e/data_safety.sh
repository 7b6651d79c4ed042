# Nothing destroys data unasked, through the real binaries and three agents
# over mutual TLS: the issue's scenario of a placement change (a migrate, which
# stops the VM when cold, so it asks too), destructive steps refused without --yes when stdin
# is not a terminal, the typed "yes" on a terminal, --allow-recreate, and
# delete under the same rule.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
trap 'stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@" </dev/null; }

ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
start_example_cloud "$M"
expect_status 0 ctl apply -f "$M"
expect_status 0 ctl get vms -o json
db_host=$(python3 -c 'import json,sys; print([v["host"] for v in json.load(open(sys.argv[1])) if v["name"]=="edu-portal-db-1"][0])' "$TMP/out")

# A second pool in the same zone with a fourth host; education may use it.
port4=$(free_port)
start_agent x86-03 x86_64 32 128 "$port4"
cat >>"$M/infrastructure.yaml" <<YAML
---
apiVersion: xcloud/v1
kind: Pool
metadata:
  name: erlonglu2
spec:
  zone: gov-extranet
  cpuOvercommit: 1.0
  policy: spread
---
apiVersion: xcloud/v1
kind: Host
metadata:
  name: x86-03
spec:
  pool: erlonglu2
  address: 127.0.0.1:$port4
  transport: tls
YAML
sed -i 's/  pools: \[erlonglu\]/  pools: [erlonglu, erlonglu2]/' "$M/tenants.yaml"
expect_status 0 ctl apply -f "$M"
python3 - "$M/vms.yaml" <<'PY'
import re, sys
path = sys.argv[1]
text = open(path).read()
# edu-portal-db-1 and its volume move to the new pool.
for name in ("edu-portal-db-1\n", "edu-portal-db-1-data\n"):
    i = text.index("name: " + name)
    j = text.index("pool: erlonglu}", i)
    text = text[:j] + "pool: erlonglu2}" + text[j + len("pool: erlonglu}"):]
open(path, "w").write(text)
PY

# The plan shows a migrate, never delete + create; a cold move stops the VM,
# so without --yes and without a terminal apply refuses and changes nothing
# (tests/e2e/vm_migrate.sh runs moves).
expect_status 1 ctl diff -f "$M"
expect_contains "$TMP/out" "> migrate VirtualMachine education/edu-portal-db-1 $db_host -> x86-03 (cold, pool erlonglu -> erlonglu2)"
grep -q "delete VirtualMachine education/edu-portal-db-1" "$TMP/out" && fail "a move planned as a delete: $(cat "$TMP/out")"
expect_status 1 ctl apply -f "$M"
expect_contains "$TMP/err" "the plan moves 1 VM(s) cold (a running VM stops while its disks are copied) and stdin is not a terminal; pass --yes"
expect_status 0 ctl get vms -o json
python3 -c 'import json,sys; v=[x for x in json.load(open(sys.argv[1])) if x["name"]=="edu-portal-db-1"]; assert v[0]["host"]==sys.argv[2] and v[0]["state"]=="running", v' "$TMP/out" "$db_host"

# --allow-recreate: destructive, so without a terminal it still needs --yes.
expect_status 1 ctl diff -f "$M" --allow-recreate
expect_contains "$TMP/out" "- delete VirtualMachine education/edu-portal-db-1 on $db_host (recreated elsewhere (--allow-recreate) (now on x86-03))"
expect_contains "$TMP/out" "DESTROYS 600 GiB: root 100 GiB, edu-portal-db-1-data 500 GiB"
expect_contains "$TMP/out" "Destroys: 1 VM, 2 disks, 600 GiB"
expect_status 1 ctl apply -f "$M" --allow-recreate
expect_contains "$TMP/err" "the plan destroys data (Destroys: 1 VM, 2 disks, 600 GiB) and stdin is not a terminal; pass --yes"
expect_status 0 ctl get vms -o json
python3 -c 'import json,sys; v=[x for x in json.load(open(sys.argv[1])) if x["name"]=="edu-portal-db-1"]; assert v[0]["host"]==sys.argv[2], v' "$TMP/out" "$db_host"
expect_status 0 ctl apply -f "$M" --allow-recreate --yes
expect_status 0 ctl get vms -o json
python3 -c 'import json,sys; v=[x for x in json.load(open(sys.argv[1])) if x["name"]=="edu-portal-db-1"]; assert v[0]["host"]=="x86-03", v' "$TMP/out"

# Prune without --yes and without a terminal: refused, nothing deleted.
python3 - "$M/vms.yaml" <<'PY'
import sys
path = sys.argv[1]
docs = open(path).read().split("\n---\n")
keep = [d for d in docs if "name: edu-portal-db-1" not in d]  # the VM and its volume
open(path, "w").write("\n---\n".join(keep))
PY
expect_status 1 ctl apply -f "$M" --prune
expect_contains "$TMP/err" "the plan destroys data (Destroys: 1 VM, 2 disks, 600 GiB)"
expect_status 0 ctl get volumes
expect_contains "$TMP/out" "edu-portal-db-1-data"
# On a terminal (script(1) gives one) apply asks; anything but "yes" changes nothing.
on_tty() { printf '%s\n' "$1" | script -qec "$XCLOUDCTL --state $STATE apply -f $M --prune" /dev/null >"$TMP/tty" 2>&1; }
on_tty y && fail "a plain y confirmed a destructive apply"
expect_contains "$TMP/tty" "the plan destroys data (Destroys: 1 VM, 2 disks, 600 GiB)."
expect_contains "$TMP/tty" "Type yes to continue:"
expect_contains "$TMP/tty" "not confirmed; nothing was changed"
expect_status 0 ctl get volumes
expect_contains "$TMP/out" "edu-portal-db-1-data"
on_tty yes || fail "typed yes did not apply: $(cat "$TMP/tty")"
expect_contains "$TMP/tty" "Applied: "
# The Volume went with its VM.
expect_status 0 ctl get volumes
grep -q "edu-portal-db-1-data" "$TMP/out" && fail "pruned VM's volume still listed: $(cat "$TMP/out")"

# delete follows the same rule.
expect_status 1 ctl delete vm edu-portal-web-2 --tenant education
expect_contains "$TMP/err" "destroys 80 GiB and stdin is not a terminal; pass --yes"
expect_status 0 ctl get vms
expect_contains "$TMP/out" "edu-portal-web-2"
