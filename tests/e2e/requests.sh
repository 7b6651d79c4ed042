# Approvals (issue 17 item 4): a ServiceOffering is applied; tenant users
# request VMs from it through the controller's socket; a request that needs
# approval changes nothing until the offering's approver (another operator:
# never the requester) approves it, and then it is applied as `apply` would
# (quota, IPAM, placement) on simulated hosts; reject, cancel, a request over
# quota failing with the reason, an offering without approval, a delete, the
# VM surviving the operators' next apply --prune, every step audited with its
# actor and the week's requests in the weekly report. Runs as root (setpriv).
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
source "$(dirname "$0")/../support/operator_socket.sh"
py() { python3 -c "$1" "$TMP/out" || fail "$2: $(cat "$TMP/out")"; }

ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
start_example_cloud "$M"
cat >"$M/offerings.yaml" <<'YAML'
apiVersion: xcloud/v1
kind: ServiceOffering
metadata: {name: edu-standard}
spec:
  tenants: [education]
  sizes:
    - {name: small, cpus: 2, memoryGiB: 4, diskGiB: 40}
    - {name: huge, cpus: 60, memoryGiB: 64, diskGiB: 100}
  images: [uos-20]
  network: app
  approval: required
  approver: tenant-admin
---
apiVersion: xcloud/v1
kind: ServiceOffering
metadata: {name: edu-quick}
spec:
  tenants: [education]
  sizes:
    - {name: tiny, cpus: 1, memoryGiB: 1, diskGiB: 10}
    - {name: wider, cpus: 2, memoryGiB: 2, diskGiB: 12}
  images: [uos-20]
  approval: none
YAML
expect_status 0 ctl validate -f "$M"
expect_status 0 ctl apply -f "$M"
expect_status 0 ctl get serviceofferings
expect_contains "$TMP/out" "edu-standard"
# A bad offering: FILE:LINE:COL, nothing applied.
mkdir "$TMP/bad" && cat >"$TMP/bad/offering.yaml" <<'YAML'
apiVersion: xcloud/v1
kind: ServiceOffering
metadata: {name: edu-bad}
spec:
  tenants: [education]
  sizes: [{name: tiny, cpus: 1, memoryGiB: 1, diskGiB: 10}]
  images: [uos-2]
  approval: required
YAML
expect_status 2 ctl validate -f "$M" -f "$TMP/bad"
expect_contains "$TMP/err" "bad/offering.yaml:7:12: error: unknown image 'uos-2' (did you mean 'uos-20'?)"
expect_contains "$TMP/err" "bad/offering.yaml:8:13: error: field spec.approver is required with approval: required"

share_tmp
# Operators: liwei a tenant user, wang and zhang tenant admins of education,
# sam a sysadmin (nobody=65534, daemon=1, bin=2, sys=3).
add_user liwei --role tenant-user --tenant education --os-user nobody
add_user wang --role tenant-admin --tenant education --os-user daemon
add_user zhang --role tenant-admin --tenant education --os-user bin
add_user sam --role sysadmin --os-user sys
start_operator_socket
for u in 65534:liwei 1:wang 2:zhang 3:sam; do
  expect_status 0 as "${u%%:*}" login --code "$(totp "$(secret_of "${u#*:}")")"
done
ctl get vms -o json >"$TMP/vms-before.json"

# A request that needs approval stays pending and changes nothing.
expect_status 0 as 65534 request create --offering edu-standard --size small --image uos-20 \
  --name req-web-1 --system edu-portal --comment "new portal node"
expect_contains "$TMP/out" "request 1 created: create VirtualMachine education/req-web-1, pending approval by a tenant-admin"
ctl get vms -o json >"$TMP/vms-pending.json"
cmp -s "$TMP/vms-before.json" "$TMP/vms-pending.json" || fail "a pending request changed the VMs"
expect_status 2 as 65534 request create --offering edu-standard --size smal --image uos-20 --name x1
expect_contains "$TMP/err" "did you mean 'small'?"
expect_status 77 as 65534 request create --offering edu-standard --size small --image uos-20 --name x2 --tenant health
expect_contains "$TMP/err" "liwei acts only inside tenant education, not health"
expect_status 2 as 65534 request create --offering edu-standard --size small --image uos-20 --name x3 --system 'a;b'
expect_contains "$TMP/err" "--system: \"a;b\": expected a lowercase DNS label"

# Who approves: not the tenant user (class), not a sysadmin (the offering
# names tenant-admin), never the requester (separation of duties).
expect_status 77 as 65534 request approve 1
expect_contains "$TMP/err" '"request approve" (approve) is not allowed to liwei (tenant-user)'
expect_status 77 as 3 request approve 1
expect_contains "$TMP/err" "request 1 is approved by a tenant-admin; sam is sysadmin"
expect_status 0 as 1 request create --offering edu-standard --size small --image uos-20 --name req-own
expect_contains "$TMP/out" "request 2 created"
expect_status 77 as 1 request approve 2
expect_contains "$TMP/err" "separation of duties: wang made request 2 and may not approve or reject it"
expect_status 0 as 1 request show 1 -o json
py 'import json,sys; r=json.load(open(sys.argv[1])); assert r["state"]=="pending" and r["requester"]=="liwei", r' "request 1 is not pending"

