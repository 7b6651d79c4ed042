# xcloudctl report through the real binaries: apply the example cloud to three
# simulated hosts, resize one VM, then write the weekly and
# monthly reports in every format, load the HTML in headless Chromium (no
# console errors; the screenshots are kept as test artifacts) and mail them
# through a real SMTP server (aiosmtpd) on loopback.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
SINK_PID=""
trap 'stop_agents; [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
PY=/usr/bin/python3
SUPPORT="$XC_SOURCE_DIR/tests/support"
ARTIFACTS=${XC_ARTIFACT_DIR:-$TMP/artifacts}
mkdir -p "$ARTIFACTS"

ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
start_example_cloud "$M" legacy
expect_status 0 ctl apply -f "$M"
# A resize: student-registry-app-1 from 2 to 4 vCPU.
sed -i '0,/cpus: 2/s//cpus: 4/' "$M/vms.yaml"
grep -q "cpus: 2" "$M/vms.yaml" && fail "the resize edit did not apply"
expect_status 0 ctl apply -f "$M" --allow-restart --yes

# Metrics (two rounds: the second stores rates) and an outage: kp-01's agent
# killed, found unreachable by a heartbeat, started again, found ready.
expect_status 0 ctl collect
sleep 1
expect_status 0 ctl collect
kill "${AGENT_PIDS[2]}"
wait "${AGENT_PIDS[2]}" 2>/dev/null || true
expect_status 1 ctl heartbeat
sleep 1
"$XCLOUD_AGENT" serve --config "$TMP/agents/kp-01/agent.yaml" 2>>"$TMP/agents/kp-01/agent.log" &
AGENT_PIDS+=($!)
for _ in $(seq 100); do ctl heartbeat >/dev/null 2>&1 && break; sleep 0.1; done
expect_status 0 ctl heartbeat

