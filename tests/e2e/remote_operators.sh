# Remote operators over the controller's HTTPS door (issue 17): `serve --api
# ADDR:PORT --remote-commands` takes commands with the operator's client
# certificate (`user cert`) as the first factor and a TOTP login as the
# second, decides with the same roles as the socket, runs the command for
# them and streams its output and exit code back. The operator's xcloudctl
# never opens the state: XCLOUD_CONTROLLER=https://... sends everything.
# Also: manifests sent with -f keep their positions in errors, a destructive
# step needs --yes (there is no terminal), a revoked certificate is refused
# at the handshake, and the audit records name the operator and the door.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
source "$(dirname "$0")/../support/operator_socket.sh"
PKI="$TMP/state/pki"

ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
start_example_cloud "$M"
expect_status 0 ctl apply -f "$M"
add_user sam --role sysadmin --os-user sys
add_user aud --role auditadmin --os-user bin
add_user liwei --role tenant-user --tenant education --os-user nobody
for u in sam aud liwei; do ctl user cert "$u" >/dev/null; done

# Without --api there is no HTTPS door to open.
expect_status 2 ctl serve --remote-commands
expect_contains "$TMP/err" "--remote-commands: needs --api"

PORT=$(free_port)
URL="https://127.0.0.1:$PORT"
"$XCLOUDCTL" --state "$STATE" serve --api "127.0.0.1:$PORT" --remote-commands \
  --heartbeat 1h --collect 1h --alarms 1h 2>"$TMP/serve.log" &
serve_pid=$!
for _ in $(seq 100); do grep -q "supervision API on" "$TMP/serve.log" && break; sleep 0.05; done
grep -q "with remote operators' commands" "$TMP/serve.log" || fail "serve did not open the door: $(cat "$TMP/serve.log")"

# remote USER ARGS...: xcloudctl with USER's certificate, from its own HOME
# (where the session is kept), without any access to the state.
remote() {
  local user=$1
  shift
  mkdir -p "$TMP/rhome/$user"
  env HOME="$TMP/rhome/$user" XCLOUD_CONTROLLER="$URL" XCLOUD_CERT="$PKI/users/$user/$user.crt" \
    XCLOUD_KEY="$PKI/users/$user/$user.key" XCLOUD_CA="$PKI/users/$user/ca.crt" "$XCLOUDCTL" "$@"
}

# Certificate first, then a TOTP login for a session.
expect_status 77 remote sam get vms
expect_contains "$TMP/err" "log in first: xcloudctl login"
expect_status 77 remote sam login --code 000000
expect_contains "$TMP/err" "login failed: code does not match"
expect_status 0 remote sam login --code "$(totp "$(secret_of sam)")"
expect_contains "$TMP/out" "logged in until"
session="$TMP/rhome/sam/.cache/xcloud/session-127.0.0.1_$PORT"
[ "$(stat -c %a "$session")" = 600 ] || fail "the HTTPS session file is missing or not 0600"
for u in aud liwei; do expect_status 0 remote "$u" login --code "$(totp "$(secret_of "$u")")"; done

# The same output as a direct run, exit codes included.
ctl get vms -o json >"$TMP/direct.json"
expect_status 0 remote sam get vms -o json
cmp -s "$TMP/out" "$TMP/direct.json" || fail "get vms over HTTPS differs from the direct run"
expect_status 2 remote sam get no-such-kind
expect_contains "$TMP/err" "no-such-kind"
(cd "$TMP" && expect_status 0 remote sam diff -f manifests)

