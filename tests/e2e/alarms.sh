# Alarms through the real binaries: three agents on libvirt's test:/// driver,
# an AlarmRule and an AlarmRoute applied with the example cloud. A killed
# agent fires host-unreachable, delivered once to each receiver: a real SMTP
# server (aiosmtpd), a webhook receiver checking the HMAC-SM3 signature, an
# SMS gateway and a syslog listener. No second delivery while it fires (dedup)
# until the repeat interval; the clear is
# delivered when the agent is back. Then list/show filters, the workflow
# commands and their audit records, and `serve` firing and delivering on its own.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
PY=/usr/bin/python3
SUPPORT="$XC_SOURCE_DIR/tests/support"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
json_check() {  # json_check PYTHON-EXPRESSION-OVER-d [FILE]: asserts it on $TMP/out
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert ($1), d" "${2:-$TMP/out}" ||
    fail "json check failed: $1"
}
wait_file() { for _ in $(seq 100); do [ -f "$1" ] && return 0; sleep 0.1; done; fail "no $1"; }
count() { [ -f "$1" ] && wc -l <"$1" || echo 0; }  # lines received

# The receivers.
printf 'hook-secret\n' >"$TMP/hook.key"
$PY "$SUPPORT/alarm_receivers.py" http "$TMP/hook.key" "$TMP/http.jsonl" "$TMP/http.port" &
PIDS+=($!)
$PY "$SUPPORT/alarm_receivers.py" syslog "$TMP/syslog.txt" "$TMP/syslog.port" &
PIDS+=($!)
mkdir -p "$TMP/mail"
$PY "$SUPPORT/smtp_sink.py" "$TMP/mail" >"$TMP/smtp.port" &
PIDS+=($!)
wait_file "$TMP/http.port"
wait_file "$TMP/syslog.port"
for _ in $(seq 100); do [ -s "$TMP/smtp.port" ] && break; sleep 0.1; done
HTTP=$(cat "$TMP/http.port")
SYSLOG=$(cat "$TMP/syslog.port")
SMTP=$(head -n1 "$TMP/smtp.port")
[ -n "$SMTP" ] || fail "the SMTP sink did not start"

ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
start_example_cloud "$M"
cat >"$M/alarms.yaml" <<YAML
apiVersion: xcloud/v1
kind: AlarmRule
metadata: {name: vm-stopped}
spec:
  event: stopped
  severity: warning
  summary: a VM of the education portal is stopped
  scope: {tenant: education}
  labels: {team: apps}
---
apiVersion: xcloud/v1
kind: AlarmRoute
metadata: {name: ops}
spec:
  receivers:
    - {name: hook, type: webhook, url: "http://127.0.0.1:$HTTP/alarms", secretFile: "$TMP/hook.key"}
    - {name: duty-sms, type: sms, url: "http://127.0.0.1:$HTTP/sms", to: ["13800000000"], template: "xcloud {severity}: {object} {state}"}
    - {name: ops-mail, type: mail, smtp: "smtp://127.0.0.1:$SMTP", to: [ops@bureau.example], from: xcloud@bureau.example}
    - {name: siem, type: syslog, address: "tcp://127.0.0.1:$SYSLOG"}
  route:
    receiver: hook
    groupWait: 0s
    repeatInterval: 15s
    routes:
      - {match: {team: apps}, receiver: hook}
      - {match: {severity: critical}, receiver: hook, continue: true}
      - {match: {severity: critical}, receiver: duty-sms, continue: true}
      - {match: {severity: critical}, receiver: ops-mail, continue: true}
      - {match: {severity: critical}, receiver: siem}
  silences:
    - {name: x86-01 power work, start: "2020-01-01T00:00Z", end: "2100-01-01T00:00Z", match: {host: x86-01, rule: host-unreachable}}
YAML
expect_status 0 ctl validate -f "$M"
expect_status 0 ctl apply -f "$M"
expect_status 0 ctl get alarmrules
expect_contains "$TMP/out" "vm-stopped"

# Nothing wrong yet.
expect_status 0 ctl heartbeat
expect_status 0 ctl alarms evaluate
expect_contains "$TMP/out" "0 fired, 0 cleared, 0 active"
expect_status 0 ctl alarms list
expect_contains "$TMP/out" "No active alarms"

