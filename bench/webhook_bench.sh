#!/usr/bin/env bash
# Webhook delivery (issue 17 item 5) on loopback, to the test receiver
# (tests/support/alarm_receivers.py: it checks each body's HMAC-SM3 and
# appends it to a file).
#  (a) Throughput: a Webhook taking every class is applied first, then a
#      generated cloud of VMS VMs on six simulated hosts (real agents,
#      libvirt's test:/// driver), one audit record per change; then one
#      `webhook deliver` sends them all. Timed beside `audit list -o json` of
#      the same state (reading and rendering the records: the floor), for
#      batches of 20 (the default) and 100 (the largest).
#  (b) Delay: `serve --webhooks 2s` (the default) runs while ROUNDS `audit
#      note`s are made at random moments; for each, its arrival at the
#      receiver minus the record's own time.
#   bench/webhook_bench.sh [build] [vms] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
VMS=${2:-1000}
ROUNDS=${3:-20}
XCLOUDCTL=$PWD/$BUILD/ctl/xcloudctl
XCLOUD_AGENT=$PWD/$BUILD/agent/xcloud-agent
TMP=$(mktemp -d)
source scripts/lib/simulated_hosts.sh
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; stop_agents; rm -rf "$TMP"' EXIT
ms() { date +%s%3N; }

printf 'bench-key\n' >"$TMP/key"
/usr/bin/python3 tests/support/alarm_receivers.py http "$TMP/key" "$TMP/posts.jsonl" "$TMP/http.port" &
PIDS+=($!)
for _ in $(seq 100); do [ -f "$TMP/http.port" ] && break; sleep 0.1; done
URL="http://127.0.0.1:$(cat "$TMP/http.port")"

echo "== (a) throughput: $VMS VMs applied after the Webhook, then webhook deliver"
for batch in 100 20; do
  STATE="$TMP/s$batch/state.db"
  ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
  ctl init >/dev/null
  ctl ca init >/dev/null
  ports=()
  for _ in 1 2 3 4 5 6; do ports+=("$(free_port)"); done
  rm -rf "$TMP/cloud" "$TMP/agents"
  python3 bench/generate_cloud.py --out "$TMP/cloud" --vms "$VMS" --hosts 6 --tenants 10 --systems 20 \
    --ports "$(IFS=,; echo "${ports[*]}")" --hosts-file "$TMP/hosts.txt" >/dev/null
  while read -r name arch cpus mem port; do start_agent "$name" "$arch" "$cpus" "$mem" "$port"; done <"$TMP/hosts.txt"
  mkdir -p "$TMP/hook$batch"
  cat >"$TMP/hook$batch/webhook.yaml" <<YAML
apiVersion: xcloud/v1
kind: Webhook
metadata: {name: bench}
spec: {url: "$URL/b$batch", secretFile: "$TMP/key", batch: $batch}
YAML
  ctl apply -f "$TMP/hook$batch" --yes >/dev/null
  cp "$TMP/hook$batch/webhook.yaml" "$TMP/cloud/"
  ctl apply -f "$TMP/cloud" --yes >/dev/null
  [ "$batch" = 20 ] || stop_agents  # (b) runs on the last state, with its agents
  start=$(ms)
  ctl audit list -o json >"$TMP/audit.json"
  floor=$(($(ms) - start))
  # The records after the Webhook's own creation are its to send.
  behind=$(python3 -c 'import json,sys
a = json.load(open(sys.argv[1]))
made = max(r["seq"] for r in a if r["kind"] == "Webhook" and r["action"] == "create")
print(sum(1 for r in a if r["seq"] > made))' "$TMP/audit.json")
  start=$(ms)
  # One round sends at most 50 batches per webhook: rounds until none is behind.
  while :; do
    ctl webhook deliver >/dev/null
    left=$(ctl webhook status -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["behind"])')
    [ "$left" -eq 0 ] && break
  done
  took=$(($(ms) - start))
  got=$(python3 -c 'import json,sys
n = 0
for line in open(sys.argv[1]):
    p = json.loads(line)
    if p["path"] == sys.argv[2] and p["signed"]: n += len(p["body"]["events"])
print(n)' "$TMP/posts.jsonl" "/b$batch")
  python3 -c 'import sys
b, behind, got, took, floor = map(int, sys.argv[1:])
assert got == behind, (got, behind)
print("batch %3d: %d records in %d ms = %.0f records/s (webhook deliver, with its status checks); audit list -o json %d ms; ratio %.1f"
      % (b, got, took, got * 1000.0 / max(took, 1), floor, took / max(floor, 1)))' \
    "$batch" "$behind" "$got" "$took" "$floor"
done

echo "== (b) delay: serve --webhooks 2s, $ROUNDS audit notes at random moments"
state="$TMP/s20/state.db"
# Its agents are still up (heartbeats and events pulls as in production).
"$XCLOUDCTL" --state "$state" serve --heartbeat 1h --collect 1h --alarms 1h 2>"$TMP/serve.log" &
PIDS+=($!)
sleep 3  # the backlog is delivered already; the first round passes
for i in $(seq "$ROUNDS"); do
  "$XCLOUDCTL" --state "$state" audit note "bench-$i" >/dev/null
  sleep "$(python3 -c 'import random; print(round(random.uniform(0.2, 1.5), 2))')"
done
sleep 3
python3 - "$TMP/posts.jsonl" "$ROUNDS" <<'PY'
import json, statistics, sys
delays = {}
for line in open(sys.argv[1]):
    p = json.loads(line)
    for e in p["body"]["events"]:
        if e.get("action") == "note" and e.get("message", "").startswith("bench-"):
            delays.setdefault(e["message"], p["receivedMs"] - e["time_ms"])
d = sorted(delays.values())
assert len(d) == int(sys.argv[2]), (len(d), sys.argv[2])
print("delay from record to receipt: median %d ms, worst %d ms, best %d ms (%d records; the round every 2 s)"
      % (statistics.median(d), d[-1], d[0], len(d)))
PY
