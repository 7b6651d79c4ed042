# xcloudctl sla through the real binaries: the example cloud on three real
# agents (libvirt's test:/// driver); one metrics round; x86-02 put in
# maintenance and its agent killed and restarted (not an outage); then
# kp-01's agent killed, found unreachable by a heartbeat round, and started
# again. The
# month's SLA shows that outage for the system on kp-01 only, its
# availability below 99.99% (the month evaluated to an hour later, most of
# it unobserved and said so), general
# line 1 applied with the fine the tender's formula gives from the system's
# own bill, the unmeasured lines listed, and the same figures in every format.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
trap 'stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
PY=/usr/bin/python3

ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
start_example_cloud "$M"
expect_status 0 ctl apply -f "$M"
MONTH=$($PY -c 'import datetime; print(datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).strftime("%Y-%m"))')

# Usage errors.
expect_status 2 ctl sla
expect_status 2 ctl sla --month 2026-13
expect_contains "$TMP/err" "--month \"2026-13\": expected YYYY-MM"
expect_status 2 ctl sla --month 2026
expect_status 2 ctl sla --month "$MONTH" --service-months 0
expect_status 0 ctl sla --help
expect_contains "$TMP/out" "xcloudctl sla --month 2026-11"

# Before any outage: every system at 100%, nothing owed. Two metric rounds
# (the second stores rates) show the controller was watching.
expect_status 0 ctl collect
sleep 1
expect_status 0 ctl collect
expect_status 0 ctl sla --month "$MONTH" -o json
$PY - "$TMP/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["systems"], d
assert all(s["outageCount"] == 0 and s["availabilityPpm"] == 1000000 for s in d["systems"]), d
assert d["totalFineFen"] == 0, d
PY

# x86-02 in maintenance (its Host manifest), recorded by the heartbeat; its
# agent killed and started again: not an outage.
python3 - "$M/infrastructure.yaml" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
head, tail = text.split("name: x86-02", 1)
tail = tail.replace("  pool: erlonglu\n", "  pool: erlonglu\n  maintenance: true\n", 1)
open(path, "w").write(head + "name: x86-02" + tail)
PY
grep -q "maintenance: true" "$M/infrastructure.yaml" || fail "the maintenance edit did not apply"
expect_status 0 ctl apply -f "$M" --yes
expect_status 0 ctl heartbeat
expect_status 0 ctl events --host x86-02
expect_contains "$TMP/out" "host-maintenance"
bounce() {  # bounce INDEX NAME SECONDS: kill an agent, find it unreachable, start it again
  kill "${AGENT_PIDS[$1]}"
  wait "${AGENT_PIDS[$1]}" 2>/dev/null || true
  expect_status 1 ctl heartbeat
  sleep "$3"
  "$XCLOUD_AGENT" serve --config "$TMP/agents/$2/agent.yaml" 2>>"$TMP/agents/$2/agent.log" &
  AGENT_PIDS[$1]=$!
  for _ in $(seq 100); do ctl heartbeat >/dev/null 2>&1 && break; sleep 0.1; done
  expect_status 0 ctl heartbeat
}
bounce 1 x86-02 1

# kp-01 down between two heartbeat rounds, at least two seconds.
bounce 2 kp-01 2
expect_status 0 ctl events --host kp-01
expect_contains "$TMP/out" "host-ready"

# The month evaluated an hour from now: 2+ s down of about an hour.
LATER=$(($(date +%s%3N) + 3600 * 1000))
later() { XCLOUD_NOW_MS=$LATER ctl "$@"; }
expect_status 0 later sla --month "$MONTH" -o json
cp "$TMP/out" "$TMP/sla.json"
expect_status 0 later bill --month "$MONTH" --by system -o json
cp "$TMP/out" "$TMP/bill.json"
$PY - "$TMP/sla.json" "$TMP/bill.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
bill = json.load(open(sys.argv[2]))
down = [s for s in d["systems"] if s["outageCount"] > 0]
assert len(down) == 1, [(s["system"], s["outageCount"]) for s in d["systems"]]
s = down[0]
assert s["outages"][0]["cause"] == "host kp-01 unreachable", s["outages"]
assert not any("x86-02" in o["cause"] for x in d["systems"] for o in x["outages"]), d
assert 2000 <= s["downMs"] < 60000, s["downMs"]
assert s["downMs"] == s["longestOutageMs"] == s["outages"][0]["durationMs"], s
# Exactly: (service - down) / service, in millionths, rounded down.
assert s["availabilityPpm"] == (s["serviceMs"] - s["downMs"]) * 1000000 // s["serviceMs"], s
assert s["availabilityPpm"] < 999900, s
assert 0 < s["unobservedMs"] < s["serviceMs"], s  # one collect round watched a few minutes
# The fee is the system's own bill of the month; the fine is 50% of it, rounded once.
fee = sum(l["amount_fen"] for l in bill["lines"] if l["tenant"] == s["tenant"] and l["system"] == s["system"])
assert s["feeFen"] == fee, (s["feeFen"], fee)
assert [(p["table"], p["line"]) for p in s["penalties"]] == [("general", 1)], s["penalties"]
assert s["penalties"][0]["coefficientPercent"] == 50
assert s["fineFen"] == (fee * 50 + 50) // 100, (s["fineFen"], fee)
assert d["totalFineFen"] == s["fineFen"], d["totalFineFen"]
others = [x for x in d["systems"] if x is not s]
assert others and all(x["availabilityPpm"] == 1000000 for x in others), others
lines = {(l["table"], l["line"]) for l in d["notMeasured"]}
assert ("general", 4) in lines and ("serious", 3) in lines and ("general", 1) not in lines, lines
print("system", s["tenant"], s["system"], "down", s["downMs"], "ms, availability",
      s["availability"], "fee", fee, "fen, fine", s["fineFen"], "fen")
PY
SYSTEM=$($PY -c 'import json,sys; print([s["system"] for s in json.load(open(sys.argv[1]))["systems"] if s["outageCount"]][0])' "$TMP/sla.json")

# The table: the outage, the penalty line with its original text, the lines not measured.
expect_status 0 later sla --month "$MONTH"
expect_contains "$TMP/out" "Service level per business system 服务水平"
expect_contains "$TMP/out" "host kp-01 unreachable"
expect_contains "$TMP/out" "一般违约行为表 1 所提供的云服务可用性达不到 99.99%"
expect_contains "$TMP/out" "Penalty lines not measured by xcloud"
expect_contains "$TMP/out" "PLATFORM"
expect_contains "$TMP/out" "$SYSTEM"

# CSV and HTML carry the same tables.
expect_status 0 later sla --month "$MONTH" -o csv
grep -q "ef bb bf" <<<"$(head -c 3 "$TMP/out" | od -An -tx1)" || fail "the CSV has no BOM"
expect_contains "$TMP/out" "Incidents and alarms 故障与告警"
expect_contains "$TMP/out" "host kp-01 unreachable"
expect_status 0 later sla --month "$MONTH" -o html
expect_contains "$TMP/out" "<table"
expect_contains "$TMP/out" "host kp-01 unreachable"
expect_status 0 later sla --month "$MONTH" -o yaml
expect_contains "$TMP/out" "totalFineFen:"

# A month before anything ran: nothing declared, nothing owed.
expect_status 0 ctl sla --month 2020-01
expect_contains "$TMP/out" "No VM was declared running in 2020-01."
echo "ok"
