# xcloudctl console against real agents on libvirt's test:/// driver, which
# has no VNC server or serial console to reach: what can be checked here is
# the command's refusals and that a failed session is audited too (the
# tunnel itself is tested in tests/integration/console_tunnel_test.cpp and
# against a real QEMU guest in tests/system/console.sh).
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
trap 'stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }

ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
start_example_cloud "$M"
expect_status 0 ctl apply -f "$M"

expect_status 2 ctl console edu-portal-web-l
expect_contains "$TMP/err" "VM \"edu-portal-web-l\" not found (did you mean 'edu-portal-web-1'?)"
expect_status 2 ctl console edu-portal-web-1 --listen 0.0.0.0:0
expect_contains "$TMP/err" "not a loopback address"
expect_status 2 ctl console edu-portal-web-1 --listen nonsense
expect_status 0 ctl console --help
expect_contains "$TMP/out" "xcloudctl console edu-portal-web-1 --serial"

# A session the agent refuses (the simulated guest has no VNC port): the
# viewer's connection is closed, the refusal printed and audited, exit 1.
port=$(free_port)
ctl console edu-portal-web-1 --listen "127.0.0.1:$port" --once >"$TMP/vnc.out" 2>"$TMP/vnc.err" &
pid=$!
for _ in $(seq 100); do grep -q "VNC console of" "$TMP/vnc.out" && break; sleep 0.05; done
expect_contains "$TMP/vnc.out" "VNC console of education/edu-portal-web-1"
python3 -c "import socket,sys; s=socket.create_connection(('127.0.0.1',$port)); s.settimeout(10); assert s.recv(16)==b''" ||
  fail "the refused session's connection was not closed"
set +e
wait "$pid"
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "console exited $rc, expected 1: $(cat "$TMP/vnc.err")"
expect_contains "$TMP/vnc.err" "VNC console is not listening"
expect_status 1 ctl console edu-portal-web-1 --serial </dev/null
ctl audit list --object VirtualMachine/education/edu-portal-web-1 -o json >"$TMP/out"
python3 - "$TMP/out" <<'PY' || fail "audit: $(cat "$TMP/out")"
import json, sys
d = [r for r in json.load(open(sys.argv[1])) if r["action"].startswith("console")]
assert [r["action"] for r in d] == ["console-open", "console-open"], d
assert all(r["result"] == "error" for r in d), d
assert "vnc console via host" in d[0]["message"] and "not listening" in d[0]["message"], d
assert "serial console via host" in d[1]["message"], d
PY
echo "console: ok"
