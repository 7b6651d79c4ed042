#!/usr/bin/env bash
# The agent's memory against a real libvirtd, as an operator runs it: a
# libvirtd with the QEMU driver holding DOMAINS defined (not running)
# xcloud-owned domains, and `xcloud-agent serve` on qemu:///system with
# certificates from `xcloudctl host enroll`. Reports VmRSS, anonymous
# (RssAnon), file-backed (RssFile) and Pss at idle after start, after CALLS
# domains.list calls over mTLS, and idle again 5 s later. Unlike
# bench/agent_bench.sh (test:/// driver) the domains live in libvirtd, not in
# the agent. Target (issue 3): serve idle VmRSS <= 20 MB.
#
#   sudo bench/agent_idle_real.sh                     # binaries from ./build
#   sudo BUILD=/path/to/build DOMAINS=50 bench/agent_idle_real.sh
#
# Needs root, unshare, libvirtd, virsh, qemu-system-*, curl and python3. The
# libvirtd it starts runs in a private mount namespace with its own (tmpfs)
# /run/libvirt, /etc/libvirt and /var/{lib,cache,log}/libvirt, so it neither
# uses nor disturbs a libvirtd of the host or of a concurrent system test; it
# still waits (up to WAIT seconds) for other libvirtds to exit, since
# tests/support/libvirtd.sh stops libvirtd by name. Everything it starts or
# defines is removed on exit. Exit status: 0 when the target is met, 1 when
# missed, 2 when the benchmark could not run.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
XCLOUD_AGENT=${XCLOUD_AGENT:-$BUILD/agent/xcloud-agent}
XCLOUDCTL=${XCLOUDCTL:-$BUILD/ctl/xcloudctl}
DOMAINS=${DOMAINS:-50}
CALLS=${CALLS:-20}
WAIT=${WAIT:-600}
URI=qemu:///system

die() {
  echo "agent_idle_real: $*" >&2
  exit 2
}
[ "$(id -u)" -eq 0 ] || die "needs root (it runs its own libvirtd)"
for bin in "$XCLOUD_AGENT" "$XCLOUDCTL"; do
  [ -x "$bin" ] || die "$bin is missing; build it: cmake --build $BUILD --target xcloud-agent xcloudctl"
done
for tool in unshare libvirtd virsh curl python3; do
  command -v "$tool" >/dev/null || die "$tool is missing"
done

# Everything below runs in a private mount namespace (see the header).
if [ -z "${XC_AGENT_IDLE_REAL_NS:-}" ]; then
  XCLOUD_AGENT=$(realpath "$XCLOUD_AGENT") XCLOUDCTL=$(realpath "$XCLOUDCTL") XC_AGENT_IDLE_REAL_NS=1 \
    exec unshare --mount --propagation private bash "$0" "$@"
fi

TMP=$(mktemp -d)
agent_pid=""
libvirtd_pid=""
defined=()
cleanup() {
  set +e
  if [ -n "$agent_pid" ]; then
    kill "$agent_pid" 2>/dev/null
    wait "$agent_pid" 2>/dev/null
  fi
  if [ -n "$libvirtd_pid" ] && kill -0 "$libvirtd_pid" 2>/dev/null; then
    for name in "${defined[@]}"; do echo "undefine $name"; done >"$TMP/undefine.virsh"
    [ "${#defined[@]}" -eq 0 ] || virsh -q -c "$URI" <"$TMP/undefine.virsh" >/dev/null 2>&1 ||
      echo "agent_idle_real: could not undefine every domain" >&2
    kill "$libvirtd_pid"
    for _ in $(seq 100); do kill -0 "$libvirtd_pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$libvirtd_pid" 2>/dev/null && kill -KILL "$libvirtd_pid"
    wait "$libvirtd_pid" 2>/dev/null
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

status_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }  # status_kb PID FIELD
mb() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }

