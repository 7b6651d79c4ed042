# The CA rotates without downtime (issue 17 item 6): `ca rotate` makes a new
# CA, trusts it beside the previous one, and gives each running agent a
# certificate from it and the two-CA file (no restart); the controller keeps
# reaching every agent, and certificates from the previous CA keep working.
# `--finish` refuses while an operator still holds one, then moves the
# controller to the new CA and tells the agents to trust it alone: a client
# with a certificate from the previous CA is refused by the agents from then
# on. A running `serve --api` follows both steps without a restart: it keeps
# its certificate while the previous CA is trusted, then presents one from
# the new CA and refuses the previous CA's clients. Each step is audited.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
serve_pid=
trap 'kill $serve_pid 2>/dev/null; stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
PKI="$TMP/state/pki"
certs_in() { grep -c "BEGIN CERTIFICATE" "$1"; }
# rpc_with CERT KEY PORT: host.facts straight to an agent with that client pair.
rpc_with() {
  curl -sS --max-time 10 --cacert "$PKI/ca.crt" --cert "$1" --key "$2" -H 'Content-Type: application/json' \
    -d '{"id":1,"method":"host.facts","params":{}}' "https://127.0.0.1:$3/v1/rpc"
}
crl_from_new_ca() { grep -q "verify OK" <<<"$(openssl crl -in "$PKI/users.crl" -noout -CAfile "$TMP/new-ca.crt" 2>&1)"; }
# api_status DIR NAME CA_FILE: GET /v1/platform with that user's pair, trusting
# that CA file; the HTTP status, 000 when the handshake failed.
api_status() {
  curl -s --max-time 10 -o /dev/null -w '%{http_code}' --cacert "$3" --cert "$1/$2.crt" \
    --key "$1/$2.key" "https://127.0.0.1:$API_PORT/v1/platform" || true
}
issued_by() {  # issued_by CERT CA_FILE: openssl verifies CERT against that CA alone
  openssl verify -partial_chain -CAfile "$2" "$1" >/dev/null 2>&1
}

ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
start_example_cloud "$M"
expect_status 0 ctl apply -f "$M"
expect_status 0 ctl user add inspector --role supervisor --os-user nobody
mkdir -p "$TMP/inspector" "$TMP/inspector2"
expect_status 0 ctl user cert inspector --out "$TMP/inspector"
cp "$PKI/ca.crt" "$TMP/old-ca.crt"
API_PORT=$(free_port)
"$XCLOUDCTL" --state "$STATE" serve --api "127.0.0.1:$API_PORT" --heartbeat 1h --collect 1h --alarms 1h \
  --webhooks 1h 2>"$TMP/serve.log" &
serve_pid=$!
for _ in $(seq 100); do grep -q "supervision API on" "$TMP/serve.log" && break; sleep 0.05; done
[ "$(api_status "$TMP/inspector" inspector "$TMP/old-ca.crt")" = 200 ] || fail "the API before the rotation"
cp "$PKI/controller.crt" "$TMP/old-controller.crt"
cp "$PKI/controller.key" "$TMP/old-controller.key"
pids_before=$(pgrep -f "serve --config $TMP/agents/" | sort | tr '\n' ' ')

expect_status 0 ctl ca rotate
expect_contains "$TMP/out" "3 of 3 agents hold a certificate from the new CA and trust both."
[ "$(certs_in "$PKI/ca.crt")" = 2 ] || fail "ca.crt should hold the new CA and the previous one"
[ "$(stat -c %a "$PKI/ca-previous.key")" = 600 ] || fail "ca-previous.key is not 0600"
openssl x509 -in "$PKI/ca.crt" -out "$TMP/new-ca.crt"  # the first certificate: the new CA
cmp -s "$TMP/new-ca.crt" "$TMP/old-ca.crt" && fail "the CA did not change"
for h in x86-01 x86-02 kp-01; do
  issued_by "$PKI/hosts/$h/agent.crt" "$TMP/new-ca.crt" || fail "$h's certificate is not from the new CA"
  cmp -s "$PKI/hosts/$h/ca.crt" "$PKI/ca.crt" || fail "$h does not trust both CAs"
