#!/usr/bin/env bash
# The arm64 agent's idle memory under emulation: `xcloud-agent serve` from
# build-arm64 run by qemu-aarch64-static on a test:/// host (no domains),
# after one host.facts and one domains.list over mTLS, beside a bare libvirt
# client (bench/libvirt_idle) on the same host run the same way, and both
# native for reference. Reports Rss, Pss and private (clean + dirty) from
# /proc/PID/smaps_rollup in MB. The emulated figures include QEMU's own
# translator and code cache: they are not what a Kunpeng host would show.
#
#   bench/arm64_idle_memory.sh          # BUILD=build ARM64_BUILD=build-arm64
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
ARM64_BUILD=${ARM64_BUILD:-$ROOT/build-arm64}
QEMU=${QEMU:-$(command -v qemu-aarch64-static)}
export XCLOUDCTL=$BUILD/ctl/xcloudctl XCLOUD_AGENT=$BUILD/agent/xcloud-agent
for bin in "$XCLOUDCTL" "$BUILD/agent/xcloud-agent" "$BUILD/bench/libvirt_idle" \
  "$ARM64_BUILD/agent/xcloud-agent" "$ARM64_BUILD/bench/libvirt_idle" "$QEMU"; do
  [ -x "$bin" ] || { echo "arm64_idle_memory: $bin is missing (scripts/setup builds it)" >&2; exit 2; }
done
TMP=$(mktemp -d)
STATE="$TMP/state/state.db"
source "$ROOT/scripts/lib/simulated_hosts.sh"
client_pids=()
trap 'stop_agents; for p in "${client_pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$TMP"' EXIT
"$XCLOUDCTL" --state "$STATE" init >/dev/null
"$XCLOUDCTL" --state "$STATE" ca init >/dev/null

# rollup PID: Rss, Pss and private memory (MB) from smaps_rollup.
rollup() {
  awk '/^Rss:/ {r = $2} /^Pss:/ {p = $2} /^Private_(Clean|Dirty):/ {v += $2}
       END {printf "%6.1f %6.1f %8.1f", r / 1024, p / 1024, v / 1024}' "/proc/$1/smaps_rollup"
}
# client NAME URI COMMAND...: starts a bare libvirt client, waits for it to connect.
client() {
  local name=$1 uri=$2
  shift 2
  mkfifo "$TMP/$name.in"
  "$@" "$uri" <"$TMP/$name.in" >"$TMP/$name.out" &
  client_pids+=($!)
  exec {hold}>"$TMP/$name.in"  # stdin stays open: the client idles
  for _ in $(seq 400); do
    grep -q connected "$TMP/$name.out" && return 0
    sleep 0.05
  done
  echo "arm64_idle_memory: $name did not connect" >&2
  exit 2
}

printf '%-54s %6s %6s %8s\n' "process (idle)" "Rss" "Pss" "private"
n=0
for arch in arm64 native; do
  if [ "$arch" = arm64 ]; then
    AGENT_COMMAND=("$QEMU" "$ARM64_BUILD/agent/xcloud-agent")
    baseline=("$QEMU" "$ARM64_BUILD/bench/libvirt_idle")
    label="arm64, emulated by qemu-aarch64-static"
  else
    AGENT_COMMAND=("$BUILD/agent/xcloud-agent")
    baseline=("$BUILD/bench/libvirt_idle")
    label="x86_64, native"
  fi
  port=$(free_port)
  start_agent "idle-$arch" native 16 64 "$port"
  agent_rpc "$port" host.facts '{}' >/dev/null
  agent_rpc "$port" domains.list '{}' >/dev/null
  client "client-$arch" "test://$TMP/agents/idle-$arch/host.xml" "${baseline[@]}"
  sleep 2
  printf '%-54s %s\n' "xcloud-agent serve, $label" "$(rollup "${AGENT_PIDS[$n]}")"
  printf '%-54s %s\n' "libvirt client, $label" "$(rollup "${client_pids[$n]}")"
  n=$((n + 1))
done
