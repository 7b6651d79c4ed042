# Credentials rotate without downtime (issue 17 item 6): `host renew`
# installs a new agent certificate on the running agent over its own mutual
# TLS; the agent serves it to new connections at once (same process, no
# restart), the bundle follows, the controller keeps working, and each
# renewal is audited. An agent refuses a pair that does not match and keeps
# what it had. `user renew` issues a new operator certificate and revokes
# the previous one.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
trap 'stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
PKI="$TMP/state/pki"

ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
# The agents' libvirt migration certificates live here (not /etc/pki/qemu).
mkdir -p "$TMP/qemu-tls"
printf 'migrate_tls_x509_cert_dir = "%s"\n' "$TMP/qemu-tls" >"$TMP/qemu.conf"
AGENT_EXTRA_YAML="qemuConf: $TMP/qemu.conf"
start_example_cloud "$M"
expect_status 0 ctl apply -f "$M"

# served_serial PORT: the serial of the certificate a new TLS connection sees.
served_serial() {
  openssl s_client -connect "127.0.0.1:$1" -CAfile "$PKI/ca.crt" -cert "$PKI/controller.crt" \
    -key "$PKI/controller.key" </dev/null 2>/dev/null | openssl x509 -noout -serial | sed 's/^serial=//' | tr 'a-f' 'A-F'
}
file_serial() { openssl x509 -in "$1" -noout -serial | sed 's/^serial=//' | tr 'a-f' 'A-F'; }

before=$(served_serial "${ports[0]}")
[ -n "$before" ] && [ "$before" = "$(file_serial "$PKI/hosts/x86-01/agent.crt")" ] ||
  fail "x86-01 serves \"$before\", not its bundle's certificate"
pid_before=$(pgrep -f "serve --config $TMP/agents/x86-01/agent.yaml")

expect_status 0 ctl host renew x86-01 --days 400
expect_contains "$TMP/out" "host x86-01: agent certificate $before -> "
expect_contains "$TMP/out" "(served now)"
after=$(served_serial "${ports[0]}")
[ -n "$after" ] && [ "$after" != "$before" ] || fail "x86-01 still serves $before"
[ "$after" = "$(file_serial "$PKI/hosts/x86-01/agent.crt")" ] || fail "the bundle does not hold the served certificate"
[ "$(pgrep -f "serve --config $TMP/agents/x86-01/agent.yaml")" = "$pid_before" ] || fail "the agent restarted"
grep -q "TLS identity reloaded: certificate $after" "$TMP/agents/x86-01/agent.log" ||
  fail "no reload in the agent's log: $(tail -5 "$TMP/agents/x86-01/agent.log")"
# The new certificate keeps the names and runs for the days asked.
grep -q "IP Address:127.0.0.1" <<<"$(openssl x509 -in "$PKI/hosts/x86-01/agent.crt" -noout -ext subjectAltName)" ||
  fail "the renewed certificate lost its address"
end=$(date -d "$(openssl x509 -in "$PKI/hosts/x86-01/agent.crt" -noout -enddate | cut -d= -f2)" +%s)
days=$(((end - $(date +%s)) / 86400))
[ "$days" -ge 399 ] && [ "$days" -le 400 ] || fail "valid for $days days, expected 400"
[ "$(stat -c %a "$PKI/hosts/x86-01/agent.key")" = 600 ] || fail "agent.key is not 0600"
! compgen -G "$PKI/hosts/x86-01/*.new" >/dev/null || fail "an install left .new files"
expect_status 0 ctl diff -f "$M"

# An agent checks what it is given: a certificate with another host's key
# is refused, and it keeps serving what it had.
python3 -c '
import json, sys
print(json.dumps({"certificate": open(sys.argv[1]).read(), "key": open(sys.argv[2]).read()}))
' "$PKI/hosts/x86-02/agent.crt" "$PKI/hosts/x86-01/agent.key" >"$TMP/mismatch.json"
agent_rpc "${ports[1]}" host.install_identity "$(cat "$TMP/mismatch.json")" >"$TMP/rpc.out"
grep -q "does not match key" "$TMP/rpc.out" || fail "a mismatched pair was not refused: $(cat "$TMP/rpc.out")"
x2=$(file_serial "$PKI/hosts/x86-02/agent.crt")
[ "$(served_serial "${ports[1]}")" = "$x2" ] || fail "x86-02 changed its certificate after a refused install"
! compgen -G "$PKI/hosts/x86-02/*.new" >/dev/null || fail "a refused install left .new files"

# Every host at once; unknown hosts are usage errors.
expect_status 2 ctl host renew no-such-host
expect_contains "$TMP/err" 'unknown host "no-such-host"'
expect_status 2 ctl host renew
expect_status 0 ctl host renew --all
[ "$(grep -c "(served now)" "$TMP/out")" = 3 ] || fail "renew --all: $(cat "$TMP/out")"
[ "$(served_serial "${ports[2]}")" = "$(file_serial "$PKI/hosts/kp-01/agent.crt")" ] || fail "kp-01 was not renewed"
expect_status 0 ctl audit list -o json
python3 -c '
import json, sys
r = [x for x in json.load(open(sys.argv[1])) if x["action"] == "renew" and x["kind"] == "Host"]
assert len(r) == 4 and all(x["result"] == "ok" and " -> " in x["message"] for x in r), r
' "$TMP/out" || fail "renewals are not audited"

