# Starts xcloud-agent serve processes on simulated hosts (libvirt's test:///
# driver) with certificates from `xcloudctl host enroll`. Used by scripts/demo,
# the tests and the benchmarks. Needs XCLOUDCTL, XCLOUD_AGENT, a state
# database in $STATE and a work directory in $TMP; AGENT_EXTRA_YAML, when set,
# is appended to each agent's configuration (e.g. "imageDir: DIR"); when
# AGENT_STORAGE_DIR is set, every agent keeps its disks there (a pool's
# sharedStorage, for HA).

type fail >/dev/null 2>&1 || fail() {
  echo "error: $*" >&2
  exit 1
}

AGENT_PIDS=()

# free_port: a port no other test holds and no outgoing connection can take
# before the agent binds it (see free_port.py).
free_port() {
  python3 "$(dirname "${BASH_SOURCE[0]}")/free_port.py"
}

# start_agent NAME ARCH CPUS MEMORY_GIB PORT [gpu] [legacy]
# gpu adds an NVIDIA T4; legacy adds a running domain xcloud does not own.
# $TMP/agents/NAME/extra.xml, when a test writes it first, is added to the
# host's definition (storage pools, domains defined outside xcloud).
# ARCH "native" simulates none: the agent reports the machine it runs on.
# The agent run is $XCLOUD_AGENT, or the command in the array AGENT_COMMAND
# when set (e.g. the arm64 agent under qemu-aarch64-static).
start_agent() {
  local name=$1 arch=$2 cpus=$3 mem_gib=$4 port=$5 gpu=${6:-} legacy=${7:-}
  local dir="$TMP/agents/$name"
  local command=("$XCLOUD_AGENT")
  if declare -p AGENT_COMMAND >/dev/null 2>&1; then command=("${AGENT_COMMAND[@]}"); fi
  local model="<model>$arch</model>"
  [ "$arch" = native ] && model=""
  mkdir -p "$dir"
  "$XCLOUDCTL" --state "$STATE" host enroll "$name" --address "127.0.0.1:$port" >/dev/null
  local bundle
  bundle="$(dirname "$STATE")/pki/hosts/$name"
  {
    echo "<node><cpu><nodes>1</nodes><sockets>1</sockets><cores>$cpus</cores><threads>1</threads>"
    echo "<active>$cpus</active><mhz>2600</mhz>$model</cpu>"
    echo "<memory>$((mem_gib * 1024 * 1024))</memory>"
    if [ -n "$gpu" ]; then
      echo "<device><name>pci_0000_3b_00_0</name><parent>computer</parent><capability type='pci'>"
      echo "<class>0x030200</class><domain>0</domain><bus>59</bus><slot>0</slot><function>0</function>"
      echo "<product id='0x1eb8'>TU104GL [Tesla T4]</product><vendor id='0x10de'>NVIDIA Corporation</vendor>"
      echo "<iommuGroup number='12'><address domain='0x0000' bus='0x3b' slot='0x00' function='0x0'/></iommuGroup>"
      echo "</capability></device>"
    fi
    if [ -n "$legacy" ]; then
      echo "<domain type='test'><name>legacy-erp</name><memory unit='MiB'>2048</memory><vcpu>2</vcpu>"
      echo "<os><type arch='x86_64'>hvm</type></os></domain>"
    fi
    if [ -f "$dir/extra.xml" ]; then cat "$dir/extra.xml"; fi
    echo "</node>"
  } >"$dir/host.xml"
  cat >"$dir/agent.yaml" <<YAML
listen: 127.0.0.1
port: $port
libvirt: test://$dir/host.xml
storageDir: ${AGENT_STORAGE_DIR:-$dir/disks}
tls: {cert: $bundle/agent.crt, key: $bundle/agent.key, ca: $bundle/ca.crt}
labels: {simulated: "true"}
accelerators:
  - {vendor: "0x10de", product: "0x1eb8", type: gpu-16g}
${AGENT_EXTRA_YAML:-}
YAML
  "${command[@]}" serve --config "$dir/agent.yaml" 2>"$dir/agent.log" &
  AGENT_PIDS+=($!)
  # Up to 20 s: an emulated agent on a busy machine starts in seconds.
  for _ in $(seq 400); do
    grep -q "serving" "$dir/agent.log" 2>/dev/null && return 0
    sleep 0.05
  done
  fail "agent $name did not start: $(cat "$dir/agent.log")"
}

# agent_rpc PORT METHOD PARAMS_JSON: one call straight to an agent with the
# controller's certificate, the way an operator changes a host behind xcloud's back.
agent_rpc() {
  local pki
  pki="$(dirname "$STATE")/pki"
  curl -sS --cacert "$pki/ca.crt" --cert "$pki/controller.crt" --key "$pki/controller.key" \
    -H 'Content-Type: application/json' -d "{\"id\":1,\"method\":\"$2\",\"params\":$3}" "https://127.0.0.1:$1/v1/rpc"
}

stop_agents() {
  for pid in "${AGENT_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${AGENT_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  AGENT_PIDS=()
}

# start_example_cloud DIR [legacy]: copies examples/cloud to DIR with its three
# hosts moved to free ports, kept in `ports` (x86-01, x86-02, kp-01), and
# starts their agents; kp-01 has a GPU, and with `legacy` x86-01 also runs a
# domain xcloud does not own.
start_example_cloud() {
  local dir=$1 legacy=${2:-}
  local source=${XC_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
  cp -r "$source/examples/cloud" "$dir"
  ports=("$(free_port)" "$(free_port)" "$(free_port)")
  sed -i "s/127.0.0.1:7701/127.0.0.1:${ports[0]}/; s/127.0.0.1:7702/127.0.0.1:${ports[1]}/; s/127.0.0.1:7703/127.0.0.1:${ports[2]}/" \
    "$dir/infrastructure.yaml"
  start_agent x86-01 x86_64 32 128 "${ports[0]}" "" "$legacy"
  start_agent x86-02 x86_64 32 128 "${ports[1]}"
  start_agent kp-01 aarch64 64 256 "${ports[2]}" gpu
}
