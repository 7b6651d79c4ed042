# Metrics through the real binaries: three real agents over mutual TLS on
# libvirt's test:/// driver (whose CPU counters grow with the wall clock, one
# core per running domain). `collect` twice, then `top vms|hosts` shows the
# VMs with sane figures in every output format; a dead agent makes collect
# exit 1 while the others are stored; the agent's GET /metrics, fetched with
# the controller's client certificate, passes `promtool check metrics`.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
trap 'stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
json_check() {  # json_check PYTHON-EXPRESSION-OVER-d: asserts it on $TMP/out
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert ($1), d" "$TMP/out" || fail "json check failed: $1"
}

ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
start_example_cloud "$M" legacy
expect_status 0 ctl apply -f "$M"
VMS=$(ctl get vms -o json | python3 -c "import json,sys; print(len([v for v in json.load(sys.stdin) if v['state']=='running']))")
[ "$VMS" -gt 0 ] || fail "no running VMs after apply"

# Nothing collected yet: an empty answer that says why.
expect_status 0 ctl top vms
expect_contains "$TMP/out" "has \`xcloudctl collect\` run twice?"

# The first round reads counters; the second stores rates.
expect_status 0 ctl collect
expect_contains "$TMP/out" "3 of 3 hosts collected"
expect_contains "$TMP/out" "x86-01"
sleep 1
expect_status 0 ctl collect -o json
json_check 'all(h["ok"] for h in d["hosts"]) and sum(h["rated"] for h in d["hosts"]) == '"$VMS"

expect_status 0 ctl top vms --by cpu
expect_contains "$TMP/out" "NAME"
expect_contains "$TMP/out" "CPU%"
expect_contains "$TMP/out" "edu-portal-web-1"
expect_status 0 ctl top vms --by cpu -n 0 -o json
json_check 'd["source"] == "raw" and d["by"] == "cpu" and len(d["items"]) == '"$VMS"
# One core each (the driver's clock), memory as declared, one sample.
json_check 'all(0.8 <= i["cpuCores"]["avg"] <= 1.2 and i["vcpus"] >= 1 and i["memoryMiB"] > 0 and i["samples"] == 1 for i in d["items"])'
json_check 'all(i["readIops"]["avg"] >= 0 and i["netRxBytesPerSecond"]["avg"] >= 0 for i in d["items"])'
# Ranked by CPU share: fewer vCPUs first.
json_check '[i["cpuCores"]["avg"] / i["vcpus"] for i in d["items"]] == sorted([i["cpuCores"]["avg"] / i["vcpus"] for i in d["items"]], reverse=True)'
expect_status 0 ctl top vms --by memory --tenant education -n 2 -o yaml
expect_contains "$TMP/out" "tenant: education"
[ "$(grep -c '^  - name:\|^- name:' "$TMP/out")" -le 2 ] || fail "-n 2 printed more than 2 rows: $(cat "$TMP/out")"
expect_status 0 ctl top hosts --by cpu -o wide
expect_contains "$TMP/out" "POOL-USED"
expect_contains "$TMP/out" "kp-01"
expect_status 0 ctl top vms --since 7d -o json
json_check 'd["source"] == "hourly-rollups"'

# Usage errors are exit 2 with the reason.
expect_status 2 ctl top hosts --tenant education
expect_contains "$TMP/err" "--tenant applies to VMs only"
expect_status 2 ctl top vms --since 2x
expect_contains "$TMP/err" "--since: '2x': expected a duration"
expect_status 2 ctl top vms --by disk
expect_status 2 ctl top vms --tenant eduction
expect_contains "$TMP/err" "(did you mean 'education'?)"
expect_status 2 ctl top vms --since 0s

# Prometheus text format at /metrics, with the controller's client certificate.
PKI="$TMP/state/pki"
curl -sf --cacert "$PKI/ca.crt" --cert "$PKI/controller.crt" --key "$PKI/controller.key" \
  "https://127.0.0.1:${ports[0]}/metrics" >"$TMP/metrics.txt" || fail "GET /metrics failed"
promtool check metrics <"$TMP/metrics.txt" || fail "promtool check metrics: $(promtool check metrics <"$TMP/metrics.txt" 2>&1)"
expect_contains "$TMP/metrics.txt" "# TYPE xcloud_vm_cpu_seconds_total counter"
expect_contains "$TMP/metrics.txt" 'tenant="education",vm="edu-portal-'
expect_contains "$TMP/metrics.txt" 'xcloud_vm_running{domain="legacy-erp",tenant="",vm=""} 1'
expect_contains "$TMP/metrics.txt" "xcloud_host_cpus 32"
# Without a client certificate the agent does not answer.
if curl -sf --cacert "$PKI/ca.crt" "https://127.0.0.1:${ports[0]}/metrics" >/dev/null 2>&1; then
  fail "GET /metrics answered a client without a certificate"
fi

# A dead agent: collect says which host failed and exits 1; the rest is stored.
kill "${AGENT_PIDS[1]}"
wait "${AGENT_PIDS[1]}" 2>/dev/null || true
sleep 1
expect_status 1 ctl collect
expect_contains "$TMP/out" "failed: "
expect_contains "$TMP/out" "2 of 3 hosts collected"
expect_status 0 ctl top vms -n 0 -o json
json_check 'max(i["samples"] for i in d["items"]) == 2'
echo "metrics e2e: ok"
