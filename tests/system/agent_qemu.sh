# Runs tests/system/agent_qemu.py against a real libvirtd that this script starts.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../support/libvirtd.sh"
start_libvirtd
trap 'stop_libvirtd; rm -rf "$TMP"' EXIT
python3 "$(dirname "$0")/agent_qemu.py" "$XCLOUD_AGENT" "$TMP"
echo "agent on qemu: ok"
