# The agent when its libvirtd goes away: on a virtual host
# (tests/support/virtual_hosts.sh) the agent serves, its libvirtd is killed,
# and the agent logs why and exits 1 at once (systemd's Restart=on-failure
# then starts it with a new connection). Takes a few seconds.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../support/libvirtd.sh"
source "$(dirname "$0")/../support/virtual_hosts.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
trap 'stop_virtual_hosts; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@" </dev/null; }

ctl init >/dev/null
ctl ca init >/dev/null
start_virtual_host vh-lost
port=$(free_port)
start_vhost_agent vh-lost "$port"
dir=$(vhost_dir vh-lost)
agent_pid=$(cat "$dir/agent.pid")
kill -0 "$agent_pid" || fail "the agent is not running"

# libvirtd dies (SIGKILL: no goodbye on the socket).
kill -9 "$(vhost_pid vh-lost)"
rm -f "$dir/libvirtd.pid"  # nothing left for stop_virtual_hosts to stop
status=0
timeout 15 tail --pid="$agent_pid" -f /dev/null || fail "the agent still runs 15 s after libvirtd died"
wait "$agent_pid" || status=$?
rm -f "$dir/agent.pid"
[ "$status" -eq 1 ] || fail "the agent exited $status, not 1 (systemd restarts only a failure)"
grep -q "xcloud-agent: libvirtd closed the connection; exiting so that a restart opens a new one" \
  "$dir/agent.log" || fail "the agent did not say why it exited: $(cat "$dir/agent.log")"
echo "agent_libvirt_lost: the agent exited 1 when libvirtd died"
