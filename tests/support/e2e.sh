# Helpers for the end-to-end tests: each test is a bash script run by ctest
# with XCLOUDCTL, XCLOUD_AGENT and XC_SOURCE_DIR set.
set -euo pipefail

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# expect_status CODE CMD...: runs CMD, keeps stdout in $TMP/out and stderr in $TMP/err.
expect_status() {
  local want=$1
  shift
  set +e
  "$@" >"$TMP/out" 2>"$TMP/err"
  local got=$?
  set -e
  [ "$got" -eq "$want" ] || fail "$* exited $got, expected $want; stdout: $(cat "$TMP/out"); stderr: $(cat "$TMP/err")"
}

# json_check PYTHON-EXPRESSION-OVER-d: asserts it on the JSON in $TMP/out.
json_check() {
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert ($1), d" "$TMP/out" || fail "json check failed: $1"
}

expect_contains() {
  grep -qF -- "$2" "$1" || fail "$1 does not contain '$2'; it has: $(cat "$1")"
}
