# xcloud-agent against hostile clients, through the real binaries with
# certificates from xcloudctl: trickled and idle handshakes do not keep a
# controller out; huge, chunked, compressed, deeply nested and invalid UTF-8
# bodies are refused (over HTTPS and over `xcloud-agent rpc`) without the
# agent's memory following them; a key open to others stops the start; the
# PKI directories are private whatever the umask.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
ATTACKS="$(cd "$(dirname "$0")/../../scripts/lib" && pwd)/agent_attacks.py"
STATE="$TMP/state/state.db"
trap 'stop_agents; rm -rf "$TMP"' EXIT
# Generous: today's agent peaks near 40 MB; before, these attacks took 0.7-2.4 GB.
MAX_PEAK_MB=150

umask 000
expect_status 0 "$XCLOUDCTL" --state "$STATE" init
expect_status 0 "$XCLOUDCTL" --state "$STATE" ca init
port=$(free_port)
start_agent h1 x86_64 8 32 "$port"
umask 022
pki="$TMP/state/pki"
for dir in "$pki" "$pki/hosts" "$pki/hosts/h1"; do
  [ "$(stat -c %a "$dir")" = 700 ] || fail "$dir has mode $(stat -c %a "$dir") under umask 000, not 700"
done

attack() {
  python3 "$ATTACKS" --port "$port" --ca "$pki/ca.crt" --cert "$pki/controller.crt" \
    --key "$pki/controller.key" --pid "${AGENT_PIDS[0]}" "$@"
}
log="$TMP/agents/h1/agent.log"
count_in_log() { grep -c -- "$1" "$log" || true; }

# Before any certificate: 40 connections trickle a ClientHello (one byte a
# second) from 127.0.0.2, then 100 connect and send nothing. Before, the first
# held every worker for the whole attack and the second delayed requests 15 s.
for flags in "--connections 40" "--idle --connections 100"; do
  # shellcheck disable=SC2086
  r=$(attack slowloris $flags --requests 3 --settle 2 --timeout 10)
  [ "$(jq -c .statuses <<<"$r")" = "[200,200,200]" ] ||
    fail "requests during slowloris ($flags) not served within 10 s: $r"
done

# With the controller's certificate: bodies past 4 MiB are refused (413) as
# they arrive, chunked or declared; compressed bodies with 415.
before=$(count_in_log 'status=413')
attack body chunked --mb 200 >"$TMP/r"
attack body nested --mb 16 >"$TMP/r"
[ "$(count_in_log 'status=413')" = $((before + 2)) ] || fail "no 413 for bodies past 4 MiB: $(tail -3 "$log")"
r=$(attack body gzip --mb 30)
[ "$(jq .status <<<"$r")" = 415 ] || fail "a gzip body was not refused with 415: $r"
r=$(attack body nested-small)
[ "$(jq .status <<<"$r")" = 400 ] || fail "deep nesting was not refused with 400: $r"
[ "$(jq -r .reply <<<"$r" | jq -r .error.message)" = "request body: JSON nested deeper than 64 levels" ] ||
  fail "deep nesting: $r"
r=$(attack body flat --mb 3)
[ "$(jq .status <<<"$r")" = 400 ] || fail "a million values were not refused with 400: $r"
r=$(attack body utf8)
[ "$(jq .status <<<"$r")" = 400 ] || fail "invalid UTF-8 did not answer 400: $r"
[ "$(jq -r .reply <<<"$r" | jq -r .error.code)" = invalid_argument ] || fail "invalid UTF-8: $r"
peak=$(attack memory | jq .peak_mb)
python3 -c "import sys; sys.exit(0 if $peak <= $MAX_PEAK_MB else 1)" ||
  fail "agent peak memory ${peak} MB after the attacks (limit $MAX_PEAK_MB MB)"
r=$(attack quiet --requests 3)
[ "$(jq -c .statuses <<<"$r")" = "[200,200,200]" ] || fail "agent not serving after the attacks: $r"

# The same limits over SSH: `xcloud-agent rpc` answers an error and serves the next line.
config="$TMP/agents/h1/agent.yaml"
r=$(python3 "$ATTACKS" stdio nested --mb 16 --agent "$XCLOUD_AGENT" --config "$config")
[ "$(jq -r '.errors[0]' <<<"$r")" = "request: longer than 4194304 bytes" ] || fail "rpc: 16 MB line: $r"
[ "$(jq -r '.errors[1]' <<<"$r")" = null ] || fail "rpc: the line after a refused one was not served: $r"
python3 -c "import sys; sys.exit(0 if $(jq .peak_mb <<<"$r") <= $MAX_PEAK_MB else 1)" ||
  fail "rpc peak memory too high: $r"
r=$(python3 "$ATTACKS" stdio deep-small --agent "$XCLOUD_AGENT" --config "$config")
[ "$(jq -r '.errors[0]' <<<"$r")" = "request: JSON nested deeper than 64 levels" ] || fail "rpc: deep: $r"

# A private key readable by others stops the agent before it serves anything.
stop_agents
key="$pki/hosts/h1/agent.key"
chmod 644 "$key"
expect_status 1 "$XCLOUD_AGENT" serve --config "$config"
expect_contains "$TMP/err" "key $key has mode 0644: a private key must not be open to group or others"
echo "agent hostile clients: ok"
