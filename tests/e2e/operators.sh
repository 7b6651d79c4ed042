# Operators through the controller's socket (issue 17): the state belongs to
# the service user (here root, 0700); other OS users cannot open it, and run
# their commands through `xcloudctl serve --socket`, which knows them by the
# socket's peer uid, checks their roles (tenant roles inside their tenant)
# and runs the command for them with their terminal: output, exit codes,
# manifests sent with -f and audit records naming the operator. Users and
# separation of duties are checked at `user add`. Runs as root (setpriv).
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
source "$(dirname "$0")/../support/operator_socket.sh"

ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
start_example_cloud "$M"
expect_status 0 ctl apply -f "$M"
share_tmp

# Users: one OS login each (daemon=1, bin=2, sys=3, nobody=65534).
add_user sam --role sysadmin --os-user sys
expect_contains "$TMP/out" "otpauth://totp/xcloud:sam?secret="
add_user sec --role secadmin --os-user daemon
add_user aud --role auditadmin --os-user bin
add_user liwei --role tenant-user --tenant education --os-user nobody
expect_status 2 ctl user add two --role sysadmin --role auditadmin --os-user games
expect_contains "$TMP/err" "separation of duties: one user may hold only one of sysadmin, secadmin and auditadmin"
expect_status 2 ctl user add t --role tenant-user --os-user games
expect_contains "$TMP/err" "tenant-admin and tenant-user need --tenant"
expect_status 2 ctl user add xcloudctl --role monitor --os-user games
expect_contains "$TMP/err" '"xcloudctl" is the controller'"'"'s name; choose another'
expect_status 2 ctl user add ghost --role monitor --os-user no-such-login
expect_contains "$TMP/err" 'no OS user "no-such-login" on this host'
expect_status 2 ctl user add sam --role monitor --os-user games
expect_contains "$TMP/err" "already exists"
expect_status 0 ctl user list -o json
python3 -c 'import json,sys; u={x["name"]: x for x in json.load(open(sys.argv[1]))}; assert sorted(u)==["aud","liwei","sam","sec"] and u["liwei"]["tenant"]=="education" and u["liwei"]["roles"]=="tenant-user", u' "$TMP/out" || fail "user list: $(cat "$TMP/out")"

# The state file is the service user's alone.
expect_status 1 setpriv --reuid=65534 --regid=65534 --clear-groups "$XCLOUDCTL" --state "$STATE" get vms
expect_contains "$TMP/err" "Permission denied (it belongs to the xcloud service user"

start_operator_socket

# Two factors: the uid, then a TOTP code for a session of 8 hours.
expect_status 77 as 3 get vms
expect_contains "$TMP/err" "log in first: xcloudctl login"
expect_status 77 as 3 login --code 000000
expect_contains "$TMP/err" "login failed: code does not match"
code=$(totp "$(secret_of sam)")
expect_status 0 as 3 login --code "$code"
expect_contains "$TMP/out" "logged in until"
[ "$(stat -c %a "$TMP/home/3/.cache/xcloud/session")" = 600 ] || fail "the session file is not 0600"
# The same code again (still inside the ±1 step window): a replay.
expect_status 77 as 3 login --code "$code"
expect_contains "$TMP/err" "code was already used"
for u in 1:sec 2:aud 65534:liwei; do
  expect_status 0 as "${u%%:*}" login --code "$(totp "$(secret_of "${u#*:}")")"
done

# Same output as a direct run, with the operator's exit codes.
ctl get vms -o json >"$TMP/direct.json"
expect_status 0 as 3 get vms -o json
cmp -s "$TMP/out" "$TMP/direct.json" || fail "get vms through the controller differs from the direct run"
# A command through the controller runs as the service user: options that
# name its host's files are refused (a report written over the state).
expect_status 77 as 3 report --out "$STATE"
expect_contains "$TMP/err" "report --out: through the controller it would use a file of the controller's host as the service user"
expect_status 0 ctl get vms -o json
# A local image goes as the operator's open file, read with their rights: sam
# imports one from a tmpfs mounted in their own mount namespace, where the
# controller cannot see it by name; a file they cannot open is refused by
# their own xcloudctl, before the controller is asked.
qemu-img create -q -f qcow2 "$TMP/sam-disk.qcow2" 16M
mkdir -p "$TMP/private"
cat >"$TMP/private-import.sh" <<SH
set -e
mount -t tmpfs -o size=64m tmpfs "$TMP/private"
cp "$TMP/sam-disk.qcow2" "$TMP/private/disk.qcow2"
chown 3:3 "$TMP/private/disk.qcow2"
chmod 600 "$TMP/private/disk.qcow2"
touch "$TMP/private/root-only.qcow2"
chmod 600 "$TMP/private/root-only.qcow2"
as 3 image import "$TMP/private/disk.qcow2" --name sam-disk --os 'Debian 12' >"$TMP/private-import.out" 2>&1
if as 3 image import "$TMP/private/root-only.qcow2" --name nope --os x >"$TMP/private-refused.out" 2>&1; then
  exit 3
