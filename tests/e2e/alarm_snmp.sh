# SNMP traps for alarms (issue 17 item 5): an AlarmRoute receiver of type
# snmp sends an SNMPv2c trap through net-snmp's snmptrap to a real
# snmptrapd on loopback: a killed agent's host-unreachable arrives as the
# "fired" trap with the alarm's fields, and its clear, once the agent is
# back, as the "cleared" trap. A receiver with another address scheme is
# refused at validate.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
TRAPD=
trap '[ -z "$TRAPD" ] || kill "$TRAPD" 2>/dev/null; stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
command -v snmptrapd >/dev/null || fail "no snmptrapd (scripts/setup installs it)"

PORT=$(free_port)
printf 'authCommunity log xcloud\n' >"$TMP/snmptrapd.conf"
snmptrapd -f -C -c "$TMP/snmptrapd.conf" -On -Lf "$TMP/traps.log" -M /dev/null -m "" \
  "udp:127.0.0.1:$PORT" 2>"$TMP/snmptrapd.err" &
TRAPD=$!
for _ in $(seq 100); do grep -q "NET-SNMP version" "$TMP/traps.log" 2>/dev/null && break; sleep 0.05; done
grep -q "NET-SNMP version" "$TMP/traps.log" || fail "snmptrapd did not start: $(cat "$TMP/snmptrapd.err")"

ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
start_example_cloud "$M"
cat >"$M/route.yaml" <<YAML
apiVersion: xcloud/v1
kind: AlarmRoute
metadata: {name: noc}
spec:
  receivers:
    - {name: nms, type: snmp, address: "udp://127.0.0.1:$PORT", community: xcloud}
  route: {receiver: nms, groupWait: 0s, repeatInterval: 1h}
YAML
mkdir "$TMP/bad"
sed 's|udp://|tcp://|' "$M/route.yaml" >"$TMP/bad/route.yaml"
expect_status 2 ctl validate -f "$TMP/bad/route.yaml"
expect_contains "$TMP/err" "an snmp receiver's address is udp://HOST[:PORT]"
expect_status 0 ctl apply -f "$M"

kill "${AGENT_PIDS[2]}"
wait "${AGENT_PIDS[2]}" 2>/dev/null || true
expect_status 1 ctl heartbeat
expect_status 0 ctl alarms evaluate
expect_contains "$TMP/out" "host-unreachable host/kp-01 fired (critical)"
expect_contains "$TMP/out" "to noc/nms: sent"
E=1.3.6.1.4.1.32473.1
for _ in $(seq 50); do grep -q "$E.0.1" "$TMP/traps.log" && break; sleep 0.1; done
grep -q "$E.0.1" "$TMP/traps.log" || fail "no fired trap: $(cat "$TMP/traps.log")"
for field in '2 = STRING: "host-unreachable"' '3 = STRING: "host/kp-01"' '4 = STRING: "critical"' '5 = STRING: "firing"'; do
  grep -qF ".$E.1.$field" "$TMP/traps.log" || fail "the trap lacks $field: $(cat "$TMP/traps.log")"
done

# Back: the clear is its own trap.
start_agent kp-01 aarch64 64 256 "${ports[2]}" gpu
expect_status 0 ctl heartbeat
expect_status 0 ctl alarms evaluate
expect_contains "$TMP/out" "host-unreachable host/kp-01 cleared"
for _ in $(seq 50); do grep -q "$E.0.2" "$TMP/traps.log" && break; sleep 0.1; done
grep -q "$E.0.2" "$TMP/traps.log" || fail "no cleared trap: $(cat "$TMP/traps.log")"
grep -qF ".$E.1.5 = STRING: \"cleared\"" "$TMP/traps.log" || fail "the clear trap: $(cat "$TMP/traps.log")"
