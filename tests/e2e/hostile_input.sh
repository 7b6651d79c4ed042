# Hostile manifests through the real binaries (issue 12): numbers out of
# range, deep nesting, alias bombs, oversized files and endless stdin end in
# exit 2 with FILE:LINE:COL for validate, diff and apply, with memory bounded;
# users' text that reaches a terminal, a CSV or a Markdown report cannot
# forge lines, send escape sequences, run formulas or inject HTML.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
trap 'stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
PY=/usr/bin/python3
INVALID="$XC_SOURCE_DIR/tests/data/invalid"
ctl init >/dev/null

# peak_rss_mib CMD...: runs CMD (stdout/stderr to $TMP/out, $TMP/err) and
# prints its exit status and peak resident memory in MiB.
peak_rss_mib() {
  $PY - "$TMP" "$@" <<'PY'
import resource, subprocess, sys
tmp, cmd = sys.argv[1], sys.argv[2:]
with open(tmp + "/out", "w") as out, open(tmp + "/err", "w") as err:
    status = subprocess.call(cmd, stdout=out, stderr=err)
print(status, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
PY
}

# Each crash of the old reader, through all three commands.
for case in 85-number-out-of-range 86-nesting-too-deep 87-billion-laughs 88-forged-error-line; do
  for cmd in validate diff apply; do
    expect_status 2 ctl "$cmd" -f "$INVALID/$case.yaml"
    expect_contains "$TMP/err" "$INVALID/$case.yaml:"
  done
done
expect_status 2 ctl validate -f "$INVALID/85-number-out-of-range.yaml"
expect_contains "$TMP/err" "85-number-out-of-range.yaml:6:18: error: number 1e400 is out of range"

# A forged line: one error line and the count, and not one control byte.
expect_status 2 ctl validate -f "$INVALID/88-forged-error-line.yaml"
[ "$(wc -l <"$TMP/err")" -eq 2 ] || fail "the forged name printed extra lines: $(cat "$TMP/err")"
grep -q "^fake.yaml" "$TMP/err" && fail "a forged error line reached the output"
LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$TMP/err" && fail "a control character reached the terminal"
expect_contains "$TMP/err" 'x\nfake.yaml:1:1: error: forged\x1b[2J\x1b]0;owned\x07'

# 16,000 levels (the old reader overflowed its stack) and a 700-byte
# billion laughs (grew without bound): refused quickly in little memory.
$PY -c 'print("a: " + "[" * 16000 + "]" * 16000)' >"$TMP/deep.yaml"
read -r status mib < <(peak_rss_mib "$XCLOUDCTL" --state "$STATE" validate -f "$TMP/deep.yaml")
[ "$status" -eq 2 ] || fail "16,000 levels: exit $status: $(cat "$TMP/err")"
expect_contains "$TMP/err" "deep.yaml:1:67: error: nesting deeper than 64 levels"
[ "$mib" -lt 100 ] || fail "16,000 levels took $mib MiB"
$PY - "$TMP/laughs.yaml" <<'PY'
import sys
text, prev = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n', "a"
for name in "bcdefghi":
    text += name + ": &" + name + " [" + ",".join(["*" + prev] * 9) + "]\n"
    prev = name
open(sys.argv[1], "w").write(text)
PY
[ "$(stat -c %s "$TMP/laughs.yaml")" -lt 800 ] || fail "the alias bomb is not small"
read -r status mib < <(peak_rss_mib "$XCLOUDCTL" --state "$STATE" apply -f "$TMP/laughs.yaml")
[ "$status" -eq 2 ] || fail "billion laughs: exit $status: $(cat "$TMP/err")"
expect_contains "$TMP/err" "laughs.yaml:6:"
expect_contains "$TMP/err" "more than 100000 values"
[ "$mib" -lt 100 ] || fail "billion laughs took $mib MiB"

# A file past 16 MiB, and endless standard input, stop at the limit.
head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' '#' >"$TMP/huge.yaml"
expect_status 2 ctl validate -f "$TMP/huge.yaml"
expect_contains "$TMP/err" "huge.yaml: error: the file is larger than 16 MiB"
read -r status mib < <(peak_rss_mib bash -c 'yes "# comment" | "$0" --state "$1" validate -f -' \
  "$XCLOUDCTL" "$STATE")
[ "$status" -eq 2 ] || fail "endless stdin: exit $status: $(cat "$TMP/err")"
expect_contains "$TMP/err" "<stdin>: error: the file is larger than 16 MiB"
[ "$mib" -lt 100 ] || fail "endless stdin took $mib MiB"

# Image sources: only files inside the image directory.
for source in /etc/shadow ../../../etc/passwd /var/lib/xcloud/images/../../../etc/passwd; do
  printf 'apiVersion: xcloud/v1\nkind: Image\nmetadata: {name: evil}\nspec: {arch: x86_64, source: "%s"}\n' \
    "$source" >"$TMP/image.yaml"
  expect_status 2 ctl validate -f "$TMP/image.yaml"
  expect_contains "$TMP/err" "image.yaml:4:"
done
expect_contains "$TMP/err" "expected an absolute path without control characters"
printf 'apiVersion: xcloud/v1\nkind: Image\nmetadata: {name: evil}\nspec: {arch: x86_64, source: /etc/shadow}\n' \
  >"$TMP/image.yaml"
expect_status 2 ctl validate -f "$TMP/image.yaml"
expect_contains "$TMP/err" "image.yaml:4:30: error: source '/etc/shadow' must be a file in the image directory /var/lib/xcloud/images/"

# Users' text on the way out: a VM whose labels hold a formula, HTML and
# escape sequences, applied to simulated hosts.
ctl ca init >/dev/null
M="$TMP/manifests"
start_example_cloud "$M"
$PY - "$M/vms.yaml" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
web = "labels: {system: edu-portal, tier: web}"
text = text.replace(web, 'labels: {system: "=HYPERLINK(\\"http://evil\\",\\"x\\")", '
                    'tier: web, note: "ok\\nfake: line\\e[2J"}', 1)
text = text.replace(web, 'labels: {system: "<img src=x onerror=alert(1)>", tier: web}', 1)
open(path, "w").write(text)
PY
grep -q HYPERLINK "$M/vms.yaml" || fail "the label edit did not apply"
expect_status 0 ctl apply -f "$M"
for cmd in "get vms -o wide" "describe vm edu-portal-web-1" "get vms"; do
  expect_status 0 ctl $cmd
  LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$TMP/out" && fail "$cmd printed a control character"
  grep -q "^fake: line" "$TMP/out" && fail "$cmd printed a forged line"
done
expect_status 0 ctl describe vm edu-portal-web-1
expect_contains "$TMP/out" 'note=ok\nfake: line\x1b[2J'
MONTH=$(TZ=Asia/Shanghai date +%Y-%m)
XCLOUD_NOW_MS=$(($(date +%s) * 1000 + 7 * 86400 * 1000))
export XCLOUD_NOW_MS
expect_status 0 ctl report monthly --month "$MONTH" -o csv
expect_contains "$TMP/out" "'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")"
grep -q '^=HYPERLINK\|,=HYPERLINK' "$TMP/out" && fail "a formula reached the CSV"
expect_status 0 ctl report monthly --month "$MONTH"
grep -q '<img' "$TMP/out" && fail "HTML reached the Markdown report"
expect_contains "$TMP/out" '&lt;img src=x onerror=alert(1)&gt;'
expect_contains "$TMP/out" '=HYPERLINK'
echo "hostile input: ok"
