# The agent protocol version: both binaries' --version name version, commit
# and arch; the current xcloudctl works with an agent one minor protocol
# version older (it applies a VM there and get hosts -o wide shows the agent's
# version and arch), and refuses an agent of a protocol it cannot talk to,
# too old or too new, before sending it anything else. The older and foreign
# agents are the real agent binary with the test-only `testOnly` setting.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
trap 'stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
version=$(head -n1 "$XC_SOURCE_DIR/VERSION")
arch=$(uname -m)
deb_arch=$(dpkg --print-architecture)

for binary in "$XCLOUDCTL:xcloudctl" "$XCLOUD_AGENT:xcloud-agent"; do
  expect_status 0 "${binary%%:*}" --version
  grep -qE "^${binary##*:} ${version//./\\.} \\(commit ([0-9a-f]{7}|unknown), $arch\\)\$" "$TMP/out" ||
    fail "--version: $(cat "$TMP/out")"
done

ctl init >/dev/null
ctl ca init >/dev/null
ports=("$(free_port)" "$(free_port)" "$(free_port)")
AGENT_EXTRA_YAML='testOnly: {protocol: "1.0", version: "0.1.9"}' start_agent old x86_64 8 32 "${ports[0]}"
AGENT_EXTRA_YAML='testOnly: {protocol: "0.9", version: "0.0.9"}' start_agent ancient x86_64 8 32 "${ports[1]}"
AGENT_EXTRA_YAML='testOnly: {protocol: "2.0", version: "1.0.0"}' start_agent future x86_64 8 32 "${ports[2]}"

# hosts DIR NAME PORT...: a cloud of the named TLS hosts (pairs) and one VM.
cloud() {
  local dir=$1
  shift
  mkdir -p "$dir"
  cat >"$dir/base.yaml" <<'YAML'
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
kind: Tenant
metadata: {name: lab}
spec: {}
---
apiVersion: xcloud/v1
kind: Image
metadata: {name: debian}
spec: {arch: x86_64, source: /var/lib/xcloud/images/debian.qcow2}
---
apiVersion: xcloud/v1
kind: VirtualMachine
metadata: {name: probe-1, tenant: lab}
spec: {cpus: 2, memoryGiB: 4, image: debian, disks: [{name: root, sizeGiB: 20, tier: normal}]}
YAML
  while [ $# -gt 0 ]; do
    printf 'apiVersion: xcloud/v1\nkind: Host\nmetadata: {name: %s}\nspec: {pool: lab, address: "127.0.0.1:%s"}\n' \
      "$1" "$2" >"$dir/host-$1.yaml"
    shift 2
  done
}

# Accepted: an agent one minor protocol version older keeps working.
cloud "$TMP/m-old" old "${ports[0]}"
expect_status 0 ctl apply -f "$TMP/m-old"
expect_contains "$TMP/out" "Applied: 1 done, 0 failed."
expect_status 0 ctl get vms -o json
python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); assert [(x["name"],x["host"]) for x in v]==[("probe-1","old")], v' "$TMP/out"
expect_status 0 ctl get hosts -o wide
header=$(head -n1 "$TMP/out")
grep -qE "TRANSPORT +AGENT +AGENT ARCH" <<<"$header" || fail "wide header: $(cat "$TMP/out")"
grep -qE "^old +ready .* tls +0\.1\.9 +$arch " "$TMP/out" || fail "get hosts -o wide: $(cat "$TMP/out")"
expect_status 0 ctl get hosts old -o json
python3 - "$TMP/out" "$arch" <<'PY'
import json, sys
host = json.load(open(sys.argv[1]))[0]
assert host["agent"]["version"] == "0.1.9" and host["agent"]["protocol"] == "1.0", host
assert host["agent"]["arch"] == sys.argv[2], host
PY

# Refused, too old: the message names both versions and what to upgrade; the
# agent was sent agent.hello and nothing else.
cloud "$TMP/m-ancient" old "${ports[0]}" ancient "${ports[1]}"
expect_status 2 ctl diff -f "$TMP/m-ancient"
expect_contains "$TMP/out" "error: host ancient: agent 0.0.9 speaks protocol 0.9; xcloudctl $version speaks protocol 1.1 and talks to agents of protocol 1.0 to 1.x: upgrade the agent on ancient to $version (xcloudctl host upgrade ancient --package xcloud-agent_${version}_${deb_arch}.deb)"
expect_status 1 ctl apply -f "$TMP/m-ancient"
expect_contains "$TMP/out" "error: host ancient: agent 0.0.9 speaks protocol 0.9"
methods=$(grep -o 'method=[a-z.]*' "$TMP/agents/ancient/agent.log" | sort -u | tr '\n' ' ')
[ "$methods" = "method=agent.hello " ] || fail "the refused agent was sent: $methods"
expect_status 0 ctl get hosts ancient -o wide
expect_contains "$TMP/out" "upgrade the agent on ancient to $version"

# Refused, too new: upgrade xcloudctl instead.
cloud "$TMP/m-future" old "${ports[0]}" future "${ports[2]}"
expect_status 2 ctl diff -f "$TMP/m-future"
expect_contains "$TMP/out" "error: host future: agent 1.0.0 speaks protocol 2.0; xcloudctl $version speaks protocol 1.1 and talks to agents of protocol 1.0 to 1.x: upgrade xcloudctl to the agent's version (1.0.0) or later"
methods=$(grep -o 'method=[a-z.]*' "$TMP/agents/future/agent.log" | sort -u | tr '\n' ' ')
[ "$methods" = "method=agent.hello " ] || fail "the refused agent was sent: $methods"
echo "agent protocol: ok"
