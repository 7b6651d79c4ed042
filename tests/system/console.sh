# The console tunnel and the power commands against a real libvirtd with QEMU,
# through the real binaries: `xcloud-agent serve` with certificates from
# `xcloudctl ca init`/`host enroll`, an x86_64 guest (q35 + SeaBIOS, whose
# screen is mirrored to the serial port; a blank disk, no OS) applied by
# `xcloudctl apply` (the host is x86_64, so the scheduler places x86_64 only). Checks:
#  - `xcloudctl console` tunnels a local port to the guest's VNC server
#    through the agent's mutual-TLS port: a client reads "RFB 003.008";
#  - `console --serial` carries the serial console: after a reset
#    (`vm reboot --force`) SeaBIOS's boot messages arrive on stdout;
#  - every session is audited at open and at close (bytes, duration);
#  - the same VNC console through an SSH channel once the Host is reached
#    over SSH (a real sshd running `xcloud-agent rpc`);
#  - `vm shutdown --timeout 3s`: a guest without an OS ignores the ACPI
#    request, so it is powered off after the 3 s; `vm stop --force` at once.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../support/libvirtd.sh"
source "$(dirname "$0")/../support/sshd.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
source "$(dirname "$0")/../support/real_host.sh"
STATE="$TMP/state/state.db"
POOL="xc-consoletest-$$"
AGENT_PID=""
cleanup() {
  [ -n "$AGENT_PID" ] && "$XCLOUDCTL" --state "$STATE" delete vm con-1 --yes >/dev/null 2>&1 || true
  virsh -c qemu:///system destroy xc-systest.con-1 >/dev/null 2>&1 || true
  virsh -c qemu:///system undefine --nvram xc-systest.con-1 >/dev/null 2>&1 || true
  [ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null || true
  virsh -c qemu:///system pool-destroy "$POOL" >/dev/null 2>&1 || true
  virsh -c qemu:///system pool-undefine "$POOL" >/dev/null 2>&1 || true
  stop_libvirtd
  kill "$(cat "$TMP/sshd/sshd.pid" 2>/dev/null)" 2>/dev/null || true
  rm -rf "$TMP"
}
start_sshd
trap cleanup EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
wait_for() {  # wait_for FILE TEXT SECONDS
  for _ in $(seq $(($3 * 10))); do
    grep -qa -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "$1 did not show '$2' within $3 s; it has: $(head -c 2000 "$1" | cat -v)"
}
audit_last() {  # audit_last N: the VM's last N audit records as JSON in $TMP/out
  ctl audit list --object VirtualMachine/systest/con-1 -o json >"$TMP/out"
}

start_libvirtd
remove_leftover_domains xc-systest.con-1
ctl init >/dev/null
ctl ca init >/dev/null
start_real_host sys-01 "$POOL"
qemu-img create -q -f qcow2 "$TMP/images/blank.qcow2" 1G
cat >"$TMP/m/cloud.yaml" <<YAML
apiVersion: xcloud/v1
kind: Tenant
metadata: {name: systest}
spec: {displayName: system test, zones: [lab]}
---
apiVersion: xcloud/v1
kind: Image
metadata: {name: blank-x86}
spec: {arch: x86_64, source: $TMP/images/blank.qcow2}
---
apiVersion: xcloud/v1
kind: VirtualMachine
metadata: {name: con-1, tenant: systest}
spec:
  cpus: 1
  memoryGiB: 1
  image: blank-x86
  disks: [{name: root, sizeGiB: 1, tier: normal}]
  power: running
YAML
expect_status 0 ctl apply -f "$TMP/m"
[ "$(virsh -c qemu:///system domstate xc-systest.con-1)" = running ] || fail "the guest is not running"

vnc_greeting() {  # vnc_greeting LOG: opens a one-connection console, prints the greeting
  local vnc_port pid greeting
  vnc_port=$(free_port)
  ctl console con-1 --listen "127.0.0.1:$vnc_port" --once --as carol >"$1.out" 2>"$1.err" &
  pid=$!
  wait_for "$1.out" "VNC console of systest/con-1" 10
  greeting=$(python3 - "$vnc_port" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
data = b""
while len(data) < 12:
    chunk = s.recv(12 - len(data))
    if not chunk:
        break
    data += chunk
s.close()
print(data.decode("ascii", "replace").strip())
PY
)
  wait "$pid" || fail "console exited $?: $(cat "$1.err")"
  echo "$greeting"
}

# VNC through the tunnel: the guest's VNC server greets with its version.
greeting=$(vnc_greeting "$TMP/vnc")
[ "$greeting" = "RFB 003.008" ] || fail "VNC greeting through the tunnel: '$greeting'"
echo "vnc: read '$greeting' through the tunnel"
audit_last
python3 - "$TMP/out" <<'PY' || fail "console audit records: $(cat "$TMP/out")"
import json, sys
d = json.load(open(sys.argv[1]))
opened = [r for r in d if r["action"] == "console-open"]
closed = [r for r in d if r["action"] == "console-close"]
assert len(opened) == 1 and len(closed) == 1, d
assert opened[0]["result"] == "ok" and opened[0]["as"] == "carol", opened
assert "vnc console via host sys-01 (tls)" in opened[0]["message"], opened
assert "0 bytes to the guest, 12 from it, " in closed[0]["message"], closed
assert "closed by the client" in closed[0]["message"], closed
print("audit:", opened[0]["message"], "|", closed[0]["message"])
PY
grep -q "console end domain=xc-systest.con-1" "$TMP/agent.log" || fail "the agent did not log the session's end"

# The serial console: reset the guest while attached; the firmware prints.
mkfifo "$TMP/serial.in"
ctl console con-1 --serial <"$TMP/serial.in" >"$TMP/serial.out" 2>"$TMP/serial.err" &
serial_pid=$!
exec 7>"$TMP/serial.in"  # its stdin stays open until fd 7 is closed
wait_for "$TMP/serial.err" "Connected to the serial console" 10
expect_status 0 ctl vm reboot con-1 --force
expect_contains "$TMP/out" "reset"
wait_for "$TMP/serial.out" "Booting from Hard Disk" 90
echo "serial: $(stat -c %s "$TMP/serial.out") bytes: $(tr -d '\r' <"$TMP/serial.out" | tr '\n' ' ' | tr -cd '[:print:]' | head -c 300)"
grep -qaE "SeaBIOS|iPXE|Booting from|No bootable device" "$TMP/serial.out" || fail "the serial output is not the firmware's: $(head -c 500 "$TMP/serial.out" | cat -v)"
exec 7>&-  # end of input ends the session
wait "$serial_pid" || fail "console --serial exited $?: $(cat "$TMP/serial.err")"
expect_contains "$TMP/serial.err" "Serial console closed: closed by the client"
audit_last
python3 - "$TMP/out" <<'PY' || fail "serial audit records: $(cat "$TMP/out")"
import json, sys
d = json.load(open(sys.argv[1]))
closed = [r for r in d if r["action"] == "console-close"]
assert len(closed) == 2 and "serial console via host sys-01 (tls)" in closed[-1]["message"], closed
PY

# The same console through SSH: the Host is reached over SSH from now on,
# and `xcloud-agent rpc` on the far side of the channel opens the console.
cp "$SSH_KEY" "$TMP/state/pki/ssh_key"
cp "$SSH_KNOWN_HOSTS" "$TMP/state/pki/known_hosts"
sed -i "s|spec: {pool: bench, address: \"127.0.0.1:$port\", imageDir: $TMP/images}|spec: {pool: bench, address: 127.0.0.1, imageDir: $TMP/images, transport: ssh, ssh: {user: root, port: $SSHD_PORT, command: \"$XCLOUD_AGENT rpc --config $TMP/agent.yaml\"}}|" "$TMP/m/lab.yaml"
grep -q "transport: ssh" "$TMP/m/lab.yaml" || fail "the Host was not switched to SSH"
expect_status 0 ctl apply -f "$TMP/m"
greeting=$(vnc_greeting "$TMP/vnc-ssh")
[ "$greeting" = "RFB 003.008" ] || fail "VNC greeting through SSH: '$greeting'"
echo "vnc over ssh: read '$greeting'"
audit_last
python3 - "$TMP/out" <<'PY' || fail "ssh console audit records: $(cat "$TMP/out")"
import json, sys
d = json.load(open(sys.argv[1]))
opened = [r for r in d if r["action"] == "console-open"]
closed = [r for r in d if r["action"] == "console-close"]
assert "vnc console via host sys-01 (ssh)" in opened[-1]["message"], opened
assert opened[-1]["result"] == "ok", opened
assert "0 bytes to the guest, 12 from it, " in closed[-1]["message"], closed
PY

# Graceful shutdown: no OS answers ACPI, so the guest is powered off after 3 s.
expect_status 0 ctl vm shutdown con-1 --timeout 3s
expect_contains "$TMP/out" "powered off after 3 s (the guest did not shut down)"
[ "$(virsh -c qemu:///system domstate xc-systest.con-1)" = "shut off" ] || fail "not shut off"
expect_status 1 ctl diff -f "$TMP/m"
expect_contains "$TMP/out" "stopped outside xcloud"
expect_status 0 ctl vm start con-1
expect_status 0 ctl vm stop con-1 --force
expect_contains "$TMP/out" "powered off"
echo "console and power on qemu: ok"
