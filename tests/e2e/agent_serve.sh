# xcloud-agent serve over mutual TLS with certificates from xcloudctl ca init /
# host enroll: a client with the controller certificate is served, one without
# is refused, and SIGTERM stops the agent cleanly.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
trap 'stop_agents; rm -rf "$TMP"' EXIT

expect_status 1 "$XCLOUDCTL" --state "$STATE" ca init
expect_contains "$TMP/err" "run 'xcloudctl init' first"
expect_status 0 "$XCLOUDCTL" --state "$STATE" init
expect_status 0 "$XCLOUDCTL" --state "$STATE" ca init
expect_status 1 "$XCLOUDCTL" --state "$STATE" ca init
expect_contains "$TMP/err" "a CA already exists"
[ "$(stat -c %a "$TMP/state/pki/ca.key")" = 600 ] || fail "CA key is not private"
expect_status 2 "$XCLOUDCTL" --state "$STATE" host enroll Bad_Name --address 127.0.0.1:1

port=$(free_port)
start_agent kp-01 aarch64 8 32 "$port"
pki="$TMP/state/pki"
reply=$(curl -sS --cacert "$pki/ca.crt" --cert "$pki/controller.crt" --key "$pki/controller.key" \
  -H 'Content-Type: application/json' -d '{"id":1,"method":"host.facts"}' "https://127.0.0.1:$port/v1/rpc")
python3 -c 'import json,sys; r=json.loads(sys.argv[1]); assert r["result"]["arch"]=="aarch64", r' "$reply"

# Without a client certificate the handshake is refused and nothing is served.
if curl -sS --cacert "$pki/ca.crt" -d '{}' "https://127.0.0.1:$port/v1/rpc" >"$TMP/out" 2>&1; then
  fail "a client without a certificate was served: $(cat "$TMP/out")"
fi
grep -q 'method=host.facts client="CN=xcloudctl" status=200' "$TMP/agents/kp-01/agent.log" ||
  fail "no request log line: $(cat "$TMP/agents/kp-01/agent.log")"

# CA creation and the enrollment were each audited once.
expect_status 0 "$XCLOUDCTL" --state "$STATE" audit list -o json
python3 - "$TMP/out" <<'PY'
import json, sys
records = json.load(open(sys.argv[1]))
actions = [(r["kind"], r["action"], r["result"]) for r in records]
assert actions == [("CertificateAuthority", "create", "ok"), ("Host", "enroll", "ok")], actions
PY

kill "${AGENT_PIDS[0]}"
wait "${AGENT_PIDS[0]}" || fail "agent did not exit cleanly on SIGTERM"
AGENT_PIDS=()
echo "agent serve: ok"