# The right approver: the VM is created as apply would create it.
expect_status 0 as 1 request approve 1 --comment CHG-31
expect_contains "$TMP/out" "request 1 approved by wang"
expect_contains "$TMP/out" "request 1 applied: create VirtualMachine education/req-web-1 on"
expect_status 0 ctl get vms -o json
py 'import json,sys; v=[x for x in json.load(open(sys.argv[1])) if x["name"]=="req-web-1"]; assert len(v)==1 and v[0]["tenant"]=="education" and v[0]["state"]=="running" and v[0]["origin"]=="request/1", v' "get vms does not show req-web-1 running"
expect_status 0 ctl get vms -o wide
expect_contains "$TMP/out" "10.20.1."
expect_status 0 ctl bill --month "$(TZ=Asia/Shanghai date +%Y-%m)" --by vm -o json
grep -q '"req-web-1"' "$TMP/out" || fail "req-web-1 is not metered: $(cat "$TMP/out")"
expect_status 0 ctl audit list --object Request/education/1 -o json
py 'import json,sys; r=json.load(open(sys.argv[1])); s=[(x["action"], x["actor"], x["result"]) for x in r]; assert s==[("create","liwei","ok"),("approve","sam","error"),("approve","wang","ok"),("applied","wang","ok")], s' "request 1's steps (and the refused approval) are not audited with their actors"
expect_status 0 ctl audit list --object VirtualMachine/education/req-web-1 -o json
py 'import json,sys; r=json.load(open(sys.argv[1])); assert [(x["action"], x["actor"], x["result"]) for x in r]==[("create","wang","ok")], r' "the VM's creation is not audited as wang"
expect_status 1 as 2 request approve 1
expect_contains "$TMP/err" "request 1 is applied; only a pending request can be approved"

# The operators' manifests do not declare it: apply and apply --prune keep it.
expect_status 0 ctl apply -f "$M" --prune --yes
expect_status 0 ctl get vms -o json
py 'import json,sys; assert any(x["name"]=="req-web-1" for x in json.load(open(sys.argv[1])))' "apply --prune deleted the requested VM"

# Reject and cancel.
expect_status 0 as 2 request reject 2 --comment "duplicate"
expect_contains "$TMP/out" "request 2 rejected by zhang"
expect_status 0 as 65534 request create --offering edu-standard --size small --image uos-20 --name req-web-3
expect_status 77 as 1 request cancel 3
expect_contains "$TMP/err" "only its requester liwei may cancel request 3"
expect_status 0 as 65534 request cancel 3
expect_contains "$TMP/out" "request 3 cancelled by liwei"
expect_status 1 as 1 request approve 3
expect_contains "$TMP/err" "request 3 is cancelled; only a pending request can be approved"

# Over quota: approved, then failed with the reason; nothing created.
expect_status 0 as 65534 request create --offering edu-standard --size huge --image uos-20 --name req-big
expect_status 1 as 1 request approve 4
expect_contains "$TMP/err" "request 4 failed: tenant education: quota exceeded for vcpu"
expect_status 0 ctl request show 4 -o json
py 'import json,sys; r=json.load(open(sys.argv[1])); assert r["state"]=="failed" and "quota exceeded for vcpu" in r["reason"], r' "request 4 is not failed with its reason"
expect_status 0 ctl get vms
grep -q req-big "$TMP/out" && fail "an over-quota request created its VM"

# An offering without approval is applied at once.
expect_status 0 as 65534 request create --offering edu-quick --size tiny --image uos-20 --name req-tiny
expect_contains "$TMP/out" "request 5 applied: create VirtualMachine education/req-tiny on"

# A delete destroys data: the approver consents with --yes.
expect_status 0 as 65534 request create --delete req-web-1
expect_contains "$TMP/out" "request 6 created: delete VirtualMachine education/req-web-1 (destroys 40 GiB), pending approval by a tenant-admin"
expect_status 1 as 1 request approve 6
expect_contains "$TMP/err" "destroys 40 GiB"
expect_status 0 as 1 request approve 6 --yes
expect_contains "$TMP/out" "request 6 applied: delete VirtualMachine education/req-web-1"
expect_status 0 ctl get vms
grep -q req-web-1 "$TMP/out" && fail "the approved delete left req-web-1"
expect_status 2 as 65534 request create --delete edu-portal-web-1
expect_contains "$TMP/err" "is declared in manifests"

# A resize from an offering without approval; disks never shrink.
expect_status 0 as 65534 request create --resize req-tiny --size wider
expect_contains "$TMP/out" "request 7 applied: resize VirtualMachine education/req-tiny"
expect_status 0 ctl get vms -o json
py 'import json,sys; v=[x for x in json.load(open(sys.argv[1])) if x["name"]=="req-tiny"]; assert len(v)==1 and v[0]["cpus"]==2 and v[0]["memoryMiB"]==2048, v' "req-tiny was not resized"
expect_status 2 as 65534 request create --resize req-tiny --size tiny
expect_contains "$TMP/err" "its root disk of 10 GiB is smaller than VirtualMachine education/req-tiny's 12 GiB; disks never shrink"

# Lists: a tenant user sees their tenant's; the weekly report has the week's.
expect_status 0 as 65534 request list -o json
py 'import json,sys; r={x["id"]: x["state"] for x in json.load(open(sys.argv[1]))}; assert r=={1:"applied",2:"rejected",3:"cancelled",4:"failed",5:"applied",6:"applied",7:"applied"}, r' "request list"
expect_status 0 ctl report weekly --week "$(TZ=Asia/Shanghai date +%G-W%V)" -o json
py 'import json,sys; r=json.load(open(sys.argv[1]))["requests"]; assert [(x["id"], x["state"]) for x in r]==[(1,"applied"),(2,"rejected"),(3,"cancelled"),(4,"failed"),(5,"applied"),(6,"applied"),(7,"applied")], r' "the weekly report's requests"
expect_status 0 ctl report weekly --week "$(TZ=Asia/Shanghai date +%G-W%V)"
expect_contains "$TMP/out" "Requests and their outcome"
echo "requests: ok"