# A killed agent: host-unreachable fires and goes to every receiver once.
kill "${AGENT_PIDS[2]}"
wait "${AGENT_PIDS[2]}" 2>/dev/null || true
expect_status 1 ctl heartbeat
expect_status 0 ctl alarms evaluate
expect_contains "$TMP/out" "host-unreachable host/kp-01 fired (critical)"
expect_contains "$TMP/out" "4 notifications sent, 0 failed"
[ "$(count "$TMP/http.jsonl")" -eq 2 ] || fail "expected a webhook and an SMS: $(cat "$TMP/http.jsonl")"
json_check 'd["path"] == "/alarms" and d["signed"] and d["body"]["status"] == "firing" and d["body"]["alarm"]["object"] == "host/kp-01" and d["body"]["labels"]["pool"] == "tianning1"' <(grep '"/alarms"' "$TMP/http.jsonl")
json_check 'd["body"] == {"to": ["13800000000"], "text": "xcloud critical: host/kp-01 firing"}' <(grep '"/sms"' "$TMP/http.jsonl")
wait_file "$TMP/mail/001.json"
grep -q "FIRING critical host-unreachable host/kp-01" "$TMP/mail/001.eml" || fail "mail: $(cat "$TMP/mail/001.eml")"
json_check 'd["rcpt_tos"] == ["ops@bureau.example"]' "$TMP/mail/001.json"
for _ in $(seq 50); do [ -s "$TMP/syslog.txt" ] && break; sleep 0.1; done
grep -q 'xcloudctl - alarm \[xcloudAlarm@32473 id="1" rule="host-unreachable" object="host/kp-01" severity="critical" status="firing"' "$TMP/syslog.txt" ||
  fail "syslog: $(cat "$TMP/syslog.txt")"

# Dedup: evaluated again while it fires, nothing new is sent.
expect_status 0 ctl alarms evaluate
expect_contains "$TMP/out" "0 fired, 0 cleared, 1 active"
[ "$(count "$TMP/http.jsonl")" -eq 2 ] || fail "sent twice: $(cat "$TMP/http.jsonl")"
# Repeat: after the repeat interval (15 s from the first notice) it is sent
# again, marked so.
first_ms=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["receivedMs"])' "$TMP/http.jsonl")
wait_ms=$((first_ms + 15200 - $(date +%s%N) / 1000000))
[ "$wait_ms" -gt 0 ] && sleep "$(printf '%d.%03d' $((wait_ms / 1000)) $((wait_ms % 1000)))"
expect_status 0 ctl alarms evaluate
expect_contains "$TMP/out" "firing (repeat) to ops/hook: sent"
[ "$(count "$TMP/http.jsonl")" -eq 4 ] || fail "no repeat: $(cat "$TMP/http.jsonl")"
grep -q '"repeat": true' <<<"$(tail -n2 "$TMP/http.jsonl" | grep '"/alarms"')" || fail "the repeat is not marked"

# Listing and filters.
expect_status 0 ctl alarms list
expect_contains "$TMP/out" "host-unreachable"
expect_contains "$TMP/out" "host/kp-01"
expect_status 0 ctl alarms list -o json --severity critical --source kp-01 --pool tianning1 --name host-unreachable --since 1h
json_check 'len(d) == 1 and d[0]["id"] == 1 and d[0]["state"] == "firing" and d[0]["severity"] == "critical"'
expect_status 0 ctl alarms list -o json --severity minor
json_check 'd == []'
expect_status 0 ctl alarms list -o json --pool erlonglu
json_check 'd == []'
expect_status 0 ctl alarms list -o wide
expect_contains "$TMP/out" "tianning1"
expect_status 0 ctl alarms list -o yaml
expect_contains "$TMP/out" "rule: host-unreachable"
expect_status 2 ctl alarms list --severity huge
expect_contains "$TMP/err" "--severity: 'huge': expected critical, major, minor or warning"
expect_status 2 ctl alarms list --state open
expect_status 2 ctl alarms list --since yesterday