# This week and month (Asia/Shanghai), and "now" a week later so that the
# reports of both are complete.
read -r WEEK MONTH NOW < <($PY -c '
import datetime, time
tz = datetime.timezone(datetime.timedelta(hours=8))
now = datetime.datetime.now(tz)
y, w, _ = now.isocalendar()
print("%d-W%02d" % (y, w), now.strftime("%Y-%m"), int(time.time() * 1000) + 7 * 86400 * 1000)')
export XCLOUD_NOW_MS=$NOW

# Markdown (the default): the sections, the resize counted.
expect_status 0 ctl report weekly --week "$WEEK"
expect_contains "$TMP/out" "# xcloud weekly report $WEEK"
expect_contains "$TMP/out" "## VM changes per tenant and business system"
expect_contains "$TMP/out" "## Capacity by pool and zone"
expect_contains "$TMP/out" "## Allocation per tenant and business system"
expect_contains "$TMP/out" "| Allocation as of |"
expect_contains "$TMP/out" "## Top 10 tenants by cost"
expect_contains "$TMP/out" "| education 教育局 | edu-portal |"

# JSON: the figures agree with what was applied and with `bill`.
expect_status 0 ctl report weekly --week "$WEEK" -o json
cp "$TMP/out" "$TMP/weekly.json"
$PY - "$TMP/weekly.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
assert r["report"] == "weekly", r["report"]
total = r["changes"]["total"]
assert total["created"] == 6, total
assert total["resized"] == 1, total
assert r["allocation"]["total"]["vms"] == 6, r["allocation"]["total"]
assert r["allocation"]["total"]["vcpu"] == 32, r["allocation"]["total"]
assert len(r["allocation"]["series"]) == 8, len(r["allocation"]["series"])
cost = r["cost"]
assert "error" not in cost, cost
assert cost["total_fen"] > 0 and sum(l["amount_fen"] for l in cost["lines"]) == cost["total_fen"], cost
tops = [t["amount_fen"] for t in cost["top_tenants"]]
assert tops == sorted(tops, reverse=True) and len(tops) == 3, tops
pools = [c for c in r["capacity"]["rows"] if c["scope"] == "pool"]
assert sorted(p["name"] for p in pools) == ["erlonglu", "tianning1"], pools
assert sum(p["vcpu"]["allocated"] for p in pools) == 32, pools
# Efficiency from the collected metrics: every system with VMs, its vCPUs those applied.
eff = {(e["tenant"], e["system"]): e for e in r["efficiency"]}
assert eff, r["efficiency"]
assert sum(e["vcpus"] for e in eff.values()) == 32, eff
assert all(0 <= e["cpu_avg_permille"] <= e["cpu_peak_permille"] for e in eff.values()), eff
assert all(e["memory_mib"] > 0 for e in eff.values()), eff
PY
expect_status 0 ctl report weekly --week "$WEEK"
expect_contains "$TMP/out" "## Cloud efficiency per business system"
expect_contains "$TMP/out" "## Capacity and forecast per pool"

# The monthly report: the outage as an incident, the service level from it.
expect_status 0 ctl report monthly --month "$MONTH" -o json
$PY - "$TMP/out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
inc = r["incidents"]
assert inc["collected"] is True, inc
assert [i["cause"] for i in inc["items"]] == ["host kp-01 unreachable"], inc
i = inc["items"][0]
assert 1000 <= i["to_ms"] - i["from_ms"] < 60000, i
sl = r["service_level"]
down = [s for s in sl["systems"] if s["outages"]]
assert len(down) == 1 and down[0]["down_ms"] == i["to_ms"] - i["from_ms"], sl
assert down[0]["availability_ppm"] < 1000000, down
assert sl["platform_availability_ppm"] < 1000000, sl
PY
expect_status 0 ctl report monthly --month "$MONTH"
expect_contains "$TMP/out" "## Service level per business system · 服务水平"
expect_contains "$TMP/out" "host kp-01 unreachable"
expect_contains "$TMP/out" "## Penalty lines not measured by xcloud"

# CSV: BOM, CRLF, Chinese titles intact.
expect_status 0 ctl report monthly --month "$MONTH" -o csv --out "$TMP/monthly.csv"
$PY - "$TMP/monthly.csv" <<'PY'
import sys
raw = open(sys.argv[1], "rb").read()
assert raw.startswith(b"\xef\xbb\xbf"), raw[:10]
text = raw[3:].decode("utf-8")
assert "\r\n" in text and "\n" not in text.replace("\r\n", ""), "bare LF"
assert "部门费用" in text and "Incidents and alarms 故障与告警" in text, text[:400]
assert "host kp-01 unreachable" in text, "the CSV has no incident"
PY

# HTML in headless Chromium: no console errors, charts and tables drawn.
for kind in weekly monthly; do
  period=$WEEK
  [ "$kind" = monthly ] && period=$MONTH
  flag=--week
  [ "$kind" = monthly ] && flag=--month
  expect_status 0 ctl report "$kind" "$flag" "$period" -o html --out "$TMP/$kind.html"
  expect_status 0 "$PY" "$SUPPORT/html_check.py" "$TMP/$kind.html" --screenshot "$ARTIFACTS/report-$kind.png"
  $PY - "$TMP/out" "$kind" <<'PY'
import json, sys
info = [l for l in open(sys.argv[1], encoding="utf-8") if l.startswith("INFO ")]
assert info, "html_check printed no INFO line"
page = json.loads(info[0][5:])
assert page["svg"] == 4, page
assert page["tables"] >= (5 if sys.argv[2] == "weekly" else 8), page
assert "周报" in page["title"] or "月报" in page["title"], page
PY
  [ "$(head -c 8 "$ARTIFACTS/report-$kind.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
    fail "report-$kind.png is not a PNG"
done
cp "$TMP/weekly.html" "$ARTIFACTS/report-weekly.html"

# Mail through a real SMTP server: recipients, subject, the HTML body and
# both attachments, identical to what -o html and -o csv write.
MAIL="$TMP/mail"
mkdir -p "$MAIL"
$PY "$SUPPORT/smtp_sink.py" "$MAIL" >"$TMP/sink.port" &
SINK_PID=$!
for _ in $(seq 100); do [ -s "$TMP/sink.port" ] && break; sleep 0.1; done
SMTP_PORT=$(head -n1 "$TMP/sink.port")
[ -n "$SMTP_PORT" ] || fail "the SMTP sink did not start"
expect_status 0 ctl report weekly --week "$WEEK" --mail-to "ops@bureau.example,finance@bureau.example" \
  --smtp "smtp://127.0.0.1:$SMTP_PORT" --mail-from reports@bureau.example
expect_contains "$TMP/err" "Mailed xcloud weekly report $WEEK to ops@bureau.example, finance@bureau.example"
[ ! -s "$TMP/out" ] || fail "with --mail-to and no -o the report is not printed: $(head -3 "$TMP/out")"
for _ in $(seq 50); do [ -f "$MAIL/001.json" ] && break; sleep 0.1; done
[ -f "$MAIL/001.json" ] || fail "the SMTP server received nothing"
ctl report weekly --week "$WEEK" -o csv >"$TMP/weekly.csv"
$PY "$SUPPORT/mail_inspect.py" "$MAIL/001.eml" >"$TMP/inspect.json"
$PY - "$MAIL/001.json" "$TMP/inspect.json" "$TMP/weekly.html" "$TMP/weekly.csv" "$WEEK" <<'PY'
import hashlib, json, sys
envelope = json.load(open(sys.argv[1]))
mail = json.load(open(sys.argv[2]))
html = open(sys.argv[3], "rb").read()
csv = open(sys.argv[4], "rb").read()
week = sys.argv[5]
assert envelope["mail_from"] == "reports@bureau.example", envelope
assert sorted(envelope["rcpt_tos"]) == ["finance@bureau.example", "ops@bureau.example"], envelope
assert mail["subject"] == "xcloud weekly report %s 周报" % week, mail["subject"]
assert "ops@bureau.example" in mail["to"] and "finance@bureau.example" in mail["to"], mail["to"]
parts = {p["content_type"]: p for p in mail["parts"] if not p["content_type"].startswith("multipart/")}
body = [p for p in mail["parts"] if p["content_type"] == "text/html" and not p["filename"]]
assert len(body) == 1, mail["parts"]
assert "<table" in body[0]["text"] and "<svg" not in body[0]["text"], body[0]["text"][:300]
assert "Capacity by pool and zone" in body[0]["text"]
files = {p["filename"]: p for p in mail["parts"] if p["filename"]}
base = "xcloud-weekly-" + week
assert set(files) == {base + ".html", base + ".csv"}, files.keys()
assert files[base + ".html"]["sha256"] == hashlib.sha256(html).hexdigest(), "HTML attachment differs"
assert files[base + ".csv"]["sha256"] == hashlib.sha256(csv).hexdigest(), "CSV attachment differs"
assert files[base + ".csv"]["content_type"] == "text/csv"
PY

# Mail options are checked before any work: exit 2, nothing sent.
expect_status 2 ctl report weekly --mail-to ops@bureau.example
expect_contains "$TMP/err" "--mail-to needs --smtp smtp://HOST:PORT"
expect_status 2 ctl report weekly --mail-to "ops@bureau.example, not-an-address" --smtp "smtp://127.0.0.1:$SMTP_PORT"
expect_contains "$TMP/err" "not-an-address"
expect_status 2 ctl report weekly --week 2026-W60
expect_contains "$TMP/err" "week \"2026-W60\""
[ ! -f "$MAIL/002.json" ] || fail "a refused command sent mail"
# A server that is not there: exit 1, the URL named.
expect_status 1 ctl report monthly --month "$MONTH" --mail-to ops@bureau.example --smtp "smtp://127.0.0.1:$(free_port)"
expect_contains "$TMP/err" "mail to smtp://127.0.0.1:"
echo "report: ok (artifacts in $ARTIFACTS)"
