# xcloudctl serve against three real agents over mutual TLS (libvirt's
# test:/// driver): VM lifecycle events from `xcloudctl vm` reach `xcloudctl
# events`; a killed agent shows unreachable in `get hosts` (its VMs unknown)
# within the heartbeat, and ready again when it is back (its restart noticed
# as a new agent run); a second serve on the same state is refused (exit 75);
# SIGTERM stops serve cleanly (exit 0). Also the one-shot commands
# (`heartbeat`, `events pull`) and `events`' filters and refusals.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null; stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
json_check() {  # json_check PYTHON-EXPRESSION-OVER-d: asserts it on $TMP/out
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert ($1), d" "$TMP/out" || fail "json check failed: $1"
}
# until_true SECONDS CMD...: runs CMD every 0.1 s until it succeeds.
until_true() {
  local deadline=$(($(date +%s%N) / 1000000 + $1 * 1000))
  shift
  while ! "$@" >/dev/null 2>&1; do
    [ $(($(date +%s%N) / 1000000)) -lt "$deadline" ] || return 1
    sleep 0.1
  done
}
host_state() {  # host_state NAME: the state `get hosts` shows
  ctl get hosts -o json | python3 -c "import json,sys; print([h['state'] for h in json.load(sys.stdin) if h['name']=='$1'][0])"
}
vm_state() {
  ctl get vms -o json | python3 -c "import json,sys; print([v['state'] for v in json.load(sys.stdin) if v['name']=='$1'][0])"
}
has_event() {  # has_event VM TYPE
  ctl events --vm "$1" -o json | python3 -c "import json,sys; sys.exit(0 if any(e['type']=='$2' for e in json.load(sys.stdin)) else 1)"
}
host_is() { [ "$(host_state "$1")" = "$2" ]; }

ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
start_example_cloud "$M"
expect_status 0 ctl apply -f "$M"

# Nothing stored yet; usage errors.
expect_status 0 ctl events
expect_contains "$TMP/out" "No events"
expect_status 2 ctl events --vm edu-portal-web-l
expect_contains "$TMP/err" "VM \"edu-portal-web-l\" not found (did you mean 'edu-portal-web-1'?)"
expect_status 2 ctl events --host x86-0l
expect_contains "$TMP/err" "host \"x86-0l\" not found (did you mean 'x86-01'?)"
expect_status 2 ctl events --since yesterday
expect_status 2 ctl events --tenant education
expect_status 2 ctl serve --heartbeat 0s

# The one-shot rounds: every host answers; what apply did is in the events.
expect_status 0 ctl heartbeat -o json
json_check '[(h["host"], h["state"]) for h in d] == [("kp-01", "ready"), ("x86-01", "ready"), ("x86-02", "ready")]'
expect_status 0 ctl heartbeat
expect_contains "$TMP/out" "HOST"
expect_status 0 ctl events pull
expect_contains "$TMP/out" "from 3 hosts"
expect_status 0 ctl events --vm education/edu-portal-web-1
expect_contains "$TMP/out" "started"

"$XCLOUDCTL" --state "$STATE" serve --heartbeat 1s --events-wait 2s 2>"$TMP/serve.log" &
SERVE_PID=$!
until_true 10 grep -q "serving" "$TMP/serve.log" || fail "serve did not start: $(cat "$TMP/serve.log")"

# One serve per state.
expect_status 75 ctl serve
expect_contains "$TMP/err" "is already served by the serve by"
expect_contains "$TMP/err" "(pid $SERVE_PID)"

# VM lifecycle events as they happen.
expect_status 0 ctl vm stop edu-portal-web-1 --force
until_true 10 has_event edu-portal-web-1 stopped || fail "no stopped event: $(ctl events; cat "$TMP/serve.log")"
expect_status 0 ctl vm start edu-portal-web-1
until_true 10 grep -q "vm education/edu-portal-web-1: started (booted)" "$TMP/serve.log" ||
  fail "serve did not log the start: $(cat "$TMP/serve.log")"
