# Helpers for e2e tests with operators through the controller's socket (issue
# 17): other OS users (setpriv, so the test runs as root) log in with TOTP
# and run xcloudctl through `xcloudctl serve --socket`. Sourced after
# support/e2e.sh and simulated_hosts.sh (TMP, XCLOUDCTL, stop_agents): sets
# STATE and SOCK, and the trap that stops serve and the agents; ctl runs
# xcloudctl directly on the state.

[ "$(id -u)" = 0 ] || fail "needs root: operators are other OS users (setpriv)"
STATE="$TMP/state/state.db"
SOCK="$TMP/run/controller.sock"
serve_pid=
trap 'kill $serve_pid 2>/dev/null; wait $serve_pid 2>/dev/null; stop_agents; rm -rf "$TMP"' EXIT

ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
# as UID CMD...: xcloudctl as another OS user (their own HOME, where the
# session is kept), through the controller.
as() {
  local uid=$1
  shift
  mkdir -p "$TMP/home/$uid" && chown "$uid:$uid" "$TMP/home/$uid"
  setpriv --reuid="$uid" --regid="$uid" --clear-groups \
    env HOME="$TMP/home/$uid" XCLOUD_CONTROLLER="$SOCK" "$XCLOUDCTL" "$@"
}
# totp BASE32 [OFFSET-STEPS]: the RFC 6238 code (SHA-1, 6 digits, 30 s), as an
# authenticator computes it.
totp() {
  python3 -c 'import base64,hmac,hashlib,struct,sys,time
k = base64.b32decode(sys.argv[1] + "=" * (-len(sys.argv[1]) % 8))
h = hmac.new(k, struct.pack(">Q", int(time.time()) // 30 + int(sys.argv[2])), hashlib.sha1).digest()
o = h[-1] & 15
print("%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000))' "$1" "${2:-0}"
}
secret_of() { sed -n 's/^  \([A-Z2-7]\{32\}\)$/\1/p' "$TMP/secret-$1"; }
add_user() {  # add_user NAME ARGS...: user add, its TOTP secret kept
  local name=$1
  shift
  expect_status 0 ctl user add "$name" "$@"
  cp "$TMP/out" "$TMP/secret-$name"
  [ -n "$(secret_of "$name")" ] || fail "user add $name printed no TOTP secret: $(cat "$TMP/out")"
}
# share_tmp: the state directory the service user's alone, $TMP and the
# socket's directory open to the operators.
share_tmp() {
  chmod 700 "$(dirname "$STATE")"
  chmod 755 "$TMP"
  mkdir -p -m 755 "$(dirname "$SOCK")"
}
# start_operator_socket: serve --socket in the background (serve_pid).
start_operator_socket() {
  "$XCLOUDCTL" --state "$STATE" serve --socket "$SOCK" --heartbeat 1h --collect 1h --alarms 1h 2>"$TMP/serve.log" &
  serve_pid=$!
  for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
  [ -S "$SOCK" ] || fail "serve did not open $SOCK: $(cat "$TMP/serve.log")"
}
