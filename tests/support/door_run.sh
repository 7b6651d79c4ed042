#!/usr/bin/env bash
# door_run.sh socket|https SCRIPT: runs an e2e script with every xcloudctl
# command that names a state sent through that door of a controller
# serving the state (door_xcloudctl.sh), then stops those controllers. Fails when no command went through one: such a
# script has nothing to show in this mode and is left out of it
# (tests/CMakeLists.txt).
set -uo pipefail

export XC_DOOR_MODE=${1:?usage: door_run.sh socket|https SCRIPT}
script=${2:?usage: door_run.sh socket|https SCRIPT}
XC_DOOR_DIR=$(mktemp -d /tmp/xcdoor.XXXXXX)
export XC_DOOR_DIR
export XC_DOOR_REAL=$XCLOUDCTL
export XCLOUDCTL="$(cd "$(dirname "$0")" && pwd)/door_xcloudctl.sh"

stop_controllers() {
  local pids=()
  if [ -f "$XC_DOOR_DIR/pids" ]; then
    while read -r f; do pids+=("$(cat "$f")"); done <"$XC_DOOR_DIR/pids"
  fi
  [ ${#pids[@]} -eq 0 ] && return
  kill "${pids[@]}" 2>/dev/null
  for _ in $(seq 200); do
    kill -0 "${pids[@]}" 2>/dev/null || return
    sleep 0.05
  done
  kill -9 "${pids[@]}" 2>/dev/null
}

bash "$script"
status=$?
stop_controllers
lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }
routed=$(lines "$XC_DOOR_DIR/routed")
controllers=$(lines "$XC_DOOR_DIR/pids")
here=
[ -f "$XC_DOOR_DIR/here" ] && here=$(cut -f1 "$XC_DOOR_DIR/here" | sort | uniq -c | sed 's/^ *//' | paste -sd, -)
echo "door: $routed commands through $controllers controllers ($XC_DOOR_MODE); here: ${here:-none}"
if [ "$status" -eq 0 ] && [ "$routed" -eq 0 ]; then
  echo "FAIL: no command went through a controller" >&2
  status=1
fi
if [ "$status" -ne 0 ]; then
  for log in "$XC_DOOR_DIR"/*/log; do
    [ -s "$log" ] && { echo "--- $log"; tail -n 30 "$log"; }
  done
fi
rm -rf "$XC_DOOR_DIR"
exit "$status"
