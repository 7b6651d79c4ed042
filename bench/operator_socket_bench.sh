#!/usr/bin/env bash
# A command through the controller's socket against the same command run
# directly on the state file (issue 17: at most 20 ms more per `get vms` at
# the Xicheng scale, median of 50; `apply` of the Xicheng scale through the
# controller within 1.2x the direct run).
#
# A cloud of real agents (libvirt's test:/// driver) over mutual TLS:
# SCALE=example (default) is the example cloud on three agents; SCALE=xicheng
# is bench/generate_cloud.py's 1,133 VMs, 59 tenants and 184 systems on 60
# agents. `xcloudctl serve --socket` runs as root (the service user here);
# operators are OS users with TOTP sessions: nobody (role monitor) for reads,
# sys (uid 3, role sysadmin) for apply. Everything is started through
# setpriv and env so both sides pay the same execs. Needs root.
#   [SCALE=xicheng] bench/operator_socket_bench.sh [build] [runs]
# Xicheng: (1) `get vms -o json`, RUNS pairs; (2) the first apply of the
# whole cloud, direct on one fresh cloud and through the socket on another
# (one run each: creating 1,133 VMs twice per pair would take minutes);
# (3) `apply` with nothing to change, 5 pairs.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
RUNS=${2:-50}
SCALE=${SCALE:-example}
XCLOUDCTL=$PWD/$BUILD/ctl/xcloudctl
XCLOUD_AGENT=$PWD/$BUILD/agent/xcloud-agent
TMP=$(mktemp -d)
chmod 755 "$TMP"
source scripts/lib/simulated_hosts.sh
SERVE=
trap '[ -n "$SERVE" ] && kill "$SERVE"; stop_agents; rm -rf "$TMP"' EXIT

totp() {
  python3 -c 'import base64,hmac,hashlib,struct,sys,time
k = base64.b32decode(sys.argv[1] + "=" * (-len(sys.argv[1]) % 8))
h = hmac.new(k, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
o = h[-1] & 15
print("%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000))' "$1"
}

# new_cloud DIR: a state in DIR/state with its agents running and the
# manifests in DIR/m, not applied.
new_cloud() {
  local dir=$1 hosts ports=() name arch cpus mem port
  hosts=$dir/hosts.tsv
  STATE=$dir/state/state.db
  mkdir -p "$dir"
  "$XCLOUDCTL" --state "$STATE" init >/dev/null
  "$XCLOUDCTL" --state "$STATE" ca init >/dev/null
  if [ "$SCALE" = example ]; then
    start_example_cloud "$dir/m"
    return
  fi
  for _ in $(seq 60); do ports+=("$(free_port)"); done
  python3 bench/generate_cloud.py --out "$dir/m" --vms 1133 --hosts 60 --tenants 59 --systems 184 \
    --ports "$(IFS=,; echo "${ports[*]}")" --hosts-file "$hosts" >/dev/null
  while read -r name arch cpus mem port; do
    start_agent "$name" "$arch" "$cpus" "$mem" "$port"
  done <"$hosts"
}

# serve_for DIR: the controller on DIR's state, operators nobody (monitor)
# and sys (sysadmin) logged in; sets SOCK.
serve_for() {
  local dir=$1
  SOCK=$dir/controller.sock
  "$XCLOUDCTL" --state "$STATE" serve --socket "$SOCK" --heartbeat 1h --collect 1h --alarms 1h \
    2>"$dir/serve.log" &
  SERVE=$!
  for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
  mkdir -p "$dir/home/nobody" "$dir/home/sys"
  chown nobody "$dir/home/nobody"
  chown 3 "$dir/home/sys"
  chmod -R a+rX "$dir/m"
  local u secret
  for u in nobody:monitor:65534 sys:sysadmin:3; do
    IFS=: read -r os role uid <<<"$u"
    "$XCLOUDCTL" --state "$STATE" user add "bench-$os" --role "$role" --os-user "$os" >"$dir/user-$os"
    secret=$(sed -n 's/^  \([A-Z2-7]\{32\}\)$/\1/p' "$dir/user-$os")
    operator "$dir" "$uid" "$os" login --code "$(totp "$secret")" >/dev/null
  done
}

# operator DIR UID NAME ARGS...: xcloudctl as that OS user through the socket.
operator() {
  local dir=$1 uid=$2 name=$3
  shift 3
  setpriv --reuid="$uid" --regid="$uid" --clear-groups env HOME="$dir/home/$name" \
    XCLOUD_CONTROLLER="$dir/controller.sock" "$XCLOUDCTL" "$@"
}
as_nobody() { echo "setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=$1/home/nobody XCLOUD_CONTROLLER=$1/controller.sock $XCLOUDCTL"; }
as_sys() { echo "setpriv --reuid=3 --regid=3 --clear-groups env HOME=$1/home/sys XCLOUD_CONTROLLER=$1/controller.sock $XCLOUDCTL"; }
direct() { echo "setpriv --reuid=0 --regid=0 --clear-groups env HOME=$TMP $XCLOUDCTL --state $STATE"; }
ms_of() {  # ms_of CMD...: wall milliseconds of CMD, its output dropped
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}

if [ "$SCALE" = example ]; then
  new_cloud "$TMP/a"
  "$XCLOUDCTL" --state "$STATE" apply -f "$TMP/a/m" >/dev/null
  serve_for "$TMP/a"
  echo "get vms -o json, example cloud: through the socket (A) vs direct on the state (B), $RUNS pairs"
  # shellcheck disable=SC2046
  farm-bench -n "$RUNS" --timeout 600 --vs "$(direct) get vms -o json" -- $(as_nobody "$TMP/a") get vms -o json
  exit 0
fi

echo "== Xicheng scale: 1,133 VMs, 60 agents"
# (2) first, on fresh clouds: the direct apply on one, then the same through the socket on another.
new_cloud "$TMP/direct"
direct_ms=$(ms_of "$XCLOUDCTL" --state "$STATE" apply -f "$TMP/direct/m" --parallel 16)
stop_agents
rm -rf "$TMP/agents"
new_cloud "$TMP/a"
serve_for "$TMP/a"
(cd "$TMP/a" && socket_ms=$(ms_of operator "$TMP/a" 3 sys apply -f m --parallel 16) &&
  echo "$socket_ms" >"$TMP/socket_ms")
socket_ms=$(cat "$TMP/socket_ms")
python3 -c 'import sys; d, s = int(sys.argv[1]), int(sys.argv[2]); print("first apply of 1,133 VMs: direct %d ms, through the socket %d ms: ratio %.2f (target <= 1.2)" % (d, s, s / d))' \
  "$direct_ms" "$socket_ms"
[ "$("$XCLOUDCTL" --state "$STATE" get vms -o json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1133 ] ||
  { echo "the apply through the socket did not make 1,133 VMs" >&2; exit 1; }

echo "(1) get vms -o json: through the socket (A) vs direct on the state (B), $RUNS pairs"
# shellcheck disable=SC2046
farm-bench -n "$RUNS" --timeout 1200 --vs "$(direct) get vms -o json" -- $(as_nobody "$TMP/a") get vms -o json
echo "(3) apply with nothing to change: through the socket (A) vs direct (B), 5 pairs"
# shellcheck disable=SC2046
(cd "$TMP/a" && farm-bench -n 5 --timeout 1800 --vs "$(direct) apply -f m --parallel 16" -- \
  $(as_sys "$TMP/a") apply -f m --parallel 16)
