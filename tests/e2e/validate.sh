# xcloudctl validate through the real binary: examples, exit codes, JSON output, help.
source "$(dirname "$0")/../support/e2e.sh"

# Every example validates, so the docs cannot rot.
expect_status 0 "$XCLOUDCTL" validate -f "$XC_SOURCE_DIR/examples"
expect_contains "$TMP/out" "valid: "
for f in "$XC_SOURCE_DIR"/examples/*/; do
  expect_status 0 "$XCLOUDCTL" validate -f "$f"
done

# Errors: exit 2, every error on stderr, and -o json as an array.
cat >"$TMP/bad.yaml" <<'YAML'
apiVersion: xcloud/v1
kind: Zone
metadata: {name: Bad_Name}
spec: {colour: red}
YAML
expect_status 2 "$XCLOUDCTL" validate -f "$TMP/bad.yaml"
expect_contains "$TMP/err" "$TMP/bad.yaml:3:18: error: field 'metadata.name' has invalid value 'Bad_Name'"
expect_contains "$TMP/err" "$TMP/bad.yaml:4:8: error: unknown field 'colour' in Zone spec"
expect_contains "$TMP/err" "2 error(s)"
expect_status 2 "$XCLOUDCTL" validate -o json -f "$TMP/bad.yaml"
python3 - "$TMP/out" <<'PY'
import json, sys
errors = json.load(open(sys.argv[1]))
assert [(e["line"], e["column"]) for e in errors] == [(3, 18), (4, 8)], errors
assert errors[1]["message"] == "unknown field 'colour' in Zone spec", errors
assert errors[1]["field"] == "/spec/colour", errors
PY

# Standard input and missing files.
expect_status 0 "$XCLOUDCTL" validate -f - < "$XC_SOURCE_DIR/tests/data/base/cloud.yaml"
expect_status 2 "$XCLOUDCTL" validate -f "$TMP/nope.yaml"
expect_contains "$TMP/err" "$TMP/nope.yaml: error: no such file or directory"

# Replaced price caps: a lower cap makes the base cloud's price list invalid.
printf 'currency: CNY\nitems:\n  - {item: vcpu, unit: vCPU, period: month, cap: 10}\n' > "$TMP/caps.yaml"
expect_status 2 "$XCLOUDCTL" validate --price-caps "$TMP/caps.yaml" -f "$XC_SOURCE_DIR/tests/data/base"
expect_contains "$TMP/err" "price 12 for vcpu exceeds the tender cap 10 CNY per vCPU per month"

# Usage errors exit 2; help exits 0 and shows an example.
expect_status 2 "$XCLOUDCTL" validate
expect_status 2 "$XCLOUDCTL" frobnicate
expect_status 0 "$XCLOUDCTL" validate --help
expect_contains "$TMP/out" "Example:"
expect_status 0 "$XCLOUDCTL" --help
echo "validate: ok"
