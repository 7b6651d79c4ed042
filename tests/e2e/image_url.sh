# xcloudctl image import https://... through the real binary, real libcurl
# and a local HTTPS server whose certificate the cloud's CA issued
# (issue 16, item 4): the image is downloaded, its given digest checked, then
# converted and registered; a wrong digest, plain http, an oversize file
# (with and without Content-Length) and an unverified server are refused
# with nothing registered and no file left in the image store.
source "$(dirname "$0")/../support/e2e.sh"
STATE="$TMP/state/state.db"
STORE="$TMP/state/images"
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
count_images() { ctl get images -o json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
store_files() { ls -A "$STORE" 2>/dev/null | wc -l; }
command -v qemu-img >/dev/null && command -v qemu-io >/dev/null || fail "qemu-img and qemu-io are needed (qemu-utils)"

ctl init >/dev/null
ctl ca init >/dev/null
# A server certificate for 127.0.0.1 from the cloud's CA (the enrolment bundle's).
ctl host enroll imgsrv --address 127.0.0.1 >/dev/null
BUNDLE="$TMP/state/pki/hosts/imgsrv"
[ -f "$BUNDLE/agent.crt" ] || fail "no server certificate: $(ls -R "$TMP/state/pki")"

WWW="$TMP/www"
mkdir -p "$WWW"
qemu-img create -q -f qcow2 "$WWW/disk.qcow2" 16M
qemu-io -f qcow2 -c 'write -P 0x3c 2M 1M' "$WWW/disk.qcow2" >/dev/null
qemu-img convert -f qcow2 -O vmdk "$WWW/disk.qcow2" "$WWW/disk.vmdk"
sha_qcow2=$(sha256sum "$WWW/disk.qcow2" | cut -d' ' -f1)
sha_vmdk=$(sha256sum "$WWW/disk.vmdk" | cut -d' ' -f1)
want_raw=$(qemu-img convert -f qcow2 -O raw "$WWW/disk.qcow2" "$TMP/raw" && sha256sum "$TMP/raw" | cut -d' ' -f1)

python3 "$XC_SOURCE_DIR/tests/support/https_files.py" "$WWW" "$BUNDLE/agent.crt" "$BUNDLE/agent.key" \
  "$TMP/port" 2>"$TMP/server.log" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 200); do [ -f "$TMP/port" ] && break; sleep 0.05; done
[ -f "$TMP/port" ] || fail "the HTTPS server did not start: $(cat "$TMP/server.log")"
URL="https://127.0.0.1:$(cat "$TMP/port")"
CA="$BUNDLE/ca.crt"

# Good digests: a VMDK by SHA-256 and a qcow2 by SM3 (when openssl has SM3).
expect_status 0 ctl image import "$URL/disk.vmdk" --name web-vmdk --os 'Kylin V10' --sha256 "$sha_vmdk" --ca "$CA"
expect_contains "$TMP/out" "image web-vmdk imported from vmdk (qemu-img)"
sha=$(ctl get images web-vmdk -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["spec"]["sha256"])')
[ "$(qemu-img convert -f qcow2 -O raw "$STORE/$sha.qcow2" "$TMP/raw" && sha256sum "$TMP/raw" | cut -d' ' -f1)" = "$want_raw" ] ||
  fail "the downloaded image's content changed"
if openssl dgst -sm3 /dev/null >/dev/null 2>&1; then
  sm3=$(openssl dgst -sm3 -r "$WWW/disk.qcow2" | cut -d' ' -f1)
  expect_status 0 ctl image import "$URL/disk.qcow2" --name web-qcow2 --os UOS --sm3 "${sm3^^}" --ca "$CA"
  expect_contains "$TMP/out" "image web-qcow2 imported from qcow2"
fi
[ "$(store_files)" = "$(ls "$STORE"/*.qcow2 | wc -l)" ] || fail "a download was left: $(ls -A "$STORE")"
expect_status 0 ctl audit list --object Image/web-vmdk -o json
expect_contains "$TMP/out" "downloaded from $URL/disk.vmdk, its digest checked"

before=$(count_images)
files=$(store_files)
refused() {  # refused CODE MESSAGE ARGS...: refused with MESSAGE, nothing left in the store
  local code=$1 message=$2
  shift 2
  expect_status "$code" ctl image import "$@"
  expect_contains "$TMP/err" "$message"
  expect_contains "$TMP/err" "nothing was imported"
  [ "$(store_files)" = "$files" ] || fail "left in the store after a refusal ($*): $(ls -A "$STORE")"
}
# A wrong digest: downloaded, refused, deleted.
wrong=$(printf '0%.0s' $(seq 64))
refused 2 "the downloaded file's sha256 is $sha_qcow2, not the $wrong given; it was deleted" \
  "$URL/disk.qcow2" --name bad-digest --os X --sha256 "$wrong" --ca "$CA"
