#!/usr/bin/env bash
# A command through the controller's socket against the same command run
# directly on the state file (issue 17; target: <= 20 ms more per command).
# The example cloud on three real agents (libvirt's test:/// driver),
# `xcloudctl serve --socket`, an operator (OS user nobody, role monitor) with
# a TOTP session; farm-bench pairs `get vms -o json` as nobody through the
# socket with the service user's direct run (root, --state), both started
# through setpriv and env so the two pay the same execs. Needs root.
#   bench/operator_socket_bench.sh [build] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
RUNS=${2:-50}
XCLOUDCTL=$PWD/$BUILD/ctl/xcloudctl
XCLOUD_AGENT=$PWD/$BUILD/agent/xcloud-agent
TMP=$(mktemp -d)
chmod 755 "$TMP"
STATE=$TMP/state/state.db
SOCK=$TMP/controller.sock
source scripts/lib/simulated_hosts.sh
SERVE=
trap '[ -n "$SERVE" ] && kill "$SERVE"; stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
ctl init >/dev/null
ctl ca init >/dev/null
start_example_cloud "$TMP/m"
ctl apply -f "$TMP/m" >/dev/null
ctl user add bench --role monitor --os-user nobody >"$TMP/user"
secret=$(sed -n 's/^  \([A-Z2-7]\{32\}\)$/\1/p' "$TMP/user")
"$XCLOUDCTL" --state "$STATE" serve --socket "$SOCK" --heartbeat 1h --collect 1h --alarms 1h \
  2>"$TMP/serve.log" &
SERVE=$!
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
mkdir -p "$TMP/home" && chown nobody "$TMP/home"
as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$TMP/home"
  XCLOUD_CONTROLLER="$SOCK" "$XCLOUDCTL")
code=$(python3 -c 'import base64,hmac,hashlib,struct,sys,time
k = base64.b32decode(sys.argv[1] + "=" * (-len(sys.argv[1]) % 8))
h = hmac.new(k, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
o = h[-1] & 15
print("%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000))' "$secret")
"${as_nobody[@]}" login --code "$code" >/dev/null
echo "get vms -o json: through the socket (A) vs direct on the state (B), $RUNS pairs"
farm-bench -n "$RUNS" --timeout 600 \
  --vs "setpriv --reuid=0 --regid=0 --clear-groups env HOME=$TMP $XCLOUDCTL --state $STATE get vms -o json" -- \
  "${as_nobody[@]}" get vms -o json
