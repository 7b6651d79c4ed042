#!/usr/bin/env bash
# XCLOUDCTL in door mode (tests/support/door_run.sh): a command naming a
# state (--state) goes through a controller serving that state, as an
# operator's command does (issue 17: every e2e test in both modes), by the
# door XC_DOOR_MODE names:
#   socket: its Unix socket, as the service user (the socket's owner), with
#           the caller's stdin, stdout and stderr and its -f files;
#   https:  its HTTPS door (serve --api --remote-commands) with the
#           controller's own certificate (the service user's), the output
#           streamed back; there stdin is empty, as for remote operators.
# The controllers start on first use, one per state and environment (the
# command runs in the controller's environment, so a variable set for one
# command, e.g. XCLOUD_NOW_MS, gets a controller of its own); door_run.sh
# stops them. What runs here instead is logged with why.
set -uo pipefail

real=${XC_DOOR_REAL:?XC_DOOR_REAL: the real xcloudctl}
dir=${XC_DOOR_DIR:?XC_DOOR_DIR: set by door_run.sh}
mode=${XC_DOOR_MODE:-socket}

state=
rest=()
word=
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  a=${args[i]}
  case $a in
    --state)
      state=${args[i + 1]:-}
      i=$((i + 1))
      continue
      ;;
    --state=*)
      state=${a#--state=}
      continue
      ;;
  esac
  rest+=("$a")
  if [ -z "$word" ]; then
    case $a in
      --as | --reason) [ $((i + 1)) -lt ${#args[@]} ] && rest+=("${args[i + 1]}") && i=$((i + 1)) ;;
      -*) ;;
      *) word=$a ;;
    esac
  fi
done

here() {  # here REASON: runs the command as given, without the controller
  printf '%s\t%s\n' "$1" "$word" >>"$dir/here"
  shift
  exec "$real" "$@"
}

# serve, init and validate are never sent (the controller runs serve; init
# makes the state); a state not made yet has no controller to serve it.
case $word in
  serve | init | validate) here "$word runs here" "${args[@]}" ;;
esac
[ -n "$state" ] || here "no --state" "${args[@]}"
# The controller's service user is the one who made the door directory; an
# operator who is another OS user logs in first (tests/e2e/operators.sh).
[ -O "$dir" ] || here "another OS user" "${args[@]}"
[ -f "$state" ] || here "no state file yet" "${args[@]}"

pki="$(dirname "$state")/pki"
if [ "$mode" = https ]; then
  # The HTTPS door needs the cloud's CA (ca init) and stdin-free commands.
  [ -f "$pki/controller.crt" ] || here "no CA yet for the HTTPS door" "${args[@]}"
fi

# One controller per state and environment (less what changes by itself),
# found without running more than cksum: this runs for every command.
envs=
for v in $(compgen -e); do
  case $v in _ | PWD | OLDPWD | SHLVL | XC_DOOR_*) ;; *) envs+="$v=${!v}"$'\n' ;; esac
done
key=$(cksum <<<"$mode $state"$'\n'"$envs")
door="$dir/${key// /-}"
[ -d "$door" ] || mkdir -p "$door"
running() {
  local pid=
  [ -s "$door/address" ] && [ -s "$door/pid" ] && read -r pid <"$door/pid" && kill -0 "$pid" 2>/dev/null
}
running || {
  flock 9
  if ! running; then
    rm -f "$door/address"
    door_args=(--socket "$door/sock")
    [ "$mode" = https ] && door_args=(--api 127.0.0.1:0 --remote-commands)
    # Its own session, no descriptor of the test's but the log: ctest waits
    # for the test's pipes to close.
    setsid "$real" --state "$state" serve "${door_args[@]}" --doors-only \
      </dev/null >>"$door/log" 2>&1 9>&- &
    echo $! >"$door/pid"
    echo "$door/pid" >>"$dir/pids"
    for _ in $(seq 200); do
      if [ "$mode" = https ]; then
        port=$(sed -n 's/.*supervision API on .* (port \([0-9]*\)).*/\1/p' "$door/log" | tail -n 1)
        [ -n "$port" ] && echo "https://127.0.0.1:$port" >"$door/address" && break
      elif [ -S "$door/sock" ]; then
        echo "$door/sock" >"$door/address" && break
      fi
      kill -0 "$(cat "$door/pid")" 2>/dev/null || break
      sleep 0.025
    done
  fi
} 9>"$door/lock"
# A state that cannot be served (not made by init): as without a controller.
[ -s "$door/address" ] || here "no controller serves this state" "${args[@]}"
printf '%s\n' "$word" >>"$dir/routed"
if [ "$mode" = https ]; then
  export XCLOUD_CERT="$pki/controller.crt" XCLOUD_KEY="$pki/controller.key" XCLOUD_CA="$pki/ca.crt"
fi
read -r address <"$door/address"
XCLOUD_CONTROLLER=$address exec "$real" "${rest[@]}"
