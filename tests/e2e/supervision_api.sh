# The supervision API (issue 17 item 5): `serve --api` over HTTPS with
# client certificates from `user cert`. Every endpoint answers a supervisor
# 200 with JSON that validates against schemas/api/openapi.json (valijson,
# tests/tools/openapi_check); no certificate, another CA's certificate or a
# revoked one ends the handshake; a user whose roles do not allow the read,
# or who is disabled, gets 403; the audit pages carry what recomputing the
# SM3 chain needs, and it is recomputed here.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
serve_pid=
trap '[ -z "$serve_pid" ] || kill $serve_pid 2>/dev/null; stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
SPEC="$XC_SOURCE_DIR/schemas/api/openapi.json"
CHECK="$(dirname "$XC_ARTIFACT_DIR")/tests/openapi_check"
[ -x "$CHECK" ] || fail "no $CHECK (build the openapi_check target)"
PKI="$TMP/state/pki"

ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
start_example_cloud "$M"
expect_status 0 ctl apply -f "$M"
ctl heartbeat >/dev/null

# Users (OS logins daemon, sys, bin, nobody exist everywhere) and their certificates.
ctl user add sup --role supervisor --os-user daemon >/dev/null
ctl user add sam --role sysadmin --os-user sys >/dev/null
ctl user add aud --role auditadmin --os-user bin >/dev/null
ctl user add mon --role monitor --os-user nobody >/dev/null
expect_status 0 ctl user cert sup
expect_contains "$TMP/out" "user sup: client certificate "
for u in sam aud mon; do ctl user cert "$u" >/dev/null; done
mkdir "$TMP/out-dir"
expect_status 0 ctl user cert mon --out "$TMP/out-dir"
# A user's certificate is for the controller's API: an agent, which serves
# only the controller's certificate, refuses it at the handshake.
agent_port=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT substr(address, instr(address, \':\') + 1) FROM hosts LIMIT 1').fetchone()[0])" "$STATE")
set +e
curl -sS --max-time 10 --cacert "$PKI/ca.crt" --cert "$PKI/users/sam/sam.crt" --key "$PKI/users/sam/sam.key" \
  -H 'Content-Type: application/json' -d '{"id":1,"method":"host.facts","params":{}}' \
  "https://127.0.0.1:$agent_port/v1/rpc" >"$TMP/body" 2>"$TMP/curl.err"