# libvirtd: wait for others (stopped by name elsewhere), then start ours on
# private state directories, configured as tests/support/libvirtd.sh does.
others=""
for ((waited = 0; waited < WAIT; waited++)); do
  others=$(pgrep -x libvirtd | tr '\n' ' ' || true)
  [ -z "$others" ] && break
  [ "$waited" -eq 0 ] && echo "agent_idle_real: waiting up to ${WAIT} s for other libvirtd (pid $others) to exit"
  sleep 1
done
[ -z "$others" ] || echo "agent_idle_real: libvirtd $others still runs; going ahead in our own namespace"
for dir in /run/libvirt /etc/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do
  mkdir -p "$dir"
  mount -t tmpfs xcloud-bench "$dir"
done
mkdir -p /var/lib/libvirt/qemu /var/cache/libvirt/qemu
source "$ROOT/tests/support/libvirtd.sh"  # prepare_test_qemu, write_test_qemu_conf
prepare_test_qemu
write_test_qemu_conf /etc/libvirt/qemu.conf
: >/etc/libvirt/libvirtd.conf
libvirtd --pid-file "$TMP/libvirtd.pid" >"$TMP/libvirtd.log" 2>&1 &
libvirtd_pid=$!
for _ in $(seq 300); do
  virsh -c "$URI" version >/dev/null 2>&1 && break
  kill -0 "$libvirtd_pid" 2>/dev/null || die "libvirtd exited at start: $(tail -5 "$TMP/libvirtd.log")"
  sleep 0.1
done
virsh -c "$URI" version >/dev/null 2>&1 || die "libvirtd did not answer within 30 s: $(tail -5 "$TMP/libvirtd.log")"

# DOMAINS defined xcloud domains, named as the agent names them (tenant-name).
arch=$(uname -m)
for ((i = 1; i <= DOMAINS; i++)); do
  name="bench-vm-$i"
  cat >"$TMP/domain.xml" <<XML
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os><type arch='$arch'>hvm</type></os>
  <metadata>
    <xcloud:instance xmlns:xcloud="https://xcloud.local/xmlns/domain/1" owner="xcloud"
      kind="VirtualMachine" tenant="bench" name="vm-$i" spec-hash="00ab" generation="1"/>
  </metadata>
</domain>
XML
  virsh -q -c "$URI" define "$TMP/domain.xml" >/dev/null 2>"$TMP/virsh.err" ||
    die "virsh define $name: $(cat "$TMP/virsh.err")"
  defined+=("$name")
done

# The agent, enrolled as an operator does it.
state="$TMP/state/state.db"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$XCLOUDCTL" --state "$state" init >/dev/null
"$XCLOUDCTL" --state "$state" ca init >/dev/null
"$XCLOUDCTL" --state "$state" host enroll bench-real --address "127.0.0.1:$port" >/dev/null
pki="$TMP/state/pki"
bundle="$pki/hosts/bench-real"
cat >"$TMP/agent.yaml" <<YAML
listen: 127.0.0.1
port: $port
libvirt: $URI
storageDir: $TMP/disks
storagePool: xc-idle-bench
tls: {cert: $bundle/agent.crt, key: $bundle/agent.key, ca: $bundle/ca.crt}
YAML
: >"$TMP/agent.log"
"$XCLOUD_AGENT" serve --config "$TMP/agent.yaml" 2>"$TMP/agent.log" &
agent_pid=$!
for _ in $(seq 400); do
  grep -q "serving" "$TMP/agent.log" && break
  kill -0 "$agent_pid" 2>/dev/null || die "the agent exited at start: $(cat "$TMP/agent.log")"
  sleep 0.05
done
grep -q "serving" "$TMP/agent.log" || die "the agent did not say it was serving within 20 s: $(cat "$TMP/agent.log")"
sleep 2  # let start-up settle

