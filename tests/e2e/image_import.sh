# xcloudctl image import through the real binary and the real qemu-img
# (issue 16, item 4): VMDK, VHD, VHDX, qcow2 and raw disks made here with
# qemu-img and written by qemu-io are converted to qcow2 whose content equals
# the source's; the format comes from the header, not the name; bad files
# are refused with a clear error and nothing is registered or stored.
source "$(dirname "$0")/../support/e2e.sh"
STATE="$TMP/state/state.db"
STORE="$TMP/state/images"
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
raw_digest() { qemu-img convert -f "$2" -O raw "$1" "$TMP/raw.tmp" && sha256sum "$TMP/raw.tmp" | cut -d' ' -f1; }
count_images() { ctl get images -o json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
command -v qemu-img >/dev/null && command -v qemu-io >/dev/null || fail "qemu-img and qemu-io are needed (qemu-utils)"

ctl init >/dev/null
cat >"$TMP/tenants.yaml" <<'YAML'
apiVersion: xcloud/v1
kind: Tenant
metadata: {name: health}
spec: {}
---
apiVersion: xcloud/v1
kind: Tenant
metadata: {name: education}
spec: {}
YAML

# Real small images: the same data written through each format's own driver.
D="$TMP/src"
mkdir -p "$D"
for fmt in raw qcow2 vmdk vpc vhdx; do
  qemu-img create -q -f "$fmt" "$D/disk.$fmt" 16M
  qemu-io -f "$fmt" -c 'write -P 0xab 0 1M' -c 'write -P 0x5c 10M 512k' -c 'write -P 0x01 15M 4k' \
    "$D/disk.$fmt" >/dev/null
done

i=0
for fmt in vmdk vpc vhdx qcow2; do
  i=$((i + 1))
  want=$(raw_digest "$D/disk.$fmt" "$fmt")
  # The VMDK goes the default way (virt-v2v first where it is installed,
  # below); the others with --no-v2v, the format only.
  only_format=(--no-v2v)
  [ "$fmt" = vmdk ] || [ "$fmt" = qcow2 ] && only_format=()
  expect_status 0 ctl image import "$D/disk.$fmt" --name "img-$i" --os 'Kylin V10 SP3' "${only_format[@]}"
  [ "$fmt" = vmdk ] && cp "$TMP/err" "$TMP/vmdk.err"
  word=$fmt
  [ "$fmt" = vpc ] && word=vhd
  expect_contains "$TMP/out" "image img-$i imported from $word (qemu-img)"
  ctl get images "img-$i" -o json >"$TMP/img.json"
  sha=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["spec"]["sha256"])' "$TMP/img.json")
  stored="$STORE/$sha.qcow2"
  [ -f "$stored" ] || fail "no $stored for $fmt: $(ls -la "$STORE")"
  [ "$(sha256sum "$stored" | cut -d' ' -f1)" = "$sha" ] || fail "$fmt: the stored file's SHA-256 is not the recorded one"
  [ "$(qemu-img info --output=json "$stored" | python3 -c 'import json,sys; print(json.load(sys.stdin)["format"])')" = qcow2 ] ||
    fail "$fmt: the stored file is not qcow2"
  got=$(raw_digest "$stored" qcow2)
  [ "$got" = "$want" ] || fail "$fmt: content changed in the import: $got != $want"
