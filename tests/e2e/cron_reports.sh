# packaging/cron/xcloud-reports as cron would run it: each job line is split
# into its schedule, user and command, the command's "\%" turned into "%" (as
# cron does), and run by /bin/sh at chosen Shanghai hours with stub `date`
# and `xcloudctl` on PATH. The weekly report must run on Monday at 08 only,
# the monthly one on the 1st at 08 only, both with the settings file's
# variables in their environment; with the settings file as the package
# installs it (recipients commented out) nothing runs.
source "$(dirname "$0")/../support/e2e.sh"
CRON="$XC_SOURCE_DIR/packaging/cron/xcloud-reports"
SHIPPED="$XC_SOURCE_DIR/packaging/default/xcloud-reports"
# The operator's settings: the shipped examples, uncommented.
DEFAULTS="$TMP/defaults"
sed -E 's/^#(XCLOUD_MAIL_TO|XCLOUD_SMTP)=/\1=/' "$SHIPPED" >"$DEFAULTS"
grep -q '^#XCLOUD_MAIL_TO=' "$SHIPPED" || fail "$SHIPPED sets XCLOUD_MAIL_TO: mail would go to the examples"

mkdir -p "$TMP/bin"
# `date` answers for the format asked: %u%H (weekday, hour) or %d%H (day, hour).
cat >"$TMP/bin/date" <<'EOF'
#!/bin/sh
[ "$TZ" = Asia/Shanghai ] || { echo "date called without TZ=Asia/Shanghai" >&2; exit 1; }
case "$1" in
  +%u%H) echo "$FAKE_WEEKDAY$FAKE_HOUR" ;;
  +%d%H) echo "$FAKE_DAY$FAKE_HOUR" ;;
  *) echo "unexpected date format $1" >&2; exit 1 ;;
esac
EOF
cat >"$TMP/bin/xcloudctl" <<'EOF'
#!/bin/sh
echo "$* to=$XCLOUD_MAIL_TO smtp=$XCLOUD_SMTP" >>"$CALLS"
EOF
chmod +x "$TMP/bin/date" "$TMP/bin/xcloudctl"
export CALLS="$TMP/calls"

jobs=0
while IFS= read -r line; do
  case "$line" in '' | '#'* | [A-Z]*=*) continue ;; esac  # blank, comment, variable
  jobs=$((jobs + 1))
  # Five schedule fields, the user, then the command.
  set -f  # the schedule's stars are not globs
  set -- $line
  set +f
  [ "$1 $2 $3 $4 $5" = "0 * * * *" ] || fail "job $jobs: schedule \"$1 $2 $3 $4 $5\", expected hourly"
  [ "$6" = root ] || fail "job $jobs: user \"$6\""
  command=$(printf '%s\n' "$line" | sed -E 's/^([^ ]+ +){6}//')
  unescaped=$(printf '%s' "$command" | sed 's/\\%//g')
  case "$unescaped" in *%*) fail "job $jobs: a bare % (cron would cut the command there)" ;; esac
  command=$(printf '%s' "$command" | sed 's/\\%/%/g; s|/etc/default/xcloud-reports|'"$DEFAULTS"'|')
  printf '%s\n' "$command" >"$TMP/job$jobs"
done <"$CRON"
[ "$jobs" = 2 ] || fail "expected 2 jobs in $CRON, found $jobs"

# run_at WEEKDAY DAY HOUR: every job as cron would start it at that hour.
run_at() {
  : >"$CALLS"
  for j in $(seq "$jobs"); do
    FAKE_WEEKDAY=$1 FAKE_DAY=$2 FAKE_HOUR=$3 PATH="$TMP/bin:/usr/bin:/bin" /bin/sh -c "$(cat "$TMP/job$j")" || true
  done
}

run_at 1 16 08  # a Monday the 16th, 08:00 in Shanghai
[ "$(cat "$CALLS")" = "report weekly --quiet to=ops@bureau.example,finance@bureau.example smtp=smtp://mail.bureau.example:587" ] ||
  fail "Monday 08: $(cat "$CALLS")"
run_at 3 01 08  # a Wednesday the 1st
[ "$(cat "$CALLS")" = "report monthly --quiet to=ops@bureau.example,finance@bureau.example smtp=smtp://mail.bureau.example:587" ] ||
  fail "the 1st at 08: $(cat "$CALLS")"
run_at 1 01 08  # Monday the 1st: both
[ "$(wc -l <"$CALLS")" = 2 ] || fail "Monday the 1st: $(cat "$CALLS")"
for when in "1 16 07" "1 16 09" "2 16 08" "7 01 09" "3 02 08"; do
  run_at $when
  [ ! -s "$CALLS" ] || fail "at weekday/day/hour $when: $(cat "$CALLS")"
done
# As installed: no recipients, no report.
cp "$SHIPPED" "$DEFAULTS"
run_at 1 01 08
[ ! -s "$CALLS" ] || fail "with the shipped settings: $(cat "$CALLS")"
echo "cron_reports: ok"
