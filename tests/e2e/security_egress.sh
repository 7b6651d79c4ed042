# Security group egress rules through the real binaries on simulated hosts
# (libvirt's test:/// driver has no network filters: the agent answers with the
# filter it would define): validate refuses `from` in an egress rule; adding
# egress rules (and removing them) re-ensures the group on the hosts of its
# VMs and touches no VM; the agent turns egress into outbound accepts and a
# drop, and a group without egress gets no outbound rule. The params the
# controller sends are checked in tests/ctl/reconcile. The packet filter itself
# is tested on the real libvirtd (tests/system/nic_filters.py).
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
trap 'stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }

ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
start_example_cloud "$M"

expect_status 0 ctl apply -f "$M"
expect_status 0 ctl diff -f "$M"

# `from` in an egress rule (accepted and ignored before) is refused: egress names its destination.
cp "$M/networks.yaml" "$TMP/networks.yaml.orig"
sed -i 's|^\(    - {protocol: tcp, ports: 22, from: 10.0.0.0/8, description: SSH from the internal network}\)$|\1\n  egress:\n    - {protocol: udp, ports: 53, from: 10.20.1.1/32}|' "$M/networks.yaml"
grep -q "from: 10.20.1.1/32" "$M/networks.yaml" || fail "could not add an egress rule to $(cat "$M/networks.yaml")"
expect_status 2 ctl validate -f "$M"
expect_contains "$TMP/err" "networks.yaml:"
expect_contains "$TMP/err" "error: unknown field 'from' in SecurityGroup spec.egress[0]"

# With `to` (and a peer group), the group changes on the hosts of its VMs, and only it.
sed -i 's|    - {protocol: udp, ports: 53, from: 10.20.1.1/32}|    - {protocol: udp, ports: 53, to: 10.20.1.1/32}\n    - {protocol: tcp, ports: 443, group: web}|' "$M/networks.yaml"
expect_status 0 ctl validate -f "$M"
expect_status 1 ctl diff -f "$M"
expect_contains "$TMP/out" "ensure-securitygroup SecurityGroup education/web on x86-0"
grep -q "VirtualMachine" "$TMP/out" && fail "an egress change touches no VM: $(cat "$TMP/out")"
expect_contains "$TMP/out" "ensure-securitygroup SecurityGroup education/web on x86-01 (rules changed)"
expect_status 0 ctl apply -f "$M"
expect_status 0 ctl diff -f "$M"

# The agent's filter for such a group: outbound accepts, then the outbound drop.
r=$(agent_rpc "${ports[0]}" securitygroup.ensure '{"tenant":"education","name":"web","ingress":[{"protocol":"tcp","from":"10.0.0.0/8","port_from":22}],"egress":[{"protocol":"udp","to":"10.20.1.1","port_from":53}]}')
python3 - "$r" <<'PY'
import json, sys
result = json.loads(sys.argv[1])["result"]
assert result["applied"] is False and result["filter"] == "xcsg-education.web", result
xml = result["xml"]
assert '<rule action="accept" direction="out" priority="500"><udp dstipaddr="10.20.1.1" dstipmask="32" dstportstart="53" dstportend="53"/></rule>' in xml, xml
assert '<rule action="drop" direction="out" priority="1000"><all state="NEW,INVALID"/></rule>' in xml, xml
assert '<rule action="drop" direction="out" priority="1000"><all-ipv6 state="NEW,INVALID"/></rule>' in xml, xml
PY
# Without egress: no outbound rule at all.
r=$(agent_rpc "${ports[0]}" securitygroup.ensure '{"tenant":"education","name":"web","ingress":[]}')
python3 -c 'import json,sys; x=json.loads(sys.argv[1])["result"]["xml"]; assert "direction=\"out\"" not in x, x' "$r"
# A malformed egress rule is refused with its position.
r=$(agent_rpc "${ports[0]}" securitygroup.ensure '{"tenant":"education","name":"web","egress":[{"to":"10.0.0.1/8"}]}')
python3 -c 'import json,sys; e=json.loads(sys.argv[1])["error"]; assert "egress[0].to: expected an address or a CIDR network" in e["message"], e' "$r"

# Back to no egress rules: the group changes again and outbound is open.
cp "$TMP/networks.yaml.orig" "$M/networks.yaml"
expect_status 1 ctl diff -f "$M"
expect_contains "$TMP/out" "ensure-securitygroup SecurityGroup education/web on x86-0"
expect_status 0 ctl apply -f "$M"
expect_status 0 ctl diff -f "$M"
echo "security egress: ok"
