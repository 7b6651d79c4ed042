# tests/support/html_check.py against known pages, so a report test that uses it
# can be trusted: a clean page passes with a real screenshot, and a JS
# exception, a console.error and an external URL each fail it.
source "$(dirname "$0")/../support/e2e.sh"
# /usr/bin/python3, not the pyenv one on PATH: the tool needs only the stdlib.
html_check() { /usr/bin/python3 "$(dirname "$0")/../support/html_check.py" "$@"; }

# (1) A clean, self-contained page with Chinese text, an inline SVG and a table.
cat >"$TMP/good.html" <<'HTML'
<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>部门 费用</title>
<style>body { font-family: "WenQuanYi Micro Hei", sans-serif; } td { padding: 4px 12px; }</style>
</head><body>
<h1>部门 费用</h1>
<svg width="320" height="120" viewBox="0 0 320 120">
  <rect x="10" y="10" width="200" height="40" fill="#3b7dd8"/>
  <rect x="10" y="60" width="120" height="40" fill="#e8833a"/>
  <text x="220" y="36">教育</text><text x="140" y="86">科研</text>
</svg>
<table border="1"><tr><th>部门</th><th>费用 (CNY)</th></tr>
  <tr><td>教育</td><td>12,400.00</td></tr><tr><td>科研</td><td>7,350.50</td></tr></table>
<script>console.log("rendered"); console.warn("a warning is reported but does not fail");</script>
</body></html>
HTML
expect_status 0 html_check "$TMP/good.html" --screenshot "$TMP/good.png"
expect_contains "$TMP/out" '"title": "部门 费用", "svg": 1, "tables": 1, "width": 1280'
expect_contains "$TMP/out" "0 error(s), 1 warning(s)"
expect_contains "$TMP/err" "good.html:13:42: warning: console.warn: a warning is reported but does not fail"
/usr/bin/python3 - "$TMP/good.png" <<'PY'
import sys
png = open(sys.argv[1], "rb").read()
assert png[:8] == b"\x89PNG\r\n\x1a\n", png[:8]
assert len(png) > 8000, f"{len(png)} bytes: too small to hold the text, chart and table"
PY

# (2) An uncaught exception fails the check and is printed with its location.
cat >"$TMP/exception.html" <<'HTML'
<!doctype html><html><head><meta charset="utf-8"><title>exception</title></head><body>
<script>
  const chart = null; chart.render();
</script></body></html>
HTML
expect_status 1 html_check "$TMP/exception.html" --screenshot "$TMP/exception.png"
expect_contains "$TMP/err" "exception.html:3:29: error: uncaught exception: TypeError: Cannot read properties of null (reading 'render')"
expect_contains "$TMP/out" "1 error(s)"

# (3) console.error fails the check.
cat >"$TMP/console.html" <<'HTML'
<!doctype html><html><head><meta charset="utf-8"><title>console</title></head><body>
<script>console.error("no data for tenant", "education");</script></body></html>
HTML
expect_status 1 html_check "$TMP/console.html" --screenshot "$TMP/console.png"
expect_contains "$TMP/err" "console.html:2:17: error: console.error: no data for tenant education"

# (4) Reports must be self-contained: any http(s) request is an error, and is
# blocked before it leaves the machine.
cat >"$TMP/external.html" <<'HTML'
<!doctype html><html><head><meta charset="utf-8"><title>external</title>
<link rel="stylesheet" href="http://example.invalid/x.css"></head><body><p>hi</p></body></html>
HTML
expect_status 1 html_check "$TMP/external.html" --screenshot "$TMP/external.png"
expect_contains "$TMP/err" "external.html: error: request to http://example.invalid/x.css: pages must be self-contained"

# Usage problems exit 2 and say what is wrong.
expect_status 2 html_check "$TMP/missing.html" --screenshot "$TMP/missing.png"
expect_contains "$TMP/err" "$TMP/missing.html: error: no such file"
XC_CHROMIUM="$TMP/no-chromium" expect_status 2 html_check "$TMP/good.html" --screenshot "$TMP/x.png"
expect_contains "$TMP/err" "chromium not found: XC_CHROMIUM=$TMP/no-chromium is not an executable"
