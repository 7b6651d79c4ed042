# Starts a throwaway sshd on a free loopback port for tests (needs root, as
# CI and the sessions run), on 127.0.0.1 and the other loopback addresses in
# SSHD_EXTRA_ADDRESSES (e.g. "127.0.0.2 127.0.0.3": hosts need their own). Sets SSHD_PORT, SSH_KEY (the client's private key)
# and SSH_KNOWN_HOSTS; registers cleanup on EXIT. Source after e2e.sh.
start_sshd() {
  local dir="$TMP/sshd"
  mkdir -p "$dir" /run/sshd
  chmod 700 "$dir"
  ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key"
  ssh-keygen -q -t ed25519 -N '' -f "$dir/client_key"
  cp "$dir/client_key.pub" "$dir/authorized_keys"
  SSHD_PORT=$(python3 "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/free_port.py")
  cat >"$dir/sshd_config" <<CFG
Port $SSHD_PORT
ListenAddress 127.0.0.1
$(for a in ${SSHD_EXTRA_ADDRESSES:-}; do echo "ListenAddress $a"; done)
HostKey $dir/host_key
AuthorizedKeysFile $dir/authorized_keys
PidFile $dir/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
CFG
  /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log"
  for _ in $(seq 50); do
    [ -s "$dir/sshd.pid" ] && break
    sleep 0.1
  done
  [ -s "$dir/sshd.pid" ] || fail "sshd did not start: $(cat "$dir/sshd.log")"
  trap 'kill "$(cat "'"$dir"'/sshd.pid")" 2>/dev/null; rm -rf "$TMP"' EXIT
  SSH_KEY="$dir/client_key"
  SSH_KNOWN_HOSTS="$dir/known_hosts"
  local a
  for a in 127.0.0.1 ${SSHD_EXTRA_ADDRESSES:-}; do
    echo "[$a]:$SSHD_PORT $(cat "$dir/host_key.pub")"
  done >"$SSH_KNOWN_HOSTS"
}

# init_ssh_state STATE: a new state database with a CA, whose pki/ holds the
# test sshd's client key and known_hosts (what an operator copies there).
init_ssh_state() {
  local pki
  pki="$(dirname "$1")/pki"
  "$XCLOUDCTL" --state "$1" init >/dev/null
  "$XCLOUDCTL" --state "$1" ca init >/dev/null
  cp "$SSH_KEY" "$pki/ssh_key"
  cp "$SSH_KNOWN_HOSTS" "$pki/known_hosts"
}
