#!/usr/bin/env bash
# Image import throughput (issue 16, item 4): `xcloudctl image import` of a
# SIZE_GIB (default 1) VMDK and qcow2 with DATA_PCT (default 25) percent of
# it written in scattered 4 MiB runs, against a plain `qemu-img convert -O
# qcow2` of the same file (the floor: import adds two `qemu-img info`, the
# SHA-256 and SM3 of the result and the registration). Median of RUNS (3).
#   BUILD=build bench/image_import_bench.sh
# Not run by CI; needs qemu-utils. Prints one line per format with the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SIZE_GIB=${SIZE_GIB:-1}
DATA_PCT=${DATA_PCT:-25}
RUNS=${RUNS:-3}
XCLOUDCTL=$PWD/$BUILD/ctl/xcloudctl
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }

runs=$((SIZE_GIB * 1024 * DATA_PCT / 100 / 4))
step=$((SIZE_GIB * 1024 / runs))
for fmt in vmdk qcow2; do
  src="$WORK/src.$fmt"
  qemu-img create -q -f "$fmt" "$src" "${SIZE_GIB}G"
  cmds=()
  for ((i = 0; i < runs; i++)); do cmds+=(-c "write -P $((i % 250 + 1)) $((i * step))M 4M"); done
  qemu-io -f "$fmt" "${cmds[@]}" "$src" >/dev/null
  plain=() import=()
  for ((r = 0; r < RUNS; r++)); do
    t0=$(now)
    qemu-img convert -q -f "$fmt" -O qcow2 -o compat=1.1 "$src" "$WORK/plain.qcow2"
    t1=$(now)
    rm -f "$WORK/plain.qcow2"
    rm -rf "$WORK/state"
    "$XCLOUDCTL" --state "$WORK/state/state.db" init >/dev/null
    t2=$(now)
    "$XCLOUDCTL" --state "$WORK/state/state.db" image import "$src" --name bench --os Bench >/dev/null
    t3=$(now)
    plain+=("$(echo "$t1 - $t0" | bc)")
    import+=("$(echo "$t3 - $t2" | bc)")
  done
  p=$(printf '%s\n' "${plain[@]}" | median)
  m=$(printf '%s\n' "${import[@]}" | median)
  mib=$((runs * 4))
  printf '%s %s GiB (%s MiB written): qemu-img convert %.2f s (%.0f MiB/s of data), import %.2f s (%.0f MiB/s), import/convert %.2f\n' \
    "$fmt" "$SIZE_GIB" "$mib" "$p" "$(echo "$mib / $p" | bc -l)" "$m" "$(echo "$mib / $m" | bc -l)" "$(echo "$m / $p" | bc -l)"
done
