# One host reached over SSH: xcloudctl apply runs `xcloud-agent rpc` through a
# real sshd (libssh, host key checked against <state dir>/pki/known_hosts),
# converges, and refuses a host whose key changed.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../support/sshd.sh"
start_sshd
STATE="$TMP/state/state.db"
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
ctl init >/dev/null
ctl ca init >/dev/null
cp "$SSH_KEY" "$TMP/state/pki/ssh_key"
cp "$SSH_KNOWN_HOSTS" "$TMP/state/pki/known_hosts"

cat >"$TMP/host.xml" <<'XML'
<node>
  <cpu><nodes>1</nodes><sockets>1</sockets><cores>16</cores><threads>1</threads><active>16</active><mhz>2600</mhz><model>aarch64</model></cpu>
  <memory>67108864</memory>
</node>
XML
printf 'libvirt: test://%s/host.xml\nstorageDir: %s/disks\n' "$TMP" "$TMP" >"$TMP/agent.yaml"
mkdir -p "$TMP/m"
cat >"$TMP/m/cloud.yaml" <<YAML
apiVersion: xcloud/v1
kind: Zone
metadata: {name: test}
spec: {}
---
apiVersion: xcloud/v1
kind: Pool
metadata: {name: lab}
spec: {zone: test}
---
apiVersion: xcloud/v1
kind: Host
metadata: {name: kp-ssh}
spec:
  pool: lab
  address: 127.0.0.1
  transport: ssh
  ssh: {user: root, port: $SSHD_PORT, command: "$XCLOUD_AGENT rpc --config $TMP/agent.yaml"}
---
apiVersion: xcloud/v1
kind: Tenant
metadata: {name: lab}
spec: {displayName: 实验室}
---
apiVersion: xcloud/v1
kind: Image
metadata: {name: kylin}
spec: {arch: aarch64, source: /var/lib/xcloud/images/kylin.qcow2}
---
apiVersion: xcloud/v1
kind: VirtualMachine
metadata: {name: probe-1, tenant: lab}
spec:
  cpus: 2
  memoryGiB: 4
  image: kylin
  disks: [{name: root, sizeGiB: 20, tier: normal}]
YAML
# The simulated host lives in each agent process, so the agent must persist
# between connections: xcloudctl keeps one SSH channel per host per command.
expect_status 0 ctl apply -f "$TMP/m"
expect_contains "$TMP/out" "Applied: 1 done, 0 failed."
expect_status 0 ctl get hosts
grep -qE "^kp-ssh +ready +aarch64" "$TMP/out" || fail "get hosts: $(cat "$TMP/out")"

# The console goes through the SSH channel too: the new agent process has no
# such domain (the simulated host lives in each process), so its refusal must
# come back through the channel as the agent worded it, audited as SSH.
expect_status 1 ctl console probe-1 --serial </dev/null
expect_contains "$TMP/err" "console lab/probe-1: "
grep -q "ssh root@" "$TMP/err" && fail "the refusal is a transport failure: $(cat "$TMP/err")"
ctl audit list --object VirtualMachine/lab/probe-1 -o json >"$TMP/out"
python3 - "$TMP/out" <<'PY' || fail "audit: $(cat "$TMP/out")"
import json, sys
d = [r for r in json.load(open(sys.argv[1])) if r["action"] == "console-open"]
assert len(d) == 1 and d[0]["result"] == "error", d
assert "serial console via host kp-ssh (ssh), domain " in d[0]["message"], d
PY

# A changed host key is refused with its fingerprint, before anything is sent.
ssh-keygen -q -t ed25519 -N '' -f "$TMP/other"
echo "[127.0.0.1]:$SSHD_PORT $(cat "$TMP/other.pub")" >"$TMP/state/pki/known_hosts"
expect_status 2 ctl diff -f "$TMP/m"
expect_contains "$TMP/out" "HOST KEY CHANGED (now SHA256:"
echo "reconcile over ssh: ok"
