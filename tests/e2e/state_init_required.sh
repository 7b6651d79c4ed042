# Only init creates a state (issue 12): every other command refuses a missing
# or empty (zero-length) file, naming it and pointing at init, and leaves it
# as it was; init then makes it a state.
source "$(dirname "$0")/../support/e2e.sh"

missing="$TMP/nowhere/state.db"
expect_status 1 "$XCLOUDCTL" --state "$missing" get hosts
expect_contains "$TMP/err" "xcloudctl: state database $missing does not exist; run 'xcloudctl init' first"
[ -e "$TMP/nowhere" ] && fail "a command other than init created $TMP/nowhere"
empty="$TMP/empty.db"
: >"$empty"
want="xcloudctl: state database $empty is empty (not an xcloud state); run 'xcloudctl init' first"
for cmd in "audit verify" "audit list" "get hosts" "bill --month 2026-11" "quota" \
  "audit note hello" "bill adjust --tenant t --item vcpu --amount 1 --reason r" \
  "delete vm web-1 --yes" "apply -f $XC_SOURCE_DIR/examples/cloud" "report weekly --week 2026-W48"; do
  # shellcheck disable=SC2086
  expect_status 1 "$XCLOUDCTL" --state "$empty" $cmd
  expect_contains "$TMP/err" "$want"
done
[ -s "$empty" ] && fail "a command other than init wrote to the empty state file"
[ -e "$empty.lock" ] && fail "a refused command left a lock file"
expect_status 0 "$XCLOUDCTL" --state "$empty" init
expect_status 0 "$XCLOUDCTL" --state "$empty" audit verify
expect_contains "$TMP/out" "ok: 0 records, 0 checkpoints"

echo "state init required: ok"