# The workflow: ack (once), assign, severity, comment; each in the history
# and the audit log. (That an acknowledged alarm is not repeated is a unit
# test: here it would cost another repeat interval.)
expect_status 0 ctl alarms ack 1 --comment "on it"
expect_contains "$TMP/out" "alarm 1 acknowledged (host-unreachable host/kp-01, acknowledged)"
expect_status 2 ctl alarms ack 1
expect_contains "$TMP/err" "alarm 1 was already acknowledged by"
expect_status 0 ctl alarms assign 1 zhang.wei
expect_status 0 ctl alarms severity 1 major
expect_status 0 ctl alarms comment 1 "power supply replaced"
expect_status 2 ctl alarms severity 1 huge
expect_status 2 ctl alarms show 99
expect_contains "$TMP/err" "alarm 99 not found"
expect_status 0 ctl alarms show 1 -o json
json_check 'd["state"] == "acknowledged" and d["assignee"] == "zhang.wei" and d["severity"] == "major" and [h["action"] for h in d["history"]] == ["fired", "acknowledged", "assigned", "severity", "comment"] and len(d["deliveries"]) == 4'
expect_status 0 ctl alarms show 1
expect_contains "$TMP/out" "power supply replaced"
expect_contains "$TMP/out" "ops-mail"
expect_status 0 ctl audit list --object Alarm/1 -o json
json_check '[r["action"] for r in d] == ["fired", "acknowledged", "assigned", "severity", "comment"]'

# Back: the alarm clears by itself and the clear is delivered once.
"$XCLOUD_AGENT" serve --config "$TMP/agents/kp-01/agent.yaml" 2>>"$TMP/agents/kp-01/agent.log" &
AGENT_PIDS+=($!)
for _ in $(seq 100); do ctl heartbeat >/dev/null 2>&1 && break; sleep 0.1; done
expect_status 0 ctl alarms evaluate
expect_contains "$TMP/out" "host-unreachable host/kp-01 cleared (major)"
expect_contains "$TMP/out" "4 notifications sent"
grep -q '"status": "cleared"' <<<"$(tail -n2 "$TMP/http.jsonl" | grep '"/alarms"')" || fail "no clear: $(cat "$TMP/http.jsonl")"
expect_status 0 ctl alarms evaluate
expect_contains "$TMP/out" "0 fired, 0 cleared, 0 active"
[ "$(count "$TMP/http.jsonl")" -eq 6 ] || fail "the clear was sent twice"
expect_status 0 ctl alarms list
expect_contains "$TMP/out" "No active alarms"
expect_status 0 ctl alarms list --state cleared -o json
json_check 'len(d) == 1 and d[0]["cleared"] != "" and d[0]["clearedBy"] == ""'
expect_status 2 ctl alarms ack 1
expect_contains "$TMP/err" "only comments may be added"

# An AlarmRule of the manifests: a stopped VM of tenant education.
expect_status 0 ctl vm stop edu-portal-web-1 --force
expect_status 0 ctl events pull
expect_status 0 ctl alarms evaluate
expect_contains "$TMP/out" "alarm 2 vm-stopped vm/education/edu-portal-web-1 fired (warning)"
expect_contains "$TMP/out" "1 notifications sent"
grep -q '"team": "apps"' <<<"$(tail -n1 "$TMP/http.jsonl")" || fail "the rule's labels did not route it"

# serve evaluates and delivers on its own; x86-01's host-unreachable is
# silenced (no notice).
"$XCLOUDCTL" --state "$STATE" serve --heartbeat 1s --alarms 1s --events-wait 1s 2>"$TMP/serve.log" &
SERVE_PID=$!
PIDS+=($SERVE_PID)
for _ in $(seq 100); do grep -q "serving" "$TMP/serve.log" && break; sleep 0.1; done
expect_contains "$TMP/serve.log" "loops heartbeat, events, collect, alarms"
kill "${AGENT_PIDS[0]}" "${AGENT_PIDS[1]}"
for _ in $(seq 300); do grep -q "host-unreachable host/x86-02 firing to ops/hook: sent" "$TMP/serve.log" && break; sleep 0.1; done
expect_contains "$TMP/serve.log" "host-unreachable host/x86-02 fired (critical)"
expect_contains "$TMP/serve.log" "host-unreachable host/x86-02 firing to ops/hook: sent"
for _ in $(seq 100); do grep -q "host-unreachable host/x86-01 fired" "$TMP/serve.log" && break; sleep 0.1; done
expect_contains "$TMP/serve.log" "host-unreachable host/x86-01 fired (critical)"
grep -q "host/x86-01 firing to" "$TMP/serve.log" && fail "a silenced alarm was sent"
kill -TERM "$SERVE_PID"
wait "$SERVE_PID" || fail "serve exited non-zero: $(cat "$TMP/serve.log")"
echo ok
