# Guest configuration through the real binaries on three simulated hosts: a VM
# with a guest section gets its NoCloud seed image beside its disks, a new SSH
# key is a restart-class change, and the password hash never appears in what
# xcloud prints, stores, audits or logs. A plaintext password is refused.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
trap 'stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }

HASH='$6$xcseedsalt$q3F0h9QyV8eQk8v6o3zq6Y0mXkQfXkR8cY9oQm0w1vQxS1nE3eXo2Wc9g6sV2dT7bYp8uL4rK1jH0aZ5xC3n/.'
KEY1='ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKQig858ZtMmeRFsA+eWzR5DPfNDbAM+d6J2+ihKYxnu ops@example'
KEY2='ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEHHqncdMaKu7rZgQ5ht38BJIEbN6X9iralpl25vWj5k second@example'

ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
start_example_cloud "$M"
# The app network hands out DNS servers; web-1 gets a guest section.
sed -i '0,/  ipv4: {subnet: 10.20.1.0\/24, gateway: 10.20.1.1}/s//  ipv4: {subnet: 10.20.1.0\/24, gateway: 10.20.1.1}\n  dns: [10.20.0.53, "fd00:20::53"]/' "$M/networks.yaml"
python3 - "$M/vms.yaml" "$HASH" "$KEY1" <<'PY'
import sys
path, hash_, key = sys.argv[1:]
text = open(path).read()
anchor = "  placement: {zone: gov-extranet, pool: erlonglu, group: edu-portal-web}\n  power: running\n"
guest = ("  guest:\n    hostname: web-1.edu.example\n    sshAuthorizedKeys:\n      - %s\n"
         "    passwordHash: '%s'\n" % (key, hash_))
assert anchor in text
open(path, "w").write(text.replace(anchor, anchor + guest, 1))
PY

expect_status 1 ctl diff -f "$M"
grep -qF -- "$HASH" "$TMP/out" && fail "diff printed the password hash"
expect_status 0 ctl apply -f "$M"
cp "$TMP/out" "$TMP/apply1.out"
expect_status 0 ctl diff -f "$M"  # converged: the CD-ROM is where the agent keeps it (no drift)
expect_contains "$TMP/out" "unchanged."

# The seed image is on the VM's host, labelled cidata, holding the three files.
expect_status 0 ctl get vms edu-portal-web-1 -o json
host=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["host"])' "$TMP/out")
iso="$TMP/agents/$host/disks/xc-education.edu-portal-web-1.cidata.iso"
[ -f "$iso" ] || fail "no seed image at $iso"
python3 - "$iso" "$HASH" "$KEY1" <<'PY' || fail "seed image content"
import sys
data = open(sys.argv[1], "rb").read()
assert data[32768:32774] == b"\x01CD001", data[32768:32774]
assert data[32768 + 40:32768 + 72].rstrip() == b"cidata", data[32768 + 40:32768 + 72]
for needle in (b"#cloud-config", b'"instance-id"', b'"version": 2', b"10.20.1.11/24", b'"via": "10.20.1.1"',
               b"10.20.0.53", b"web-1.edu.example", sys.argv[3].encode(), sys.argv[2].encode()):
    assert needle in data, needle
PY
# Other VMs get a seed too (host name: the VM's name).
[ -n "$(ls "$TMP"/agents/*/disks/xc-education.edu-portal-db-1.cidata.iso 2>/dev/null)" ] || fail "db-1 has no seed"

# A second key: a restart-class change in diff, pending after apply, in the seed after it.
python3 - "$M/vms.yaml" "$KEY1" "$KEY2" <<'PY'
import sys
path, key1, key2 = sys.argv[1:]
text = open(path).read()
open(path, "w").write(text.replace("      - %s\n" % key1, "      - %s\n      - %s\n" % (key1, key2), 1))
PY
expect_status 1 ctl diff -f "$M"
expect_contains "$TMP/out" "~ update VirtualMachine education/edu-portal-web-1"
expect_contains "$TMP/out" "restart: guest.ssh_authorized_keys changed (1 -> 2 keys)"
expect_status 1 ctl diff -f "$M" -o json
python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); s=[x for x in p["steps"] if x["name"]=="edu-portal-web-1"][0]; assert "guest.ssh_authorized_keys changed (1 -> 2 keys)" in s["restart"], s' "$TMP/out" || fail "restart class in json"
expect_status 0 ctl apply -f "$M"
cp "$TMP/out" "$TMP/apply2.out"
grep -qF "second@example" "$iso" || fail "the seed was not regenerated with the new key"
expect_status 0 ctl get vms edu-portal-web-1
expect_contains "$TMP/out" "restart pending"

# A new password hash is a change too, shown without the hash.
HASH2='$y$j9T$xcseedsalt2$Xq9eR2m1Lk7fD3hT6vN0pW8sY4bJ5cZ1aQ2uE7iO3r'
python3 - "$M/vms.yaml" "$HASH" "$HASH2" <<'PY'
import sys
path, old, new = sys.argv[1:]
text = open(path).read()
open(path, "w").write(text.replace(old, new, 1))
PY
expect_status 1 ctl diff -f "$M"
expect_contains "$TMP/out" "guest.password_hash changed"
expect_contains "$TMP/out" "spec.guest.passwordHash: \"<redacted:"
cp "$TMP/out" "$TMP/diff3.out"
expect_status 0 ctl apply -f "$M" --allow-restart
cp "$TMP/out" "$TMP/apply3.out"
grep -qF -- "$HASH2" "$iso" || fail "the seed does not hold the new hash"

# Nothing xcloud printed, stored, audited or logged holds either hash.
expect_status 0 ctl describe vm edu-portal-web-1
cp "$TMP/out" "$TMP/describe.out"
expect_contains "$TMP/describe.out" "passwordHash: <redacted:"
expect_status 0 ctl get vms edu-portal-web-1 -o json
cp "$TMP/out" "$TMP/get.out"
expect_status 0 ctl audit list -o json
cp "$TMP/out" "$TMP/audit.out"
for f in "$TMP"/apply*.out "$TMP/diff3.out" "$TMP/describe.out" "$TMP/get.out" "$TMP/audit.out" \
  "$TMP"/agents/*/agent.log "$STATE"*; do
  for h in "$HASH" "$HASH2" "xcseedsalt"; do
    grep -qaF -- "$h" "$f" && fail "$f holds the password hash"
  done
done

# A plaintext password is refused at validate, with its place, and not echoed.
sed -i "s|    passwordHash: '.*'|    password: hunter2-plain|" "$M/vms.yaml"
expect_status 2 ctl validate -f "$M"
expect_contains "$TMP/err" "vms.yaml:"
expect_contains "$TMP/err" "error: a plaintext password is refused: give guest.passwordHash"
grep -qF hunter2 "$TMP/err" && fail "validate echoed the plaintext password"

# Deleting the VM removes its seed with it.
python3 - "$M/vms.yaml" <<'PY'
import sys
path = sys.argv[1]
docs = open(path).read().split("\n---\n")
open(path, "w").write("\n---\n".join(d for d in docs if "name: edu-portal-web-1" not in d))
PY
expect_status 0 ctl apply -f "$M" --prune --yes
[ -e "$iso" ] && fail "the seed image outlived its VM"
echo "guest_seed: ok"