rc=$?
set -e
[ "$rc" -ne 0 ] && [ ! -s "$TMP/body" ] || fail "an agent served user sam's certificate: curl exit $rc, body $(cat "$TMP/body")"
grep -q "CN=sam is not the controller's" "$TMP"/agents/*/agent.log || fail "no agent logged the refusal"
grep -q '"result"' <<<"$(agent_rpc "$agent_port" host.facts '{}')" || fail "the controller's certificate was not served"
expect_contains "$TMP/out" "revoked the previous certificate"
[ "$(stat -c %a "$TMP/out-dir/mon.key")" = 600 ] || fail "mon.key is not 0600"
[ "$(stat -c %a "$PKI/users/sup/sup.key")" = 600 ] || fail "sup.key is not 0600"
grep -q "CN *= *sup" <<<"$(openssl x509 -in "$PKI/users/sup/sup.crt" -noout -subject)" ||
  fail "sup.crt subject: $(openssl x509 -in "$PKI/users/sup/sup.crt" -noout -subject)"
expect_status 2 ctl user cert ghost
expect_contains "$TMP/err" 'user "ghost" not found'
expect_status 2 ctl user revoke-cert sup-x
expect_status 2 ctl user cert 'Bad/Name'

# A certificate for "sup" from another CA (another state's).
OTHER="$TMP/other/state.db"
"$XCLOUDCTL" --state "$OTHER" init >/dev/null
"$XCLOUDCTL" --state "$OTHER" ca init >/dev/null
"$XCLOUDCTL" --state "$OTHER" user add sup --role supervisor --os-user daemon >/dev/null
"$XCLOUDCTL" --state "$OTHER" user cert sup >/dev/null

PORT=$(free_port)
"$XCLOUDCTL" --state "$STATE" serve --api "127.0.0.1:$PORT" --heartbeat 1h --collect 1h --alarms 1h 2>"$TMP/serve.log" &
serve_pid=$!
for _ in $(seq 100); do grep -q "supervision API on" "$TMP/serve.log" && break; sleep 0.05; done
grep -q "supervision API on" "$TMP/serve.log" || fail "serve --api did not start: $(cat "$TMP/serve.log")"

# api DIR USER PATH: GET with USER's certificate from DIR; the body in
# $TMP/body, the HTTP status in $TMP/status ("000" when the handshake failed).
api() {
  set +e
  curl -sS --max-time 20 -o "$TMP/body" -w '%{http_code}' --cacert "$PKI/ca.crt" \
    --cert "$1/$2.crt" --key "$1/$2.key" "https://127.0.0.1:$PORT$3" >"$TMP/status" 2>"$TMP/curl.err"
  set -e
}
# expect_api STATUS DIR USER PATH: and the body validates against the OpenAPI.
expect_api() {
  local want=$1 path=$4
  api "$2" "$3" "$path"
  [ "$(cat "$TMP/status")" = "$want" ] ||
    fail "GET $path as $3: status $(cat "$TMP/status"), expected $want: $(cat "$TMP/body" "$TMP/curl.err")"
  "$CHECK" "$SPEC" "${path%%\?*}" "$want" "$TMP/body" ||
    fail "GET $path as $3: the answer does not match the OpenAPI description: $(head -c 2000 "$TMP/body")"
}

MONTH=$(date -u +%Y-%m)
S="$PKI/users/sup"
for path in /v1/platform /v1/hosts /v1/vms "/v1/vms?tenant=education" "/v1/vms?system=edu-portal" \
  /v1/quotas "/v1/alarms?state=all" "/v1/bills?month=$MONTH" "/v1/sla?month=$MONTH" \
  "/v1/audit?limit=5" "/v1/audit?after=3&limit=1000"; do
  expect_api 200 "$S" sup "$path"
  cp "$TMP/body" "$TMP/body-$(echo "$path" | tr -c 'a-z0-9' _)"
done
python3 - "$TMP" <<'PY' || fail "answers: see above"
import json, sys, glob
t = sys.argv[1]
load = lambda p: json.load(open(t + "/body-" + "".join(c if c.isalnum() and c.islower() or c.isdigit() else "_" for c in p) + "_"))
p = load("/v1/platform")
assert p["hosts"]["total"] == 3 and p["hosts"]["byState"] == {"ready": 3}, p
hosts = load("/v1/hosts")
assert sorted(h["name"] for h in hosts) == ["kp-01", "x86-01", "x86-02"], hosts
vms = load("/v1/vms")
edu = load("/v1/vms?tenant=education")
assert p["vms"]["total"] == len(vms) > len(edu) > 0, (len(vms), len(edu))
assert all(v["tenant"].startswith("education") for v in edu), edu
portal = load("/v1/vms?system=edu-portal")
assert portal and all(v["system"] == "edu-portal" for v in portal), portal
page = load("/v1/audit?limit=5")
assert len(page["records"]) == 5 and page["limit"] == 5 and page["nextAfter"] == page["records"][-1]["seq"], page
PY

# The audit chain, recomputed from the pages as `audit verify` does:
# digest = SM3(prev_digest || canonical encoding), each prev the digest before.
python3 - "$TMP" "$XC_SOURCE_DIR" "$PORT" "$PKI" <<'PY' || fail "audit chain from the API does not verify"
import json, ssl, sys, urllib.request
sys.path.insert(0, sys.argv[2] + "/tests/support")
from audit_chain import digest
t, port, pki = sys.argv[1], sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(cafile=pki + "/ca.crt")
ctx.load_cert_chain(pki + "/users/sup/sup.crt", pki + "/users/sup/sup.key")
after, prev, checked = 0, bytes(32), 0
while True:
    with urllib.request.urlopen("https://127.0.0.1:%s/v1/audit?after=%d&limit=7" % (port, after), context=ctx) as r:
        page = json.load(r)
    for rec in page["records"]:
        assert bytes.fromhex(rec["prev_digest"]) == prev, rec
        row = [rec[k] for k in ("seq", "time_ms", "actor", "as", "reason", "origin_host", "command",
                                "kind", "tenant", "name", "action", "hash_before", "hash_after",
                                "result", "message")]
        prev = digest(prev, row)
        assert prev.hex() == rec["digest"].lower(), ("digest", rec)
        checked += 1
    if page["nextAfter"] is None:
        break
    after = page["nextAfter"]
assert checked >= 10, checked
print("audit chain: %d records recomputed" % checked)
PY

# Refused at the handshake: no certificate, another CA's, and (below) a revoked one.
set +e
curl -sS --max-time 10 --cacert "$PKI/ca.crt" "https://127.0.0.1:$PORT/v1/platform" >"$TMP/body" 2>"$TMP/curl.err"
rc=$?
set -e
[ "$rc" -ne 0 ] && [ ! -s "$TMP/body" ] || fail "no client certificate: curl exit $rc, body $(cat "$TMP/body")"
api "$TMP/other/pki/users/sup" sup /v1/platform
[ "$(cat "$TMP/status")" = 000 ] || fail "another CA's certificate: status $(cat "$TMP/status")"
grep -q "handshake refused: client CN=sup" "$TMP/serve.log" || fail "no refusal logged: $(cat "$TMP/serve.log")"

# Roles decide per endpoint: a sysadmin reads the state but not the audit
# trail; an auditadmin has no read class; a disabled user nothing.
expect_api 200 "$PKI/users/sam" sam /v1/hosts
expect_api 403 "$PKI/users/sam" sam "/v1/audit?limit=1"
expect_contains "$TMP/body" "is not allowed to sam (sysadmin)"
expect_api 403 "$PKI/users/aud" aud /v1/vms
ctl user disable sam >/dev/null
expect_api 403 "$PKI/users/sam" sam /v1/hosts
expect_contains "$TMP/body" "user sam is disabled"
# mon's first certificate was replaced (and so revoked): refused at the handshake.
api "$PKI/users/mon" mon /v1/hosts
[ "$(cat "$TMP/status")" = 000 ] || fail "mon's replaced certificate: status $(cat "$TMP/status")"
expect_api 200 "$TMP/out-dir" mon /v1/hosts
# Refusals of known users are audited (once a minute per user), reads are not.
expect_status 0 ctl audit list --actor aud -o json
expect_contains "$TMP/out" '"action": "denied"'
expect_contains "$TMP/out" "supervision API: GET /v1/vms"

# Bad requests: a bounded, checked query; GET only.
expect_api 400 "$S" sup "/v1/audit?limit=1001"
expect_contains "$TMP/body" "expected 1 to 1000"
expect_api 400 "$S" sup "/v1/vms?color=red"
api "$S" sup /v1/users
[ "$(cat "$TMP/status")" = 404 ] || fail "GET /v1/users: $(cat "$TMP/status")"
"$CHECK" "$SPEC" /v1/hosts 404 "$TMP/body" || fail "404: $(cat "$TMP/body")"
set +e
code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST --data x --cacert "$PKI/ca.crt" --cert "$S/sup.crt" \
  --key "$S/sup.key" "https://127.0.0.1:$PORT/v1/hosts")
set -e
[ "$code" = 405 ] || fail "POST: $code"
grep -q "api: 127.0.0.1 user=sup CN=sup GET /v1/platform 200" "$TMP/serve.log" ||
  fail "request not logged: $(cat "$TMP/serve.log")"

# Revoked: refused at the next handshake, without restarting serve.
expect_status 0 ctl user revoke-cert sup
expect_contains "$TMP/out" "revoked"
api "$S" sup /v1/platform
[ "$(cat "$TMP/status")" = 000 ] || fail "revoked certificate: status $(cat "$TMP/status")"
grep -q "handshake refused: client CN=sup: certificate .* is revoked" "$TMP/serve.log" ||
  fail "revocation not logged: $(cat "$TMP/serve.log")"
expect_status 2 ctl user revoke-cert sup
expect_contains "$TMP/err" "user sup has no certificate to revoke"
grep -q "verify OK" <<<"$(openssl crl -in "$PKI/users.crl" -CAfile "$PKI/ca.crt" -noout 2>&1)" ||
  fail "users.crl does not verify with openssl"
ctl user cert sup >/dev/null
expect_api 200 "$S" sup /v1/platform

kill "$serve_pid"
wait "$serve_pid" || fail "serve exited $?: $(cat "$TMP/serve.log")"
serve_pid=
echo "ok"
