#!/usr/bin/env bash
# Issue 3's agent benchmark, in one run on a simulated host (libvirt's test:///
# driver) holding DOMAINS running xcloud-owned domains:
#   (a) `xcloud-agent serve` RSS when idle (VmRSS after start), and for
#       reference the same on an empty simulated host;
#   (b) its peak RSS (VmHWM) after answering domains.list over mTLS: RUNS
#       times on ROUNDS keep-alive connections, then on CONNECTIONS fresh
#       connections one after another, then RUNS more from CLIENTS clients at once;
#   (c) domains.list latency, median measured by the client, over
#       `xcloud-agent rpc` (stdio, no TLS) and over mTLS, against the raw
#       libvirt calls for the same information (bench/agent_raw_list) on the
#       same host file. Raw, rpc and mTLS take turns in ROUNDS rounds, and each
#       ratio is the median of the rounds' ratios, so machine drift cancels.
# Targets (issue 3): <= 20 MB idle, <= 60 MB under load, <= 2x the raw calls.
#
#   bench/agent_bench.sh                 # binaries from ./build
#   BUILD=/path/to/build RUNS=100 DOMAINS=1000 bench/agent_bench.sh
#
# Needs curl and python3. Everything runs on 127.0.0.1 and takes about 30 s;
# every process it starts is stopped on exit. Exit status: 0 when all targets
# are met, 1 when one is missed, 2 when the benchmark itself could not run.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
XCLOUD_AGENT=${XCLOUD_AGENT:-$BUILD/agent/xcloud-agent}
XCLOUDCTL=${XCLOUDCTL:-$BUILD/ctl/xcloudctl}
AGENT_RAW_LIST=${AGENT_RAW_LIST:-$BUILD/bench/agent_raw_list}
DOMAINS=${DOMAINS:-1000}
RUNS=${RUNS:-200}
ROUNDS=${ROUNDS:-4}
CLIENTS=4
CONNECTIONS=16

die() {
  echo "agent_bench: $*" >&2
  exit 2
}
for bin in "$XCLOUD_AGENT" "$XCLOUDCTL" "$AGENT_RAW_LIST"; do
  [ -x "$bin" ] || die "$bin is missing; build it: cmake --build $BUILD --target xcloud-agent xcloudctl agent_raw_list"
done
command -v curl >/dev/null || die "curl is missing"
command -v python3 >/dev/null || die "python3 is missing"
[ "$RUNS" -ge $((ROUNDS * CLIENTS)) ] || die "RUNS must be at least $((ROUNDS * CLIENTS))"

TMP=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

status_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }  # status_kb PID FIELD
mb() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p"; }  # field NAME < "a NAME=value b"

# Simulated hosts: DOMAINS running domains with the xcloud metadata element,
# and an empty one.
write_host() {  # write_host FILE COUNT
  {
    echo "<node><cpu><nodes>1</nodes><sockets>2</sockets><cores>32</cores><threads>2</threads>"
    echo "<active>128</active><mhz>2600</mhz><model>x86_64</model></cpu><memory>1073741824</memory>"
    for ((i = 1; i <= $2; i++)); do
      echo "<domain type='test'><name>vm-$i</name><memory unit='MiB'>1024</memory><vcpu>2</vcpu>" \
        "<os><type arch='x86_64'>hvm</type></os><metadata><xcloud:instance" \
        "xmlns:xcloud=\"https://xcloud.local/xmlns/domain/1\" owner=\"xcloud\" kind=\"VirtualMachine\"" \
        "tenant=\"t\" name=\"vm-$i\" spec-hash=\"00ab\" generation=\"1\"/></metadata></domain>"
    done
    echo "</node>"
  } >"$1"
}
write_host "$TMP/host.xml" "$DOMAINS"
write_host "$TMP/empty.xml" 0
uri="test://$TMP/host.xml"

# Certificates as an operator makes them, and one agent config per host.
state="$TMP/state/state.db"
port=$(python3 "$ROOT/scripts/lib/free_port.py")
"$XCLOUDCTL" --state "$state" init >/dev/null
"$XCLOUDCTL" --state "$state" ca init >/dev/null
"$XCLOUDCTL" --state "$state" host enroll bench-01 --address "127.0.0.1:$port" >/dev/null
pki="$TMP/state/pki"
bundle="$pki/hosts/bench-01"
for h in host empty; do
  cat >"$TMP/$h.yaml" <<YAML
listen: 127.0.0.1
port: $port
libvirt: test://$TMP/$h.xml
storageDir: $TMP/disks-$h
tls: {cert: $bundle/agent.crt, key: $bundle/agent.key, ca: $bundle/ca.crt}
YAML
done

