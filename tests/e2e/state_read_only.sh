# A read-only state (issue 12): its file, its directory or its file system
# read-only is said to be so, instead of SQLite's "unable to open database
# file", and commands that only read work from it, a write-ahead log left by
# a writer that died included.
source "$(dirname "$0")/../support/e2e.sh"

dir="$TMP/ro"
db="$dir/state.db"
x() { "$XCLOUDCTL" --state "$db" "$@"; }
expect_status 0 x init
expect_status 0 x audit note "before read-only"
sqlite3 "$db" "INSERT INTO hosts (name, address, transport, pool, zone, arch, updated_at_ms)
  VALUES ('x86-01', '127.0.0.1:7701', 'tls', 'erlonglu', 'gov-extranet', 'x86_64', 0)"
# A second state whose last writer died: its newest row is only in the -wal.
waldir="$TMP/rowal"
wal="$waldir/state.db"
expect_status 0 "$XCLOUDCTL" --state "$wal" init
python3 - "$wal" <<'PY'
import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO hosts (name, address, transport, pool, zone, arch, updated_at_ms) "
           "VALUES ('only-in-wal', '127.0.0.1:7702', 'tls', 'p', 'z', 'x86_64', 0)")
db.commit()
os._exit(0)  # no close: the -wal and -shm stay, as after a crash
PY
[ -s "$wal-wal" ] || fail "the test could not leave a write-ahead log behind"

# Read-only for the user running xcloudctl: chmod does not stop root, so as
# root the commands run as nobody (setpriv), on files nobody owns.
RUN=()
if [ "$(id -u)" = 0 ]; then
  chmod 755 "$TMP"
  chown -R 65534:65534 "$dir" "$waldir"
  RUN=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
chmod a-w "$dir" "$waldir" "$wal" "$wal-wal" "$wal-shm"
ro() { "${RUN[@]}" "$XCLOUDCTL" --state "$db" "$@"; }
expect_status 0 ro get hosts
expect_contains "$TMP/out" "x86-01"
expect_status 0 ro get hosts -o json
expect_status 3 ro audit verify
expect_contains "$TMP/out" "intact: 1 records, 0 checkpoints"
expect_status 0 ro audit list
expect_contains "$TMP/out" "before read-only"
expect_status 0 ro quota
expect_status 0 ro bill --month 2026-11
expect_status 0 ro report weekly --week 2026-W48
expect_status 1 ro audit note "must not be written"
expect_contains "$TMP/err" "xcloudctl: state database $db cannot be changed: its directory $dir is read-only (SQLite keeps $db-wal and $db-shm there). Commands that only read it still work"
expect_status 1 ro apply -f "$XC_SOURCE_DIR/examples/cloud"
expect_contains "$TMP/err" "cannot be changed: its directory $dir is read-only"
expect_status 0 "${RUN[@]}" "$XCLOUDCTL" --state "$wal" get hosts
expect_contains "$TMP/out" "only-in-wal"
chmod u+w "$dir"
chmod a-w "$db"
expect_status 1 ro audit note "must not be written"
expect_contains "$TMP/err" "xcloudctl: state database $db cannot be changed: the file is read-only. Commands that only read it still work"
expect_status 0 ro get hosts
chmod u+w "$db"

# A read-only file system, where the kernel refuses root too: a read-only
# bind mount in a private mount namespace, when this machine allows one.
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
  cat >"$TMP/rofs.sh" <<SH
set -e
mount --bind "$dir" "$dir"
mount -o remount,bind,ro "$dir"
"$XCLOUDCTL" --state "$db" get hosts >"$TMP/rofs.get" 2>&1
if "$XCLOUDCTL" --state "$db" audit note "must not be written" >"$TMP/rofs.note" 2>&1; then exit 3; fi
SH
  unshare -m bash "$TMP/rofs.sh" || fail "read-only file system: $(cat "$TMP"/rofs.* 2>&1)"
  expect_contains "$TMP/rofs.get" "x86-01"
  expect_contains "$TMP/rofs.note" "xcloudctl: state database $db cannot be changed: it is on a read-only file system. Commands that only read it still work"
else
  echo "state read-only: no mount namespace here; the read-only file system case is skipped"
fi
chmod -R u+w "$dir" "$waldir"
echo "state read-only: ok"