fi
SH
if unshare -m true 2>/dev/null; then
  (export -f as fail; export TMP SOCK XCLOUDCTL; unshare -m bash "$TMP/private-import.sh") ||
    fail "image import of a file in the operator's namespace: $(cat "$TMP"/private-*.out 2>&1)"
  [ ! -e "$TMP/private/disk.qcow2" ] || fail "the tmpfs was mounted outside the operator's namespace"
  expect_contains "$TMP/private-refused.out" "root-only.qcow2: Permission denied"
  expect_status 0 ctl get images -o json
  json_check 'any(i["metadata"]["name"] == "sam-disk" for i in d)'
fi
# Over HTTPS no descriptor travels: remote_operators.sh checks the refusal.
# Manifests go with the command, named as the operator typed them: from
# their directory or from /, never climbing out with "..".
(cd "$TMP" && expect_status 0 as 3 diff -f manifests)
cp "$TMP/out" "$TMP/diff-relative"
expect_status 0 as 3 diff -f "$M"
cmp -s "$TMP/out" "$TMP/diff-relative" || fail "diff -f ABSOLUTE differs from diff -f RELATIVE"
(cd "$TMP" && expect_status 2 as 3 diff -f ../"$(basename "$TMP")"/manifests)
expect_contains "$TMP/err" "name manifests without '..'"
expect_status 2 as 3 validate -f "$TMP/nowhere.yaml"

# A tenant user: their tenant's VMs, not another's, not the fleet's hosts.
expect_status 0 as 65534 get vms --tenant education
expect_contains "$TMP/out" "edu-portal-web-1"
expect_status 77 as 65534 get vms --tenant health
expect_contains "$TMP/err" "liwei acts only inside tenant education, not health"
expect_status 77 as 65534 get hosts
expect_contains "$TMP/err" "name one with --tenant"
expect_status 0 as 65534 vm stop edu-portal-web-1 --reason CHG-9
expect_contains "$TMP/out" "now stopped"
expect_status 77 as 65534 vm stop health-records-app-1
expect_contains "$TMP/err" "not health"
(cd "$TMP" && expect_status 77 as 65534 apply -f manifests)
expect_contains "$TMP/err" '"apply" (operate) is not allowed to liwei (tenant-user)'