declare -A rss anon file pss
snapshot() {  # snapshot LABEL
  kill -0 "$agent_pid" 2>/dev/null || die "the agent died: $(tail -3 "$TMP/agent.log")"
  kill -0 "$libvirtd_pid" 2>/dev/null || die "our libvirtd died (stopped by name from elsewhere?)"
  rss[$1]=$(status_kb "$agent_pid" VmRSS)
  anon[$1]=$(status_kb "$agent_pid" RssAnon)
  file[$1]=$(status_kb "$agent_pid" RssFile)
  pss[$1]=$(awk '$1 == "Pss:" { print $2 }' "/proc/$agent_pid/smaps_rollup")
}

tls_curl() {  # tls_curl COUNT OUT: COUNT domains.list on one keep-alive connection
  local urls=()
  for ((i = 0; i < $1; i++)); do urls+=("https://127.0.0.1:$port/v1/rpc"); done
  curl -sS --max-time 60 --cacert "$pki/ca.crt" --cert "$pki/controller.crt" --key "$pki/controller.key" \
    -H 'Content-Type: application/json' --data-binary '{"id":1,"method":"domains.list"}' \
    -w '\nHTTP %{http_code}\n' "${urls[@]}" >"$2" || die "curl failed"
  [ "$(grep -c '^HTTP 200$' "$2")" = "$1" ] || die "some domains.list calls failed: $(grep -v '^HTTP 200$' "$2" | head -3)"
}

snapshot start
tls_curl "$CALLS" "$TMP/replies"
snapshot calls
managed=$(head -1 "$TMP/replies" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["result"]["managed"]))')
[ "$managed" = "$DOMAINS" ] || die "domains.list listed $managed managed domains, expected $DOMAINS"
hwm=$(status_kb "$agent_pid" VmHWM)
# Resident kB per mapped file (all its mappings) and for anonymous memory.
python3 - "$agent_pid" >"$TMP/by_file" <<'PY'
import collections, os, sys
rss, anon = collections.Counter(), collections.Counter()
path = None
for line in open(f"/proc/{sys.argv[1]}/smaps"):
    parts = line.split()
    if not parts[0].endswith(":") or "-" in parts[0]:  # a mapping's header line
        path = os.path.basename(parts[5]) if len(parts) > 5 and parts[5].startswith("/") else None
    elif path and parts[0] == "Rss:":
        rss[path] += int(parts[1])
    elif path and parts[0] == "Anonymous:":
        anon[path] += int(parts[1])
for name, kb in rss.most_common(8):
    print(f"{name} {kb - anon[name]} {anon[name]}")
print(f"{len(rss)}-files {sum(rss.values()) - sum(anon.values())} {sum(anon.values())}")
PY
threads=$(status_kb "$agent_pid" Threads)
sleep 5
snapshot later

echo "agent_idle_real: xcloud-agent serve on $URI ($(libvirtd --version | awk '{ print $NF }')), $DOMAINS defined domains, $(nproc) CPUs"
echo "memory (MB):              VmRSS = anonymous + file-backed     Pss"
line() { printf '  %-22s %6s   %9s   %11s   %5s\n' "$1" "$(mb "${rss[$2]}")" "$(mb "${anon[$2]}")" "$(mb "${file[$2]}")" "$(mb "${pss[$2]}")"; }
line "idle after start" start
line "after $CALLS domains.list" calls
line "idle 5 s later" later
echo "  peak VmHWM $(mb "$hwm"); $threads threads; reply $(head -1 "$TMP/replies" | wc -c) bytes"
echo "  after the calls, by mapped file (file-backed MB, + anonymous MB in its private copies):"
while read -r name kb anon_kb; do
  printf '    %-26s %5s  + %4s\n' "${name/-files/ mapped files in all}" "$(mb "$kb")" "$(mb "$anon_kb")"
done <"$TMP/by_file"
echo
echo "targets:"
idle=$(mb "${rss[start]}")
if awk -v v="$idle" 'BEGIN { exit !(v <= 20) }'; then
  echo "  serve idle VmRSS $idle MB (target <= 20): met"
  exit 0
fi
echo "  serve idle VmRSS $idle MB (target <= 20): MISSED"
exit 1