# The controller's own certificate: renewed, and the agents take it.
old_controller=$(file_serial "$PKI/controller.crt")
expect_status 0 ctl ca renew-controller --days 100
expect_contains "$TMP/out" "controller certificate "
[ "$(file_serial "$PKI/controller.crt")" != "$old_controller" ] || fail "ca renew-controller kept the certificate"
[ "$(stat -c %a "$PKI/controller.key")" = 600 ] || fail "controller.key is not 0600"
expect_status 0 ctl diff -f "$M"
expect_status 0 ctl heartbeat

# A restarted agent starts with the renewed pair.
kill "$pid_before" && wait "$pid_before" 2>/dev/null || true
"$XCLOUD_AGENT" serve --config "$TMP/agents/x86-01/agent.yaml" 2>"$TMP/agents/x86-01/agent2.log" &
AGENT_PIDS+=($!)
for _ in $(seq 200); do grep -q serving "$TMP/agents/x86-01/agent2.log" && break; sleep 0.05; done
[ "$(served_serial "${ports[0]}")" = "$(file_serial "$PKI/hosts/x86-01/agent.crt")" ] || fail "after a restart x86-01 serves another certificate"

# The credential alarms over the real PKI: all fresh, nothing fires; a
# certificate 20 days from its end fires certificate-expiring naming the
# command that renews it, and a renewal clears it.
expect_status 0 ctl alarms evaluate
expect_status 0 ctl alarms list -o json
json_check 'not [a for a in d if a["rule"] in ("certificate-expiring", "credential-old")]'
expect_status 0 ctl host renew x86-02 --days 20
expect_status 0 ctl alarms evaluate
expect_contains "$TMP/out" "certificate-expiring certificate/host/x86-02 fired (major): expires "
expect_status 0 ctl alarms list -o json
json_check '[a for a in d if a["rule"] == "certificate-expiring" and a["object"] == "certificate/host/x86-02" and "renew: xcloudctl host renew x86-02" in a["summary"]]'
expect_status 0 ctl host renew x86-02
expect_status 0 ctl alarms evaluate
expect_contains "$TMP/out" "certificate-expiring certificate/host/x86-02 cleared"

# Operators' certificates: user renew revokes the previous one.
ctl user add sup --role supervisor --os-user daemon >/dev/null
ctl user cert sup >/dev/null
old_user=$(file_serial "$PKI/users/sup/sup.crt")
expect_status 0 ctl user renew sup
expect_contains "$TMP/out" "revoked the previous certificate"
[ "$(file_serial "$PKI/users/sup/sup.crt")" != "$old_user" ] || fail "user renew kept the certificate"
grep -q "$old_user" <<<"$(openssl crl -in "$PKI/users.crl" -noout -text | tr 'a-f' 'A-F' | tr -d ':')" ||
  fail "the previous certificate is not on the CRL"
# A certificate handed out elsewhere (--out) is still watched: the
# controller keeps its public half.
mkdir "$TMP/handover"
expect_status 0 ctl user renew sup --out "$TMP/handover"
[ "$(file_serial "$PKI/users/sup/issued.crt")" = "$(file_serial "$TMP/handover/sup.crt")" ] ||
  fail "the controller did not keep the public certificate of --out"

# Migration certificates: installed by the agent into qemu.conf's directory,
# the server certificate keeping its names, a file's mode kept, the bundle
# following; audited.
printf 'placeholder\n' >"$TMP/qemu-tls/server-key.pem"
chmod 640 "$TMP/qemu-tls/server-key.pem"
expect_status 0 ctl host renew kp-01 --migration
expect_contains "$TMP/out" "host kp-01: migration certificate "
grep -q "not ready" "$TMP/out" && fail "migration TLS is not ready after the renewal: $(cat "$TMP/out")"
for f in ca-cert server-cert server-key client-cert client-key; do
  [ -s "$TMP/qemu-tls/$f.pem" ] || fail "no $f.pem installed"
done
cmp -s "$TMP/qemu-tls/ca-cert.pem" "$PKI/ca.crt" || fail "ca-cert.pem is not the cloud's CA file"
[ "$(stat -c %a "$TMP/qemu-tls/server-key.pem")" = 640 ] || fail "the key's mode was not kept"
[ "$(stat -c %a "$TMP/qemu-tls/client-key.pem")" = 600 ] || fail "a new key is not 0600"
[ "$(file_serial "$TMP/qemu-tls/server-cert.pem")" = "$(file_serial "$PKI/hosts/kp-01/qemu/server-cert.pem")" ] ||
  fail "the bundle does not hold the installed migration certificate"
grep -q "IP Address:127.0.0.1" <<<"$(openssl x509 -in "$TMP/qemu-tls/server-cert.pem" -noout -ext subjectAltName)" ||
  fail "the migration certificate lost its names"
! compgen -G "$TMP/qemu-tls/*.new" >/dev/null || fail "the install left .new files"
[ ! -e "$PKI/hosts/kp-01/qemu.new" ] || fail "the bundle's temporary directory was left"
expect_status 0 ctl audit list -o json
python3 -c '
import json, sys
r = [x for x in json.load(open(sys.argv[1])) if x["action"] == "renew-migration"]
assert len(r) == 1 and r[0]["name"] == "kp-01" and r[0]["result"] == "ok", r
' "$TMP/out" || fail "the migration renewal is not audited"
echo ok