start_serve() {  # start_serve CONFIG: sets agent_pid
  : >"$TMP/agent.log"  # the previous agent's "serving" must not count for this one
  "$XCLOUD_AGENT" serve --config "$1" 2>"$TMP/agent.log" &
  agent_pid=$!
  PIDS=("$agent_pid")
  for _ in $(seq 400); do
    grep -q "serving" "$TMP/agent.log" && break
    if ! kill -0 "$agent_pid" 2>/dev/null; then
      local rc=0
      wait "$agent_pid" || rc=$?
      die "the agent exited with status $rc at start: $(cat "$TMP/agent.log")"
    fi
    sleep 0.05
  done
  grep -q "serving" "$TMP/agent.log" || die "the agent ($1) did not say it was serving within 20 s: $(cat "$TMP/agent.log")"
  sleep 1  # let start-up settle
}
stop_serve() {
  kill "$agent_pid"
  wait "$agent_pid" || die "the agent did not exit cleanly: $(tail -3 "$TMP/agent.log")"
  PIDS=()
}

# domains.list over stdio: a fresh `xcloud-agent rpc`, one request line at a
# time; prints "median_ms hwm_kb reply_bytes managed".
rpc_round() {  # rpc_round COUNT
  python3 - "$XCLOUD_AGENT" "$TMP/host.yaml" "$1" <<'PY'
import json, statistics, subprocess, sys, time
agent, config, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
p = subprocess.Popen([agent, "rpc", "--config", config], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
request = b'{"id":1,"method":"domains.list"}\n'
ms = []
for i in range(runs + 1):  # the first is a warm-up
    start = time.perf_counter()
    p.stdin.write(request)
    p.stdin.flush()
    line = p.stdout.readline()
    if i:
        ms.append((time.perf_counter() - start) * 1000)
managed = len(json.loads(line)["result"]["managed"])
hwm = [l.split()[1] for l in open(f"/proc/{p.pid}/status") if l.startswith("VmHWM:")][0]
p.stdin.close()
p.wait(timeout=10)
print(f"{statistics.median(ms):.3f} {hwm} {len(line)} {managed}")
PY
}

# domains.list over mTLS: COUNT requests on one keep-alive connection, each
# timed by curl, into OUT as "TIMING http_code new_connections seconds"; a
# first request (with the handshake) is not counted.
echo '{"id":1,"method":"domains.list"}' >"$TMP/request.json"
tls_curl() {  # tls_curl COUNT OUT
  local urls=()
  for ((i = 0; i <= $1; i++)); do urls+=("https://127.0.0.1:$port/v1/rpc"); done
  curl -sS --max-time 100 --cacert "$pki/ca.crt" --cert "$pki/controller.crt" --key "$pki/controller.key" \
    -H 'Content-Type: application/json' --data-binary "@$TMP/request.json" \
    -w '\nTIMING %{http_code} %{num_connects} %{time_total}\n' "${urls[@]}" | grep '^TIMING' | tail -n +2 >"$2"
  [ "$(awk '$2 != 200' "$2" | wc -l)" = 0 ] || die "some mTLS requests failed: $(sort "$2" | uniq -c | head)"
}

echo "agent_bench: $DOMAINS domains, $RUNS requests per figure in $ROUNDS rounds, $(nproc) CPUs"

# (a) idle, on the empty host for reference, then on the full one.
start_serve "$TMP/empty.yaml"
empty_rss=$(status_kb "$agent_pid" VmRSS)
stop_serve
start_serve "$TMP/host.yaml"
idle_rss=$(status_kb "$agent_pid" VmRSS)
idle_anon=$(status_kb "$agent_pid" RssAnon)
idle_file=$(status_kb "$agent_pid" RssFile)
idle_pss=$(awk '$1 == "Pss:" { print $2 }' "/proc/$agent_pid/smaps_rollup")

# (c) rounds of raw, rpc and mTLS.
per_round=$((RUNS / ROUNDS))
for ((r = 1; r <= ROUNDS; r++)); do
  "$AGENT_RAW_LIST" "$uri" "$per_round" >"$TMP/raw.$r"
  rpc_round "$per_round" >"$TMP/rpc.$r"
  tls_curl "$per_round" "$TMP/tls.$r"
done
seq_hwm=$(status_kb "$agent_pid" VmHWM)

# (b) CONNECTIONS fresh connections one after another, 2 requests each, as
# a controller that runs one command per poll makes them; then RUNS more
# requests from CLIENTS clients at once.
for ((c = 1; c <= CONNECTIONS; c++)); do tls_curl 1 "$TMP/conn.$c"; done
conn_hwm=$(status_kb "$agent_pid" VmHWM)
client_pids=()
for ((c = 1; c <= CLIENTS; c++)); do
  tls_curl $((RUNS / CLIENTS)) "$TMP/par.$c" &
  client_pids+=($!)
  PIDS+=($!)
done
for pid in "${client_pids[@]}"; do wait "$pid" || die "a concurrent client failed"; done
load_hwm=$(status_kb "$agent_pid" VmHWM)
load_rss=$(status_kb "$agent_pid" VmRSS)
stop_serve

managed=$(cut -d' ' -f4 "$TMP/rpc.1")
[ "$managed" = "$DOMAINS" ] || die "domains.list listed $managed managed domains, expected $DOMAINS"
[ "$(grep '^bulk' "$TMP/raw.1" | field managed)" = "$DOMAINS" ] || die "agent_raw_list did not see $DOMAINS domains"

echo
echo "domains.list, median ms per round ($per_round requests each, timed by the client):"
printf '  %-7s %9s %11s %9s %9s %9s %10s\n' round "raw bulk" "raw restart" rpc mTLS rpc/bulk mTLS/bulk
for ((r = 1; r <= ROUNDS; r++)); do
  bulk=$(grep '^bulk' "$TMP/raw.$r" | field median_ms)
  restart=$(grep '^restart' "$TMP/raw.$r" | field median_ms)
  rpc=$(cut -d' ' -f1 "$TMP/rpc.$r")
  tls=$(awk '{ print $4 * 1000 }' "$TMP/tls.$r" | median)
  echo "$bulk $restart $rpc $tls $(ratio "$rpc" "$bulk") $(ratio "$tls" "$bulk") $(ratio "$rpc" "$restart") $(ratio "$tls" "$restart")" >>"$TMP/rounds"
  printf '  %-7s %9.2f %11.2f %9.2f %9.2f %9s %10s\n' "$r" "$bulk" "$restart" "$rpc" "$tls" \
    "$(ratio "$rpc" "$bulk")" "$(ratio "$tls" "$bulk")"
done
col() { cut -d' ' -f"$1" "$TMP/rounds" | median; }
printf '  %-7s %9.2f %11.2f %9.2f %9.2f %9.2f %10.2f\n' median "$(col 1)" "$(col 2)" "$(col 3)" "$(col 4)" "$(col 5)" "$(col 6)"
echo "  raw bulk: list + bulk stats + per domain the metadata (and virDomainGetInfo, since the"
echo "  test driver's bulk stats lack vCPUs and memory); raw restart: bulk + what restartPending"
echo "  needs (active? persistent? live metadata). Reply: $(cut -d' ' -f3 "$TMP/rpc.1") bytes."
echo "  mTLS: $(cat "$TMP"/tls.* | awk '{ n += $3 } END { print n }') new connections in $((per_round * ROUNDS)) counted requests;" \
  "$CLIENTS clients at once: $(cat "$TMP"/par.* | awk '{ print $4 * 1000 }' | median) ms per request."

echo
echo "memory (MB):"
echo "  serve idle: VmRSS $(mb "$idle_rss") = anonymous $(mb "$idle_anon") + file-backed $(mb "$idle_file"); Pss $(mb "$idle_pss")"
echo "  serve idle on an empty simulated host: VmRSS $(mb "$empty_rss")"
echo "  serve after $((ROUNDS * (per_round + 1))) requests on $ROUNDS keep-alive connections: VmHWM $(mb "$seq_hwm")"
echo "  serve after $CONNECTIONS more connections one after another: VmHWM $(mb "$conn_hwm")"
echo "  serve after $((CLIENTS * (RUNS / CLIENTS + 1))) more from $CLIENTS clients at once: VmHWM $(mb "$load_hwm") (VmRSS then $(mb "$load_rss"))"
echo "  rpc after $((per_round + 1)) requests: VmHWM $(mb "$(cut -d' ' -f2 "$TMP"/rpc.* | sort -n | tail -1)")"
echo "  raw baseline process (libvirt with the test driver's $DOMAINS domains, no agent): VmHWM $(mb "$(cat "$TMP"/raw.* | field hwm_kb | sort -n | tail -1)")"

verdict=0
check() {  # check NAME VALUE LIMIT UNIT
  if awk -v v="$2" -v l="$3" 'BEGIN { exit !(v <= l) }'; then
    printf '  %-32s %6s %-2s (target <= %s): met\n' "$1" "$2" "$4" "$3"
  else
    printf '  %-32s %6s %-2s (target <= %s): MISSED by %s%%\n' "$1" "$2" "$4" "$3" \
      "$(awk -v v="$2" -v l="$3" 'BEGIN { printf "%.0f", (v / l - 1) * 100 }')"
    verdict=1
  fi
}
echo
echo "targets:"
check "serve idle VmRSS" "$(mb "$idle_rss")" 20 MB
check "serve peak VmHWM under load" "$(mb "$load_hwm")" 60 MB
check "domains.list rpc / raw bulk" "$(printf '%.2f' "$(col 5)")" 2 x
check "domains.list mTLS / raw bulk" "$(printf '%.2f' "$(col 6)")" 2 x
echo "  (against raw restart: rpc $(printf '%.2f' "$(col 7)")x, mTLS $(printf '%.2f' "$(col 8)")x)"
exit "$verdict"
