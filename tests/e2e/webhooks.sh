# Webhook subscriptions (issue 17 item 5) through the real binaries: the
# example cloud on three agents, `serve` with the operators' socket, and a
# receiver on loopback that checks each body's HMAC-SM3 signature and is
# down (503) for its first two POSTs. Changes, logins, a refused command and
# an alarm (a killed agent) reach the subscription that takes every class,
# in the audit chain's order, each record once, after the failed batch was
# sent again; the logins subscription gets logins and refusals only. After
# serve stops, `webhook deliver` goes on from the stored cursor.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
source "$(dirname "$0")/../support/operator_socket.sh"
SUPPORT="$XC_SOURCE_DIR/tests/support"
receiver_pid=
cleanup() {  # under set -e: a wait on a killed child returns 143
  [ -z "$receiver_pid" ] || { kill "$receiver_pid"; wait "$receiver_pid"; } 2>/dev/null || true
  [ -z "$serve_pid" ] || { kill "$serve_pid"; wait "$serve_pid"; } 2>/dev/null || true
  stop_agents
  rm -rf "$TMP"
}
trap cleanup EXIT
wait_for() {  # wait_for SECONDS COMMAND...: until the command succeeds
  local tries=$(($1 * 10))
  shift
  for _ in $(seq "$tries"); do "$@" && return 0; sleep 0.1; done
  return 1
}

printf 'webhook-secret\n' >"$TMP/hook.key"
chmod 600 "$TMP/hook.key"
/usr/bin/python3 "$SUPPORT/alarm_receivers.py" http "$TMP/hook.key" "$TMP/posts.jsonl" "$TMP/http.port" 2 &
receiver_pid=$!
wait_for 10 test -f "$TMP/http.port" || fail "the receiver did not start"
HTTP=$(cat "$TMP/http.port")

ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
start_example_cloud "$M"
cat >"$M/webhooks.yaml" <<YAML
apiVersion: xcloud/v1
kind: Webhook
metadata: {name: supervision}
spec:
  url: http://127.0.0.1:$HTTP/flaky/all
  secretFile: $TMP/hook.key
  batch: 5
---
apiVersion: xcloud/v1
kind: Webhook
metadata: {name: logins}
spec:
  url: http://127.0.0.1:$HTTP/logins
  secretFile: $TMP/hook.key
  events: [login, denied]
YAML
expect_status 0 ctl apply -f "$M"
expect_status 0 ctl get webhooks
expect_contains "$TMP/out" "supervision"
# A wrong manifest is refused with its position, nothing applied.
sed 's/events: \[login, denied\]/events: [login, logins]/' "$M/webhooks.yaml" >"$TMP/bad.yaml"
expect_status 2 ctl validate -f "$TMP/bad.yaml"
expect_contains "$TMP/err" "bad.yaml:"
share_tmp
add_user sam --role sysadmin --os-user sys
add_user liwei --role tenant-user --tenant education --os-user nobody

"$XCLOUDCTL" --state "$STATE" serve --socket "$SOCK" --heartbeat 1s --alarms 1s --collect 1h \
  --events-wait 1s --webhooks 1s 2>"$TMP/serve.log" &
serve_pid=$!
wait_for 10 test -S "$SOCK" || fail "serve did not open $SOCK: $(cat "$TMP/serve.log")"
expect_contains "$TMP/serve.log" "webhooks"

# A failed login, two logins, a refused command, a change and an alarm.
expect_status 77 as 3 login --code 000000
expect_status 0 as 3 login --code "$(totp "$(secret_of sam)")"
expect_status 0 as 65534 login --code "$(totp "$(secret_of liwei)")"
expect_status 77 as 65534 get hosts
expect_status 0 as 3 vm stop edu-portal-web-1 --reason CHG-1
kill "${AGENT_PIDS[2]}"
wait_for 60 grep -q "host-unreachable host/kp-01 fired" "$TMP/serve.log" ||
  fail "no alarm fired: $(cat "$TMP/serve.log")"
# Delivered: the first batch after two failures (1 s, then 2 s back-off).
wait_for 60 grep -q "webhook supervision: delivered .* after 2 failed tries" "$TMP/serve.log" ||
  fail "the failed batch was not delivered: $(cat "$TMP/serve.log")"
wait_for 30 grep -q '"event": "alarm"' "$TMP/posts.jsonl" || fail "no alarm event: $(cat "$TMP/serve.log")"
kill -TERM "$serve_pid"
wait "$serve_pid" || fail "serve exited non-zero: $(cat "$TMP/serve.log")"
serve_pid=

# Without serve, the one-shot round goes on from the stored cursors.
expect_status 0 ctl audit note --object Host/kp-01 "agent killed by the webhook test"
expect_status 0 ctl webhook deliver
expect_contains "$TMP/out" "webhook supervision: delivered 1 record(s)"
expect_status 0 ctl webhook status -o json
json_check 'all(w["behind"] == 0 and w["failedTries"] == 0 and w["lastError"] == "" for w in d)'
expect_status 0 ctl audit list -o json
cp "$TMP/out" "$TMP/audit.json"

python3 - "$TMP/posts.jsonl" "$TMP/audit.json" <<'PY' || fail "webhook deliveries: $(cat "$TMP/posts.jsonl")"
import json, sys
posts = [json.loads(line) for line in open(sys.argv[1])]
audit = json.load(open(sys.argv[2]))
assert all(p["signed"] for p in posts), "a body's signature does not verify"
hooked = [p for p in posts if p["path"] == "/flaky/all"]
assert [p["status"] for p in hooked[:3]] == [503, 503, 200], [p["status"] for p in hooked]
seqs = lambda p: [e["seq"] for e in p["body"]["events"]]
assert seqs(hooked[0]) == seqs(hooked[1]) == seqs(hooked[2]), "the retried batch changed"
for p in hooked:
    s = seqs(p)
    assert p["headers"]["X-Xcloud-Events"] == "%d-%d" % (s[0], s[-1]), p["headers"]
    assert p["headers"]["X-Xcloud-Webhook"] == "supervision" and len(s) <= 5
# Every record after the webhook's creation, once, in order.
created = max(r["seq"] for r in audit if r["kind"] == "Webhook" and r["name"] == "supervision")
want = [r["seq"] for r in audit if r["seq"] > created]
got = [q for p in hooked if p["status"] == 200 for q in seqs(p)]
assert got == want, (got, want)
events = {e["seq"]: e for p in hooked if p["status"] == 200 for e in p["body"]["events"]}
by = lambda c, a: [e for e in events.values() if e["event"] == c and e["action"] == a]
assert by("login", "login-failed") and len(by("login", "login")) == 2
assert by("denied", "denied")[0]["name"] == "liwei"
stop = by("change", "stop")[0]
assert stop["actor"] == "sam" and stop["reason"] == "CHG-1" and stop["name"] == "edu-portal-web-1"
assert by("alarm", "fired")
# The chain links ride along: each event's prev_digest is the digest before it.
digest = {r["seq"]: r["digest"] for r in audit}
assert all(e["prev_digest"] == digest[s - 1] for s, e in events.items()), "chain links"
# The logins subscription: logins and refusals only, in order.
logins = [e for p in posts if p["path"] == "/logins" for e in p["body"]["events"]]
assert {e["event"] for e in logins} == {"login", "denied"}, logins
assert [e["seq"] for e in logins] == sorted({e["seq"] for e in logins})
PY
echo ok