expect_status 0 ctl vm shutdown edu-portal-web-2 --timeout 5s
until_true 10 has_event edu-portal-web-2 shutdown || fail "no shutdown event: $(ctl events)"
[ "$(vm_state edu-portal-web-2)" = stopped ] || fail "get vms does not show web-2 stopped"
expect_status 0 ctl events --vm edu-portal-web-1 -o wide
expect_contains "$TMP/out" "destroyed"
expect_contains "$TMP/out" "xc-education.edu-portal-web-1"
expect_status 0 ctl events --vm edu-portal-web-1 -o json
json_check '[e["type"] for e in d][-2:] == ["stopped", "started"] and d[-2]["detail"] == "destroyed"' 
expect_status 0 ctl events --since 10m -o json
json_check 'any(e["type"] == "shutdown" and e["detail"] == "guest" and e["vm"] == "edu-portal-web-2" and e["seq"] > 0 for e in d)'
expect_status 0 ctl events -o yaml
expect_contains "$TMP/out" "type: started"

# A killed agent: unreachable within the heartbeat (1 s; allow a few), its
# VMs unknown; back when it is restarted.
killed_ms=$(($(date +%s%N) / 1000000))
kill "${AGENT_PIDS[2]}"
wait "${AGENT_PIDS[2]}" 2>/dev/null || true
until_true 10 host_is kp-01 unreachable || fail "kp-01 is not unreachable: $(ctl get hosts -o wide)"
# serve's own time stamp: within the heartbeat (1 s) and the call, with room
# for a loaded machine.
python3 - "$TMP/serve.log" "$killed_ms" <<'PY' || fail "kp-01 was not found unreachable in time: $(cat "$TMP/serve.log")"
import datetime, sys
for line in open(sys.argv[1]):
    if "host kp-01 unreachable" in line:
        at = datetime.datetime.strptime(line.split()[0], "%Y-%m-%dT%H:%M:%S.%fZ")
        ms = (at.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000) - int(sys.argv[2])
        print(f"kp-01 unreachable {ms:.0f} ms after its agent was killed (heartbeat 1 s)")
        sys.exit(0 if ms <= 3000 else 1)
sys.exit(1)
PY
[ "$(vm_state health-records-app-1)" = unknown ] || fail "a VM on kp-01 is not unknown"
expect_status 0 ctl get hosts -o wide
expect_contains "$TMP/out" "unreachable since"
until_true 5 grep -q "host kp-01 unreachable: host kp-01: agent 127.0.0.1:${ports[2]}" "$TMP/serve.log" ||
  fail "serve did not log kp-01 unreachable: $(cat "$TMP/serve.log")"
expect_status 1 ctl heartbeat -o json
json_check '[h["state"] for h in d] == ["unreachable", "ready", "ready"] and d[0]["host"] == "kp-01"'

"$XCLOUD_AGENT" serve --config "$TMP/agents/kp-01/agent.yaml" 2>>"$TMP/agents/kp-01/agent.log" &
AGENT_PIDS+=($!)
until_true 10 host_is kp-01 ready || fail "kp-01 is not ready again: $(ctl get hosts -o wide)"
until_true 10 grep -q "host kp-01: agent-restarted" "$TMP/serve.log" ||
  fail "serve did not notice the new agent run: $(cat "$TMP/serve.log")"
expect_status 0 ctl events --host kp-01
expect_contains "$TMP/out" "host-unreachable"
expect_contains "$TMP/out" "host-ready"
expect_contains "$TMP/out" "agent-restarted"

# SIGTERM: a clean stop, exit 0, within the events wait.
kill -TERM "$SERVE_PID"
set +e
wait "$SERVE_PID"
code=$?
set -e
SERVE_PID=
[ "$code" -eq 0 ] || fail "serve exited $code after SIGTERM: $(cat "$TMP/serve.log")"
expect_contains "$TMP/serve.log" "stopping (SIGTERM)"
expect_contains "$TMP/serve.log" "stopped"
# The lock went with it: serve starts again. (SIGINT works the same, but a
# background job of a script has SIGINT ignored: SIGTERM again here.)
"$XCLOUDCTL" --state "$STATE" serve --heartbeat 1s --events-wait 1s 2>"$TMP/serve2.log" &
SERVE_PID=$!
until_true 10 grep -q "serving" "$TMP/serve2.log" || fail "serve did not start again: $(cat "$TMP/serve2.log")"
kill -TERM "$SERVE_PID"
wait "$SERVE_PID" || fail "serve exited non-zero after the second SIGTERM"
SERVE_PID=
echo "ok"