# Manifests sent with -f: an error names the file as typed, with its position.
mkdir -p "$TMP/work/m" && cp "$M"/*.yaml "$TMP/work/m/"
sed -i '0,/cpus: 4/s//cpus: "four"/' "$TMP/work/m/vms.yaml"
(cd "$TMP/work" && expect_status 2 remote sam apply -f m)
grep -Eq '^m/vms.yaml:[0-9]+:[0-9]+: error: field .spec.cpus.' "$TMP/err" || fail "no FILE:LINE:COL as typed: $(cat "$TMP/err")"

# No terminal over HTTPS: a destructive step needs --yes, and nothing changes.
expect_status 1 remote sam delete vm edu-portal-web-1 --tenant education
expect_contains "$TMP/err" "stdin is not a terminal; pass --yes"
expect_status 0 ctl get vms --tenant education -o json
expect_contains "$TMP/out" "edu-portal-web-1"

# Roles as on the socket: a tenant user inside their tenant only; the
# auditor reads audit and operates nothing.
expect_status 0 remote liwei vm stop edu-portal-web-1 --reason CHG-12
expect_contains "$TMP/out" "now stopped"
expect_status 77 remote liwei vm stop health-records-app-1
expect_contains "$TMP/err" "not health"
expect_status 77 remote liwei backup restore edu-portal-web-1 --to "$TMP/state"
expect_contains "$TMP/err" "backup restore --to: through the controller it would use a file of the controller's host"
expect_status 77 remote aud vm start edu-portal-web-1
expect_status 0 remote aud audit list --object VirtualMachine/education/edu-portal-web-1 -o json
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))[-1]
assert r["action"] == "stop" and r["actor"] == "liwei" and r["reason"] == "CHG-12", r
' "$TMP/out" || fail "the stop is not audited as liwei: $(cat "$TMP/out")"
expect_status 0 remote sam vm start edu-portal-web-1

# An operator who leaves (Ctrl-C, a dropped link) ends their command.
remote sam events pull --wait 40s >/dev/null 2>&1 &
child=
for _ in $(seq 100); do
  child=$(pgrep -f "^xcloudctl --state $STATE events pull --wait 40s" || true)
  [ -n "$child" ] && break
  sleep 0.1
done
[ -n "$child" ] || fail "the remote events pull never started: $(cat "$TMP/serve.log")"
pkill -TERM -f "^$XCLOUDCTL events pull --wait 40s"
for _ in $(seq 50); do kill -0 "$child" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$child" 2>/dev/null || fail "the command outlived its operator's connection"
grep -q 'ended: the operator left' "$TMP/serve.log" || fail "no log line for the abandoned command"

# A revoked certificate ends at the handshake, session or not.
expect_status 0 ctl user revoke-cert liwei
expect_status 1 remote liwei get vms --tenant education
expect_contains "$TMP/err" "cannot reach the controller at $URL"
grep -q "handshake refused: client CN=liwei" "$TMP/serve.log" || fail "no refusal logged: $(cat "$TMP/serve.log")"

# A local file would be read on the controller's host: over HTTPS no open
# file travels, so image import FILE is refused (the socket passes it).
touch "$TMP/local.qcow2"
expect_status 77 remote sam image import "$TMP/local.qcow2" --name local --os x
expect_contains "$TMP/err" "the socket passes the open file"

# The controller's own certificate is the service user, as its uid is on
# the socket: no login, no roles (user list is a secadmin's, audit note a
# sysadmin's), audited as the service user (local:USER) and logged by serve.
service() {
  env HOME="$TMP/rhome/service" XCLOUD_CONTROLLER="$URL" XCLOUD_CERT="$PKI/controller.crt" \
    XCLOUD_KEY="$PKI/controller.key" XCLOUD_CA="$PKI/ca.crt" "$XCLOUDCTL" "$@"
}
expect_status 2 service login --code 000000
expect_contains "$TMP/err" "the service user needs no login"
expect_status 0 service user list
expect_contains "$TMP/out" "liwei"
expect_status 0 service audit note "the service user over https"
grep -q "the controller's certificate (the service user) POST /v1/command 200" "$TMP/serve.log" ||
  fail "the service user's command is not logged: $(cat "$TMP/serve.log")"

# Logout ends the session; the refusals and logins are audited.
expect_status 0 remote sam logout
[ ! -e "$session" ] || fail "logout left the session file"
expect_status 77 remote sam get vms
expect_contains "$TMP/err" "log in first"
expect_status 0 ctl audit list -o json
python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))
denied = [x for x in a if x["action"] == "denied"]
assert any(x["actor"] == "liwei" and "not health" in x["message"] for x in denied), denied
logins = [x for x in a if x["action"] == "login" and x["name"] == "sam"]
assert logins and "https 127.0.0.1:" in logins[-1]["message"], logins
assert any(x["action"] == "logout" and x["name"] == "sam" for x in a)
note = [x for x in a if x["action"] == "note" and x["message"] == "the service user over https"]
assert note and note[-1]["actor"].startswith("local:"), note
' "$TMP/out" || fail "HTTPS logins and refusals are not audited"

# Without --remote-commands the door stays read-only.
kill $serve_pid && wait $serve_pid 2>/dev/null || true
"$XCLOUDCTL" --state "$STATE" serve --api "127.0.0.1:$PORT" --heartbeat 1h --collect 1h \
  --alarms 1h 2>"$TMP/serve2.log" &
serve_pid=$!
for _ in $(seq 100); do grep -q "supervision API on" "$TMP/serve2.log" && break; sleep 0.05; done
expect_status 1 remote sam get vms
expect_contains "$TMP/err" "answers GET only"

# Commands' bodies are held within a budget over all connections
# (--command-memory): a command sending more files than it allows is
# answered 503, and the next small one goes through.
kill $serve_pid && wait $serve_pid 2>/dev/null || true
"$XCLOUDCTL" --state "$STATE" serve --api "127.0.0.1:$PORT" --remote-commands --command-memory 1 \
  --heartbeat 1h --collect 1h --alarms 1h 2>"$TMP/serve3.log" &
serve_pid=$!
for _ in $(seq 100); do grep -q "supervision API on" "$TMP/serve3.log" && break; sleep 0.05; done
expect_status 2 ctl serve --api "127.0.0.1:0" --remote-commands --command-memory 0
mkdir -p "$TMP/big"
python3 -c 'print("# padding\n" * 220000)' >"$TMP/big/big.yaml"
(cd "$TMP" && expect_status 1 remote sam diff -f big/big.yaml)
expect_contains "$TMP/err" "(at most 1 MiB at once); try again shortly"
expect_status 0 remote aud audit list --limit 1
