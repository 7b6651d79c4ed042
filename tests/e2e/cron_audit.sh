# packaging/cron/xcloud-audit as cron would run it: its one job line split into
# schedule, user and command, the command run by /bin/sh with the real
# xcloudctl on PATH and packaging/default/xcloud-audit (its key pointed at a
# test key) as settings. Records a quiet hour left unsealed are sealed; before
# the key exists (a fresh install) the job does nothing and prints nothing.
source "$(dirname "$0")/../support/e2e.sh"
CRON="$XC_SOURCE_DIR/packaging/cron/xcloud-audit"
DEFAULTS="$XC_SOURCE_DIR/packaging/default/xcloud-audit"

state="$TMP/state/state.db"
"$XCLOUDCTL" --state "$state" init >/dev/null
"$XCLOUDCTL" --state "$state" audit note "a change in a quiet hour" >/dev/null
mkdir -p "$TMP/keys" "$TMP/bin"
"$XCLOUDCTL" audit keygen --out "$TMP/keys/audit-sm2.pem" >/dev/null
sed "s|^XCLOUD_AUDIT_KEY=.*|XCLOUD_AUDIT_KEY=$TMP/keys/audit-sm2.pem|" "$DEFAULTS" >"$TMP/defaults"
grep -q "^XCLOUD_AUDIT_KEY=$TMP/keys/audit-sm2.pem$" "$TMP/defaults" || fail "$DEFAULTS sets no XCLOUD_AUDIT_KEY"
echo "XCLOUD_STATE=$state" >>"$TMP/defaults"
ln -s "$XCLOUDCTL" "$TMP/bin/xcloudctl"

jobs=0
while IFS= read -r line; do
  case "$line" in '' | '#'* | [A-Z]*=*) continue ;; esac  # blank, comment, variable
  jobs=$((jobs + 1))
  set -f
  set -- $line
  set +f
  [ "$2 $3 $4 $5" = "* * * *" ] || fail "job $jobs: schedule \"$1 $2 $3 $4 $5\", expected hourly"
  [ "$6" = root ] || fail "job $jobs: user \"$6\""
  command=$(printf '%s\n' "$line" | sed -E 's/^([^ ]+ +){6}//; s|/etc/default/xcloud-audit|'"$TMP/defaults"'|')
  case "$command" in *%*) fail "job $jobs: a % (cron would cut the command there)" ;; esac
  # No key yet: nothing sealed, nothing said.
  cp "$TMP/defaults" "$TMP/defaults.keyed"
  sed -i "s|^XCLOUD_AUDIT_KEY=.*|XCLOUD_AUDIT_KEY=$TMP/keys/not-yet.pem|" "$TMP/defaults"
  PATH="$TMP/bin:/usr/bin:/bin" /bin/sh -c "$command" >"$TMP/out" 2>&1 || true
  [ -s "$TMP/out" ] && fail "job $jobs without a key printed (cron would mail it): $(cat "$TMP/out")"
  [ -e "$TMP/state/audit-checkpoints.jsonl" ] && fail "job $jobs without a key wrote a checkpoint"
  mv "$TMP/defaults.keyed" "$TMP/defaults"
  PATH="$TMP/bin:/usr/bin:/bin" /bin/sh -c "$command" >"$TMP/out" 2>"$TMP/err" ||
    fail "job $jobs failed: $(cat "$TMP/err")"
  [ -s "$TMP/out" ] && fail "job $jobs printed on success (cron would mail it): $(cat "$TMP/out")"
done <"$CRON"
[ "$jobs" = 1 ] || fail "expected 1 job in $CRON, found $jobs"

XCLOUD_AUDIT_KEY="$TMP/keys/audit-sm2.pem" expect_status 0 "$XCLOUDCTL" --state "$state" audit verify
[ "$(cat "$TMP/out")" = "ok: 1 records, 1 checkpoints" ] || fail "verify said: $(cat "$TMP/out")"
echo "cron audit: ok"