done
[ "$(pgrep -f "serve --config $TMP/agents/" | sort | tr '\n' ' ')" = "$pids_before" ] || fail "agents restarted"
# Everything keeps working, with the previous CA's certificates too.
expect_status 0 ctl heartbeat
expect_status 0 ctl diff -f "$M"
[ "$(api_status "$TMP/inspector" inspector "$TMP/old-ca.crt")" = 200 ] ||
  fail "during the rotation the API refused the previous CA's operator or its ca.crt: $(cat "$TMP/serve.log")"
rpc_with "$TMP/old-controller.crt" "$TMP/old-controller.key" "${ports[0]}" >"$TMP/rpc.out"
grep -q '"result"' "$TMP/rpc.out" || fail "during the rotation the previous CA's client was refused: $(cat "$TMP/rpc.out")"
# The users' CRL is signed by the new CA, and revocations still work.
[ ! -f "$PKI/users.crl" ] || crl_from_new_ca || fail "the CRL is not signed by the new CA"
expect_status 1 ctl ca rotate
expect_contains "$TMP/err" "a rotation is under way"

# --finish waits for the operators.
expect_status 1 ctl ca rotate --finish
expect_contains "$TMP/err" "user inspector: xcloudctl user renew inspector"
expect_status 2 ctl ca rotate --force
expect_status 0 ctl user renew inspector --out "$TMP/inspector2"
issued_by "$TMP/inspector2/inspector.crt" "$TMP/new-ca.crt" || fail "the renewed operator certificate is not from the new CA"
crl_from_new_ca || fail "the CRL after user renew is not signed by the new CA"
expect_status 0 ctl ca rotate --finish
expect_contains "$TMP/out" "3 of 3 agents trust the new CA alone"
[ "$(certs_in "$PKI/ca.crt")" = 1 ] && cmp -s "$PKI/ca.crt" "$TMP/new-ca.crt" || fail "ca.crt is not the new CA alone"
[ ! -e "$PKI/ca-previous.key" ] && [ ! -e "$PKI/ca-previous.crt" ] || fail "the previous CA was kept"
issued_by "$PKI/controller.crt" "$TMP/new-ca.crt" || fail "the controller's certificate is not from the new CA"
for h in x86-01 x86-02 kp-01; do
  cmp -s "$PKI/hosts/$h/ca.crt" "$TMP/new-ca.crt" || fail "$h still trusts the previous CA"
done
[ "$(pgrep -f "serve --config $TMP/agents/" | sort | tr '\n' ' ')" = "$pids_before" ] || fail "agents restarted"
expect_status 0 ctl heartbeat
expect_status 0 ctl diff -f "$M"
# The running API presents a certificate from the new CA and refuses the
# previous CA's clients at the handshake.
[ "$(api_status "$TMP/inspector2" inspector "$TMP/new-ca.crt")" = 200 ] ||
  fail "after --finish the API is not reached with the new CA: $(cat "$TMP/serve.log")"
[ "$(api_status "$TMP/inspector" inspector "$TMP/new-ca.crt")" = 000 ] ||
  fail "after --finish the API still accepts the previous CA's certificate"
expect_contains "$TMP/serve.log" "the server certificate was issued again by the cloud's new CA"
kill -0 "$serve_pid" || fail "serve --api ended during the rotation"
# The previous CA's certificates are refused by the agents now.
set +e
rpc_with "$TMP/old-controller.crt" "$TMP/old-controller.key" "${ports[1]}" >"$TMP/rpc.out" 2>&1
set -e
grep -q '"result"' "$TMP/rpc.out" && fail "an agent still accepts the previous CA's client"
rpc_with "$PKI/controller.crt" "$PKI/controller.key" "${ports[1]}" >"$TMP/rpc.out"
grep -q '"result"' "$TMP/rpc.out" || fail "the new controller certificate is refused: $(cat "$TMP/rpc.out")"
expect_status 1 ctl ca rotate --finish
expect_contains "$TMP/err" "no rotation is under way"

expect_status 0 ctl audit list -o json
python3 -c '
import json, sys
r = [x["action"] for x in json.load(open(sys.argv[1])) if x["kind"] == "CertificateAuthority" and x["result"] == "ok"]
assert r == ["create", "rotate", "rotate-controller", "rotate-finish"], r
' "$TMP/out" || fail "the rotation is not audited: $(cat "$TMP/out")"
echo ok