done
[ "$(stat -c %a "$STORE")" = 700 ] || fail "image store mode $(stat -c %a "$STORE")"
for f in "$STORE"/*.qcow2; do
  [ "$(stat -c %a "$f")" = 600 ] || fail "$f mode $(stat -c %a "$f")"
  [[ "$(basename "$f")" =~ ^[0-9a-f]{64}\.qcow2$ ]] || fail "stored file not named by its digest: $f"
done

# The SM3 recorded is the stored file's (openssl's own SM3, when it has one).
sm3=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["spec"]["sm3"])' "$TMP/img.json")
if openssl dgst -sm3 /dev/null >/dev/null 2>&1; then
  [ "$(openssl dgst -sm3 -r "$stored" | cut -d' ' -f1)" = "$sm3" ] || fail "SM3 differs from openssl's"
fi

# The default for a VMDK: virt-v2v where it is installed, which finds no
# guest on this blank disk; qemu-img converts it then, and says why.
ctl get images img-1 -o json >"$TMP/out"
if command -v virt-v2v >/dev/null; then
  expect_contains "$TMP/vmdk.err" "warning: virt-v2v did not convert it (virt-v2v: error: inspection could not detect the source guest"
  json_check '"virt-v2v: error: inspection" in d[0]["import"]["converterNote"]'
else
  json_check '"converterNote" not in d[0]["import"]'
fi
expect_status 2 ctl image import "$D/disk.vmdk" --name both --os 'Debian 12' --v2v --no-v2v
expect_contains "$TMP/err" "--v2v excludes --no-v2v"

# --v2v (guest drivers through virt-v2v) says so plainly where virt-v2v is
# missing, and imports nothing.
if ! command -v virt-v2v >/dev/null; then
  expect_status 1 ctl image import "$D/disk.vmdk" --name v2v-less --os 'Debian 12' --v2v
  expect_contains "$TMP/err" "--v2v: virt-v2v is not installed (apt-get install virt-v2v)"
  ctl get images -o json >"$TMP/out"
  json_check 'not any(i["metadata"]["name"] == "v2v-less" for i in d)'
fi

# raw has no header: it must be declared, and then it converts too.
want=$(sha256sum "$D/disk.raw" | cut -d' ' -f1)
expect_status 2 ctl image import "$D/disk.raw" --name raw-guess --os UOS
expect_contains "$TMP/err" "no known disk image header (qcow2, vmdk, vhd, vhdx, ova); a raw disk has no header: say --format raw if it is one; nothing was imported"
expect_status 2 ctl image import "$D/disk.raw" --format raw --name img-raw --os UOS --tenant health
expect_contains "$TMP/err" "unknown tenant"
expect_status 0 ctl apply -f "$TMP/tenants.yaml"
expect_status 0 ctl image import "$D/disk.raw" --format raw --name img-raw --os 'UOS 20' --arch aarch64 \
  --tenant health --visibility shared --share-with education -o yaml
cp "$TMP/out" "$TMP/img-raw.yaml"
expect_contains "$TMP/img-raw.yaml" "kind: Image"
expect_contains "$TMP/img-raw.yaml" "tenant: health"
expect_contains "$TMP/img-raw.yaml" "format: qcow2"
expect_contains "$TMP/img-raw.yaml" "- education"
sha=$(ctl get images img-raw -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["spec"]["sha256"])')
[ "$(raw_digest "$STORE/$sha.qcow2" qcow2)" = "$want" ] || fail "raw: content changed in the import"
# The printed manifest is a valid Image, beside its tenants.
expect_status 0 ctl validate -f "$TMP/tenants.yaml" -f "$TMP/img-raw.yaml"

# get images: OS, arch, format, size and visibility; digests in -o wide.
expect_status 0 ctl get images
expect_contains "$TMP/out" "TENANT"
grep -E '^health +img-raw +UOS 20 +aarch64 +qcow2 +16Mi +shared' "$TMP/out" >/dev/null || fail "get images: $(cat "$TMP/out")"
grep -E '^- +img-1 +Kylin V10 SP3 +x86_64 +qcow2 +16Mi +global' "$TMP/out" >/dev/null || fail "get images: $(cat "$TMP/out")"
expect_status 0 ctl get images -o wide
expect_contains "$TMP/out" "$sha"
expect_contains "$TMP/out" "SM3"
expect_contains "$TMP/out" "vhdx"

# A file renamed to another format's extension is still read by its header.
cp "$D/disk.vmdk" "$D/renamed.vhd"
expect_status 0 ctl image import "$D/renamed.vhd" --name renamed --os 'Windows Server 2019'
expect_contains "$TMP/out" "imported from vmdk"
# --format that disagrees with the header is refused, and nothing is registered.
before=$(count_images)
files_before=$(ls -A "$STORE" | wc -l)
expect_status 2 ctl image import "$D/renamed.vhd" --format vhd --name wrong --os X
expect_contains "$TMP/err" "--format vhd but the file's header says vmdk"
expect_contains "$TMP/err" "nothing was imported"

# Bad files: random bytes, a truncated header, a cut qcow2, a qcow2 with a backing file.
head -c 1048576 /dev/urandom >"$D/random.vmdk"
expect_status 2 ctl image import "$D/random.vmdk" --name bad-1 --os X
expect_contains "$TMP/err" "no known disk image header"
head -c 40 "$D/disk.qcow2" >"$D/short.qcow2"
expect_status 2 ctl image import "$D/short.qcow2" --name bad-2 --os X
expect_contains "$TMP/err" "qcow2 header is truncated (40 bytes, a header has at least 72)"
head -c 1000 "$D/disk.raw" >"$D/odd.raw"
expect_status 2 ctl image import "$D/odd.raw" --format raw --name bad-3 --os X
expect_contains "$TMP/err" "a raw disk is a whole number of 512-byte sectors, this file has 1000 bytes"
for fmt in qcow2 vmdk; do
  head -c 200000 "$D/disk.$fmt" >"$D/cut.$fmt"
  expect_status 2 ctl image import "$D/cut.$fmt" --name "bad-cut-$fmt" --os X
  expect_contains "$TMP/err" "the image is damaged or truncated (qemu-img: "
done
qemu-img create -q -f qcow2 -b "$D/disk.qcow2" -F qcow2 "$D/overlay.qcow2"
expect_status 2 ctl image import "$D/overlay.qcow2" --name bad-5 --os X
expect_contains "$TMP/err" "the image has a backing file"
[ "$(count_images)" = "$before" ] || fail "a refused import was registered"
[ "$(ls -A "$STORE" | wc -l)" = "$files_before" ] || fail "a refused import left files: $(ls -A "$STORE")"

# Names and options are checked before any work; a name is never reused.
expect_status 2 ctl image import "$D/disk.vmdk" --name 'Bad/Name' --os X
expect_contains "$TMP/err" "an image name is a DNS label"
expect_status 2 ctl image import "$D/disk.vmdk" --name img-1 --os X
expect_contains "$TMP/err" "image img-1 already exists"
expect_status 2 ctl image import "$D/disk.vmdk" --name g --os X --visibility global --tenant health
expect_contains "$TMP/err" "a global image has no tenant"

# Each import is in the audit chain with both digests.
expect_status 0 ctl audit list --object Image/health/img-raw -o json
python3 -c '
import json,sys
d = json.load(open(sys.argv[1]))
assert d[-1]["action"] == "import" and d[-1]["result"] == "ok", d
assert "sha256 " + sys.argv[2] in d[-1]["message"] and "sm3 " in d[-1]["message"], d
' "$TMP/out" "$sha" || fail "import not audited: $(cat "$TMP/out")"
expect_status 0 ctl image import --help
expect_contains "$TMP/out" "Examples:"
echo "image import: ok"
