# xcloud-agent rpc through a real sshd on loopback, the way xcloudctl reaches
# hosts that use the ssh transport: requests in, one JSON line out each.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../support/sshd.sh"
start_sshd

cat >"$TMP/host.xml" <<'XML'
<node>
  <cpu><nodes>1</nodes><sockets>1</sockets><cores>8</cores><threads>1</threads><active>8</active><mhz>2600</mhz><model>aarch64</model></cpu>
  <memory>33554432</memory>
</node>
XML
printf 'libvirt: test://%s/host.xml\nstorageDir: %s/disks\n' "$TMP" "$TMP" > "$TMP/agent.yaml"

ssh_opts=(-p "$SSHD_PORT" -i "$SSH_KEY" -o BatchMode=yes -o StrictHostKeyChecking=yes
          -o UserKnownHostsFile="$SSH_KNOWN_HOSTS")
printf '%s\n' '{"id":1,"method":"host.facts"}' \
              '{"id":2,"method":"volume.ensure","params":{"name":"root-1","size_gib":4}}' \
              '{"id":3,"method":"domains.list"}' |
  ssh "${ssh_opts[@]}" root@127.0.0.1 "$XCLOUD_AGENT" rpc --config "$TMP/agent.yaml" > "$TMP/replies"

python3 - "$TMP/replies" <<'PY'
import json, sys
replies = [json.loads(l) for l in open(sys.argv[1])]
assert [r["id"] for r in replies] == [1, 2, 3], replies
assert replies[0]["result"]["arch"] == "aarch64", replies[0]
assert replies[0]["result"]["cpu"]["count"] == 8
assert replies[1]["result"]["action"] == "created", replies[1]
assert replies[2]["result"] == {"managed": [], "unmanaged": []}, replies[2]
PY

# A changed host key is refused by the client before any request is sent.
ssh-keygen -q -t ed25519 -N '' -f "$TMP/other_key"
echo "[127.0.0.1]:$SSHD_PORT $(cat "$TMP/other_key.pub")" > "$SSH_KNOWN_HOSTS"
expect_status 255 ssh "${ssh_opts[@]}" root@127.0.0.1 true
expect_contains "$TMP/err" "REMOTE HOST IDENTIFICATION HAS CHANGED"
echo "agent rpc over ssh: ok"
