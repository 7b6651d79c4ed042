# A mixed cloud where one host runs the cross-built arm64 xcloud-agent (under
# qemu-aarch64-static, on a test:/// host that simulates no architecture) next
# to two x86_64 agents: enroll, apply, drift repair and delete through it, and
# the scheduler's arch rule decided by what that agent reports about itself.
# Needs XCLOUD_AGENT_ARM64 and XC_QEMU_AARCH64 (tests/CMakeLists.txt sets them).
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
[ -x "${XCLOUD_AGENT_ARM64:-}" ] || fail "no arm64 agent at '${XCLOUD_AGENT_ARM64:-}' (scripts/setup builds build-arm64)"
[ -x "${XC_QEMU_AARCH64:-}" ] || fail "no qemu-aarch64-static at '${XC_QEMU_AARCH64:-}' (scripts/setup installs qemu-user-static)"
STATE="$TMP/state/state.db"
trap 'stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
ctl init >/dev/null
ctl ca init >/dev/null
json_check() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert $1, d" "$TMP/out" || fail "$1: $(cat "$TMP/out")"; }

# The arm-01 host is the biggest: without the arch rule, "spread" would put every VM there.
ports=("$(free_port)" "$(free_port)" "$(free_port)")
start_agent x86-01 x86_64 8 32 "${ports[0]}"
start_agent x86-02 x86_64 8 32 "${ports[1]}"
AGENT_COMMAND=("$XC_QEMU_AARCH64" "$XCLOUD_AGENT_ARM64")
start_agent arm-01 native 64 256 "${ports[2]}"
unset AGENT_COMMAND
arm_pid=${AGENT_PIDS[2]}
grep -q "qemu-aarch64" "/proc/$arm_pid/cmdline" || fail "arm-01's agent is not the emulated one"

# Its host XML names no architecture: the same file makes the x86_64 agent say x86_64 and the
# arm64 agent say aarch64, so the fact is the agent's own machine, not a simulation.
! grep -q "<model>" "$TMP/agents/arm-01/host.xml" || fail "arm-01's host XML simulates an arch"
facts() { printf '%s\n' '{"id":1,"method":"host.facts"}' | "$@" rpc --config "$TMP/agents/arm-01/agent.yaml"; }
[ "$(facts "$XCLOUD_AGENT" | jq -r .result.arch)" = x86_64 ] || fail "x86_64 agent: $(facts "$XCLOUD_AGENT")"
[ "$(facts "$XC_QEMU_AARCH64" "$XCLOUD_AGENT_ARM64" | jq -r .result.arch)" = aarch64 ] ||
  fail "arm64 agent: $(facts "$XC_QEMU_AARCH64" "$XCLOUD_AGENT_ARM64")"

mkdir -p "$TMP/m"
{
  cat <<'YAML'
apiVersion: xcloud/v1
kind: Zone
metadata: {name: lab}
spec: {}
---
apiVersion: xcloud/v1
kind: Pool
metadata: {name: mixed}
spec: {zone: lab, policy: spread}
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
kind: Image
metadata: {name: uos}
spec: {arch: x86_64, source: /var/lib/xcloud/images/uos.qcow2}
YAML
  for i in 0 1 2; do
    printf -- '---\napiVersion: xcloud/v1\nkind: Host\nmetadata: {name: %s}\nspec: {pool: mixed, address: "127.0.0.1:%s", transport: tls}\n' \
      "$(echo x86-01 x86-02 arm-01 | cut -d' ' -f$((i + 1)))" "${ports[$i]}"
  done
  for vm in kylin-1:kylin kylin-2:kylin uos-1:uos uos-2:uos uos-3:uos; do
    printf -- '---\napiVersion: xcloud/v1\nkind: VirtualMachine\nmetadata: {name: %s, tenant: lab}\n' "${vm%%:*}"
    printf 'spec: {cpus: 2, memoryGiB: 4, image: %s, disks: [{name: root, sizeGiB: 20, tier: normal}]}\n' "${vm#*:}"
  done
} >"$TMP/m/cloud.yaml"