# Separation of duties at work: the auditor reads audit and nothing else;
# the sysadmin cannot read it or manage users; the secadmin manages users.
expect_status 0 as 2 audit list --object VirtualMachine/education/edu-portal-web-1 -o json
python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))[-1]; assert r["action"]=="stop" and r["actor"]=="liwei" and r["reason"]=="CHG-9", r' "$TMP/out" || fail "the stop is not audited as liwei: $(cat "$TMP/out")"
expect_status 77 as 2 vm start edu-portal-web-1
expect_status 77 as 3 audit list
expect_status 77 as 3 user add eve --role monitor --os-user games
expect_status 0 as 1 user add eve --role monitor --os-user games
cp "$TMP/out" "$TMP/secret-eve"
# Lockout: five wrong codes lock eve for 15 minutes, the right one too;
# a secadmin's reset lets her in.
for _ in 1 2 3 4; do expect_status 77 as 5 login --code 000000; done
expect_status 77 as 5 login --code 000000
expect_contains "$TMP/err" 'user "eve" is locked until'
expect_status 77 as 5 login --code "$(totp "$(secret_of eve)")"
expect_contains "$TMP/err" "ask a secadmin to reset"
expect_status 0 as 1 user reset eve
expect_status 0 as 5 login --code "$(totp "$(secret_of eve)")"
expect_status 0 as 5 get vms
expect_status 0 as 5 logout
expect_status 77 as 5 get vms
expect_contains "$TMP/err" "log in first"
expect_status 0 as 3 vm start edu-portal-web-1
expect_status 0 as 65534 user roles
expect_contains "$TMP/out" "service-only"
# Apply with manifests sent from the operator's directory: positions intact.
mkdir -p "$TMP/work/m" && cp "$M"/*.yaml "$TMP/work/m/" && chmod -R a+rX "$TMP/work"
sed -i '0,/cpus: 4/s//cpus: "four"/' "$TMP/work/m/vms.yaml"
(cd "$TMP/work" && expect_status 2 as 3 apply -f m)
expect_contains "$TMP/err" "m/vms.yaml:"
expect_status 2 as 3 apply -f "$TMP/work/m"
expect_contains "$TMP/err" "$TMP/work/m/vms.yaml:"
# --state means this state file, here: the operator may not open it.
expect_status 1 as 3 get vms --state "$STATE"
expect_contains "$TMP/err" "Permission denied (it belongs to the xcloud service user"

# Consoles: a sysadmin opens a tenant VM's console only with the tenant's
# grant; a tenant-admin gives it (for their own tenant only) and revokes it.
add_user ta --role tenant-admin --tenant education --os-user lp
expect_status 0 as 7 login --code "$(totp "$(secret_of ta)")"
expect_status 77 as 3 console edu-portal-web-1 --help
expect_contains "$TMP/err" "xcloudctl grant console edu-portal-web-1 --to sam"
expect_status 77 as 7 grant console health-records-app-1 --to sam
expect_contains "$TMP/err" "not health"
expect_status 0 as 7 grant console edu-portal-web-1 --to sam --for 30m --reason INC-311
expect_contains "$TMP/out" "sam may open the console of education/edu-portal-web-1 until"
grant_id=$(sed -n 's/^grant \([0-9]*\):.*/\1/p' "$TMP/out")
expect_status 0 as 7 grant list --tenant education -o json
json_check 'len(d) == 1 and d[0]["grantee"] == "sam" and d[0]["reason"] == "INC-311" and d[0]["grantedBy"] == "ta"'
# With the grant the controller lets the console through (shown with
# --help: a simulated host has no console to attach, and a console waits).
expect_status 0 as 3 console edu-portal-web-1 --help
expect_contains "$TMP/out" "console"
expect_status 77 as 3 console edu-portal-web-2 --help
expect_status 0 as 7 grant revoke "$grant_id"
expect_status 77 as 3 console edu-portal-web-1 --help
expect_status 2 as 7 grant revoke "$grant_id"
expect_status 0 ctl audit list -o json
python3 -c '
import json, sys
r = [x for x in json.load(open(sys.argv[1])) if x["kind"] == "ConsoleGrant"]
assert [x["action"] for x in r] == ["grant", "revoke", "revoke"] and r[0]["actor"] == "ta", r
assert r[0]["result"] == "ok" and r[2]["result"] == "error", r
' "$TMP/out" || fail "console grants are not audited"

# Unknown OS users and disabled users are refused, and refusals audited.
expect_status 77 as 8 get vms
expect_contains "$TMP/err" "is not an xcloud operator"
expect_status 0 ctl user disable liwei
expect_status 77 as 65534 get vms --tenant education
expect_contains "$TMP/err" "user liwei is disabled"
expect_status 0 ctl audit list -o json
python3 -c 'import json,sys; r=[x for x in json.load(open(sys.argv[1])) if x["action"]=="denied"]; assert len(r) >= 8 and any(x["actor"]=="liwei" and "not health" in x["message"] for x in r), r' "$TMP/out" || fail "refusals are not audited"
python3 -c '
import json, sys
a = [x["action"] for x in json.load(open(sys.argv[1])) if x["name"] == "eve"]
assert a.count("login-failed") == 4 and "login-locked" in a and "login-refused" in a, a
assert a.index("user-reset") < len(a) - 1 - a[::-1].index("login") and "logout" in a, a
' "$TMP/out" || fail "logins, failures, lockout and logout are not audited"
grep -q "liwei (socket uid=65534(nobody)): " "$TMP/serve.log" || fail "serve does not log the operators' commands: $(cat "$TMP/serve.log")"
echo "operators: ok"
