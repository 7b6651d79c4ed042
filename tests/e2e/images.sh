# Images keep their word (issue 11, item 8), through the real binaries on
# three test:/// hosts whose image directory holds real files: a wrong
# sha256 fails the disk's step on the host with both digests and nothing is
# created; the right one (and format: raw) applies. sizeGiB and URL sources
# are refused by validate (tests/data/invalid/92-*, 93-*).
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
trap 'stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }

IMG="$TMP/images"
mkdir -p "$IMG"
printf 'uos 20 base image\n' >"$IMG/uos-20-x86_64.qcow2"
printf 'kylin v10 raw image\n' >"$IMG/kylin-v10-sp3-aarch64.raw"
uos_sha=$(sha256sum "$IMG/uos-20-x86_64.qcow2" | cut -d' ' -f1)
kylin_sha=$(sha256sum "$IMG/kylin-v10-sp3-aarch64.raw" | cut -d' ' -f1)
wrong_sha=$(printf 'something else\n' | sha256sum | cut -d' ' -f1)

ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
export AGENT_EXTRA_YAML="imageDir: $IMG"
start_example_cloud "$M"
sed -i "s|  transport: tls|  transport: tls\n  imageDir: $IMG|" "$M/infrastructure.yaml"
sed -i "s|/var/lib/xcloud/images/kylin-v10-sp3-aarch64.qcow2|$IMG/kylin-v10-sp3-aarch64.raw\n  sha256: $wrong_sha|; s|/var/lib/xcloud/images/uos-20-x86_64.qcow2|$IMG/uos-20-x86_64.qcow2\n  sha256: $uos_sha|" "$M/images.yaml"
sed -i '0,/format: qcow2/s//format: raw/' "$M/images.yaml"
grep -q "format: raw" "$M/images.yaml" || fail "kylin is not raw: $(cat "$M/images.yaml")"
expect_status 0 ctl validate -f "$M"

# The wrong digest: the kylin VMs' steps fail on kp-01 with both digests; the uos VMs are created.
expect_status 1 ctl apply -f "$M"
expect_contains "$TMP/err" "image $IMG/kylin-v10-sp3-aarch64.raw: SHA-256 is $kylin_sha, the Image says $wrong_sha"
expect_status 0 ctl get vms -o json
python3 -c '
import json,sys
vms = {v["name"]: v for v in json.load(open(sys.argv[1]))}
assert vms["edu-portal-web-1"]["state"] == "running", vms
assert "health-records-app-1" not in vms or vms["health-records-app-1"]["state"] != "running", vms
' "$TMP/out" || fail "after a digest mismatch: $(cat "$TMP/out")"
expect_status 0 ctl audit list --object VirtualMachine/health/health-records-app-1 -o json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d[-1]["result"] == "error" and "SHA-256 is" in d[-1]["message"], d' "$TMP/out" ||
  fail "the failed step is not audited: $(cat "$TMP/out")"

# The right digest: everything applies (the raw image is the backing file of a qcow2 overlay).
sed -i "s|sha256: $wrong_sha|sha256: $kylin_sha|" "$M/images.yaml"
expect_status 0 ctl apply -f "$M"
expect_status 0 ctl diff -f "$M"
expect_status 0 ctl get vms health-records-app-1 -o json
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))[0]["state"] == "running"' "$TMP/out" ||
  fail "health-records-app-1 not running: $(cat "$TMP/out")"
