# xcloudctl image push through the real binaries (issue 16, item 4): an
# imported image reaches a simulated host's image directory over mTLS as
# <sha256>.qcow2, byte for byte; a second push sends nothing; bytes that do
# not have the digest they are named by are refused by the agent and not kept.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
trap 'stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }

HOST_IMAGES="$TMP/host-images"
ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
export AGENT_EXTRA_YAML="imageDir: $HOST_IMAGES"
start_example_cloud "$M"
expect_status 0 ctl apply -f "$M/infrastructure.yaml"

qemu-img create -q -f vmdk "$TMP/disk.vmdk" 8M
qemu-io -f vmdk -c 'write -P 0x7e 1M 1M' "$TMP/disk.vmdk" >/dev/null
expect_status 0 ctl image import "$TMP/disk.vmdk" --name oa-server --os 'Kylin V10'
expect_contains "$TMP/out" "xcloudctl image push oa-server --host HOST"
sha=$(ctl get images oa-server -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["spec"]["sha256"])')

expect_status 0 ctl image push oa-server --host x86-01
expect_contains "$TMP/out" "image oa-server on x86-01: sent and verified"
[ -f "$HOST_IMAGES/$sha.qcow2" ] || fail "not on the host: $(ls -la "$HOST_IMAGES")"
[ "$(sha256sum "$HOST_IMAGES/$sha.qcow2" | cut -d' ' -f1)" = "$sha" ] || fail "the host's copy differs"
[ ! -e "$HOST_IMAGES/$sha.qcow2.part" ] || fail "a part file was left"
expect_status 0 ctl image push oa-server --host x86-01
expect_contains "$TMP/out" "image oa-server on x86-01: already there"
expect_status 0 ctl audit list --object Image/oa-server -o json
python3 -c '
import json,sys
d = [r for r in json.load(open(sys.argv[1])) if r["action"] == "push"]
assert len(d) == 2 and d[0]["message"].endswith("(sent)") and d[1]["message"].endswith("(already there)"), d
' "$TMP/out" || fail "pushes not audited: $(cat "$TMP/out")"

# Bytes that are not the named image: the agent refuses them and keeps nothing.
fake=$(printf 'x%.0s' $(seq 64) | tr x a)
agent_rpc "${ports[1]}" image.write "{\"sha256\":\"$fake\",\"offset\":0,\"data\":\"$(printf 'not the image' | base64)\"}" >"$TMP/rpc"
agent_rpc "${ports[1]}" image.commit "{\"sha256\":\"$fake\",\"size\":13}" >"$TMP/rpc"
expect_contains "$TMP/rpc" "expected 13 bytes, sha256 $fake"
[ ! -e "$HOST_IMAGES/$fake.qcow2" ] && [ ! -e "$HOST_IMAGES/$fake.qcow2.part" ] ||
  fail "a file with the wrong digest was kept: $(ls -la "$HOST_IMAGES")"
# A name that is not a digest never becomes a path.
agent_rpc "${ports[1]}" image.write '{"sha256":"../../etc/passwd","offset":0,"data":""}' >"$TMP/rpc"
expect_contains "$TMP/rpc" "invalid"

expect_status 2 ctl image push no-such --host x86-01
expect_status 2 ctl image push oa-server --host no-such-host
echo "image push: ok"
