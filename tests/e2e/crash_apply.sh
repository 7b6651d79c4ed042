# Crash safety: xcloudctl apply of 200 VMs is killed with SIGKILL after a random
# number of steps 20 times, re-applying each time; then one apply runs to the end. The
# end state is exactly the declared VMs: no duplicates, no orphans, store and
# hosts agree, and the database passes PRAGMA integrity_check.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
trap 'stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
ctl init >/dev/null
ctl ca init >/dev/null

ports=()
for _ in 1 2 3 4 5 6; do ports+=("$(free_port)"); done
python3 "$XC_SOURCE_DIR/bench/generate_cloud.py" --out "$TMP/m" --vms 200 --hosts 6 --tenants 10 --systems 20 \
  --ports "$(IFS=,; echo "${ports[*]}")" --hosts-file "$TMP/hosts.txt"
while read -r name arch cpus mem port; do start_agent "$name" "$arch" "$cpus" "$mem" "$port"; done <"$TMP/hosts.txt"

# Two variants, so every round has work: the data disks' IOPS alternate (a live
# update of all 200 VMs), after the first rounds' creations.
cp -r "$TMP/m" "$TMP/m2"
sed -i 's/iops: 2000/iops: 2500/' "$TMP/m2/vms.yaml"
RANDOM=42
interrupted=0
for round in $(seq 20); do
  variant="$TMP/m"
  [ $((round % 2)) -eq 0 ] && variant="$TMP/m2"
  "$XCLOUDCTL" --state "$STATE" apply -f "$variant" >"$TMP/apply.$round.log" 2>&1 &  # not via ctl(): kill must reach xcloudctl itself
  pid=$!
  # Kill after a random number of completed steps (every round has 200), so
  # the kill lands mid-way however fast the machine is.
  after=$((RANDOM % 190 + 1))
  while kill -0 "$pid" 2>/dev/null && [ "$(grep -c "^done:" "$TMP/apply.$round.log" || true)" -lt "$after" ]; do
    sleep 0.002
  done
  kill -9 "$pid" 2>/dev/null && interrupted=$((interrupted + 1))
  wait "$pid" 2>/dev/null || true
done
[ "$interrupted" -ge 15 ] || fail "only $interrupted of 20 applies were killed mid-way"
expect_status 0 ctl apply -f "$TMP/m"
expect_status 0 ctl diff -f "$TMP/m" -o json
python3 - "$TMP/out" <<'PY'
import json, sys
plan = json.load(open(sys.argv[1]))
assert plan["steps"] == [], plan["steps"][:5]
assert plan["orphans"] == [], plan["orphans"]
assert len(plan["unchanged"]) == 200, len(plan["unchanged"])
PY

# Every agent, asked directly: exactly the 200 declared VMs, each once.
pki="$TMP/state/pki"
: >"$TMP/domains"
while read -r name arch cpus mem port; do
  curl -sS --cacert "$pki/ca.crt" --cert "$pki/controller.crt" --key "$pki/controller.key" \
    -d '{"id":1,"method":"domains.list"}' "https://127.0.0.1:$port/v1/rpc" >>"$TMP/domains"
  echo >>"$TMP/domains"
done <"$TMP/hosts.txt"
expect_status 0 ctl get vms -o json
python3 - "$TMP/domains" "$TMP/out" "$TMP/m/vms.yaml" <<'PY'
import json, re, sys
seen = []
for line in open(sys.argv[1]):
    if line.strip():
        seen += [(d["tenant"], d["vmName"]) for d in json.loads(line)["result"]["managed"]]
declared = set(re.findall(r"name: (\S+)\n  tenant: (\S+)", open(sys.argv[3]).read()))
declared = {(t, n) for n, t in declared}
assert len(seen) == len(set(seen)) == 200, f"{len(seen)} domains, {len(set(seen))} distinct"
assert set(seen) == declared, set(seen) ^ declared
stored = json.load(open(sys.argv[2]))
assert {(v["tenant"], v["name"]) for v in stored} == declared
assert all(v["state"] == "running" for v in stored), [v for v in stored if v["state"] != "running"][:3]
PY
[ "$(sqlite3 "$STATE" 'PRAGMA integrity_check')" = ok ] || fail "integrity_check failed"
echo "crash apply: ok ($interrupted of 20 applies killed mid-way; steps done before each kill: $(for f in "$TMP"/apply.*.log; do grep -c "^done:" "$f" || true; done | tr "\n" " "))"