# Plain http, other schemes, no digest, a password in the URL: refused before any request.
refused 2 "plain http is refused" "http://127.0.0.1:1/disk.qcow2" --name http --os X --sha256 "$sha_qcow2"
refused 2 "only https:// URLs are downloaded" "ftp://127.0.0.1/disk.qcow2" --name ftp --os X --sha256 "$sha_qcow2"
expect_status 2 ctl image import "$URL/disk.qcow2" --name nodigest --os X --ca "$CA"
expect_contains "$TMP/err" "a URL source needs the digest its publisher gives: --sha256 HEX or --sm3 HEX"
refused 2 "a URL with a user or password is refused" "https://u:p@127.0.0.1/disk.qcow2" --name pw --os X --sha256 "$sha_qcow2"
expect_status 2 ctl image import "$URL/disk.qcow2" --name short --os X --sha256 abc --ca "$CA"
expect_contains "$TMP/err" "64 hex digits"
# Oversize: by Content-Length, and by bytes when the server sends none.
refused 2 "the file is larger than the 1 MiB limit (--max-size-mib)" \
  "$URL/disk.vmdk" --name big --os X --sha256 "$sha_vmdk" --ca "$CA" --max-size-mib 1
refused 2 "the file is larger than the 1 MiB limit (--max-size-mib)" \
  "$URL/disk.vmdk/nolength" --name big2 --os X --sha256 "$sha_vmdk" --ca "$CA" --max-size-mib 1
# The server's certificate is verified: without --ca the test CA is unknown.
refused 1 "certificate" "$URL/disk.vmdk" --name noca --os X --sha256 "$sha_vmdk"
# A missing file (HTTP 404).
refused 1 "404" "$URL/absent.qcow2" --name absent --os X --sha256 "$sha_vmdk" --ca "$CA"
[ "$(count_images)" = "$before" ] || fail "a refused import was registered: $(ctl get images)"
# A digest given for a local FILE is checked as well.
expect_status 2 ctl image import "$WWW/disk.qcow2" --name local-bad --os X --sha256 "$wrong"
expect_contains "$TMP/err" "the file's sha256 is $sha_qcow2, not the $wrong given"
expect_status 0 ctl image import "$WWW/disk.qcow2" --name local-ok --os X --sha256 "$sha_qcow2"

# Interrupted: killed during a download (SIGTERM here: a shell's background
# job ignores SIGINT), the import leaves its .download-* file; the next import removes it with a note, once it is
# a minute old and no process holds it. A scratch entry a live process holds
# (flock, as imports hold theirs) and a fresh one are left alone.
"$XCLOUDCTL" --state "$STATE" image import "$URL/disk.vmdk/stall" --name stalled --os X --sha256 "$sha_vmdk" --ca "$CA" \
  >/dev/null 2>&1 &
IMPORT=$!
for _ in $(seq 200); do
  part=$(find "$STORE" -maxdepth 1 -name '.download-*' -size +0 | head -1)
  [ -n "$part" ] && break
  sleep 0.05
done
[ -n "$part" ] || fail "no download in progress: $(ls -A "$STORE")"
kill -TERM "$IMPORT"
wait "$IMPORT" || true
[ -e "$part" ] || fail "the interrupted download left nothing (this test expects a leftover)"
mkdir "$STORE/.import-held" "$STORE/.ova-fresh"
python3 -c 'import fcntl, os, sys, time
fcntl.flock(os.open(sys.argv[1], os.O_RDONLY), fcntl.LOCK_EX)
time.sleep(60)' "$STORE/.import-held" >/dev/null 2>&1 &
HOLDER=$!
for _ in $(seq 100); do flock -n -x "$STORE/.import-held" true || break; sleep 0.05; done
touch -d '2 minutes ago' "$part" "$STORE/.import-held"
expect_status 0 ctl image import "$WWW/disk.qcow2" --name after-stall --os X
expect_contains "$TMP/err" "note: removed $part, left in the image store by an interrupted import or capture"
[ ! -e "$part" ] || fail "the abandoned download is still there"
[ -d "$STORE/.import-held" ] || fail "a scratch directory a live process holds was removed"
[ -d "$STORE/.ova-fresh" ] || fail "a fresh scratch directory was removed"
if grep -q "held\|fresh" "$TMP/err"; then fail "noted what it kept: $(cat "$TMP/err")"; fi
kill "$HOLDER"
echo "image import from a URL: ok"
