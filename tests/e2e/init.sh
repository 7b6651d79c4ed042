# xcloudctl init through the real binary: create, re-run, XCLOUD_STATE, newer schema refused.
source "$(dirname "$0")/../support/e2e.sh"

db="$TMP/nested/dir/state.db"
expect_status 0 "$XCLOUDCTL" --state "$db" init
expect_contains "$TMP/out" "state database $db ready (schema version"
[ "$(stat -c %a "$TMP/nested/dir")" = 700 ] || fail "state directory is not private"
[ "$(sqlite3 "$db" 'PRAGMA journal_mode')" = wal ] || fail "not in WAL mode"
expect_status 0 "$XCLOUDCTL" --state "$db" init

XCLOUD_STATE="$TMP/env.db" expect_status 0 "$XCLOUDCTL" init
[ -f "$TMP/env.db" ] || fail "XCLOUD_STATE was not used"

sqlite3 "$db" 'PRAGMA user_version = 99'
expect_status 1 "$XCLOUDCTL" --state "$db" init
expect_contains "$TMP/err" "has schema version 99, newer than this xcloudctl supports"
expect_status 0 "$XCLOUDCTL" init --help
expect_contains "$TMP/out" "Examples:"
echo "init: ok"