# Apply: the aarch64 VMs land on the arm64 host, the x86_64 ones on the others.
expect_status 0 ctl apply -f "$TMP/m"
expect_contains "$TMP/out" "Applied: 5 done, 0 failed."
expect_status 0 ctl get hosts
grep -qE "^arm-01 +ready +aarch64" "$TMP/out" || fail "get hosts: $(cat "$TMP/out")"
grep -qE "^x86-01 +ready +x86_64" "$TMP/out" || fail "get hosts: $(cat "$TMP/out")"
expect_status 0 ctl get vms -o json
json_check 'sorted(v["name"] for v in d if v["host"] == "arm-01") == ["kylin-1", "kylin-2"]'
json_check 'all(v["host"] in ("x86-01", "x86-02") for v in d if v["name"].startswith("uos-"))'
json_check 'all(v["state"] == "running" for v in d) and len(d) == 5'
# The arm64 agent itself holds the domains.
agent_rpc "${ports[2]}" domains.list '{}' >"$TMP/out"
json_check 'sorted(x["domain"] for x in d["result"]["managed"]) == ["xc-lab.kylin-1", "xc-lab.kylin-2"]'

# A VM too big for the x86 hosts: as x86_64 it is refused although arm-01 has room (its
# arch), as aarch64 it is planned on arm-01.
big() {
  cp -r "$TMP/m" "$TMP/big-$1"
  printf -- '---\napiVersion: xcloud/v1\nkind: VirtualMachine\nmetadata: {name: big, tenant: lab}\nspec: {cpus: 32, memoryGiB: 64, image: %s, disks: [{name: root, sizeGiB: 20, tier: normal}]}\n' \
    "$1" >>"$TMP/big-$1/cloud.yaml"
  echo "$TMP/big-$1"
}
expect_status 1 ctl apply -f "$(big uos)"
expect_contains "$TMP/out" "! cannot place VirtualMachine lab/big: no host with arch x86_64 has 64 GiB free memory (largest free: 28 GiB on x86-0"
expect_contains "$TMP/out" "1 not placed."
expect_status 1 ctl diff -f "$(big kylin)"
expect_contains "$TMP/out" "+ create VirtualMachine lab/big on arm-01"

# Drift on the arm64 host: a VM stopped and another deleted behind xcloud's back are repaired.
agent_rpc "${ports[2]}" domain.power '{"name":"xc-lab.kylin-1","action":"destroy"}' >/dev/null
agent_rpc "${ports[2]}" domain.delete '{"name":"xc-lab.kylin-2"}' >/dev/null
expect_status 1 ctl diff -f "$TMP/m"
expect_contains "$TMP/out" "~ start VirtualMachine lab/kylin-1 on arm-01 (drift: stopped outside xcloud)"
expect_contains "$TMP/out" "+ create VirtualMachine lab/kylin-2 on arm-01"
expect_status 0 ctl apply -f "$TMP/m"
expect_status 0 ctl diff -f "$TMP/m"
agent_rpc "${ports[2]}" domains.list '{}' >"$TMP/out"
json_check 'sorted((x["domain"], x["state"]) for x in d["result"]["managed"]) == [("xc-lab.kylin-1", "running"), ("xc-lab.kylin-2", "running")]'

# Delete through the arm64 agent: the domain is gone from its host.
expect_status 0 ctl delete vm kylin-2 --tenant lab --yes
agent_rpc "${ports[2]}" domains.list '{}' >"$TMP/out"
json_check '[x["domain"] for x in d["result"]["managed"]] == ["xc-lab.kylin-1"]'
kill -0 "$arm_pid" || fail "the arm64 agent died: $(cat "$TMP/agents/arm-01/agent.log")"
echo "arm64 agent: ok"
