# xcloudctl host upgrade through a real sshd: a real .deb (dpkg-deb --build)
# holding the freshly built agent with its version string bumped is rolled
# onto three SSH hosts, one at a time. Each host is a directory the package is
# installed into (the hosts' installCommand is `dpkg-deb -x {package} ROOT`,
# as tests cannot run dpkg -i and systemd here). A failing install stops the
# roll at that host; the next roll finishes; the agents then answer with the
# new version. A TLS-only host, an unknown host and a foreign package are
# refused before anything is copied.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../support/sshd.sh"
source "$(dirname "$0")/../support/agent_deb.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
SSHD_EXTRA_ADDRESSES="127.0.0.2 127.0.0.3"
start_sshd
trap 'stop_agents; kill "$(cat "$TMP/sshd/sshd.pid")" 2>/dev/null; rm -rf "$TMP"' EXIT
STATE="$TMP/state/state.db"
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
init_ssh_state "$STATE"

build_agent_deb "$TMP"
version=$AGENT_VERSION
new=$NEW_VERSION
deb=$AGENT_DEB

# Three SSH hosts, each a root directory with the current agent installed.
for h in h1 h2 h3; do
  root="$TMP/hosts/$h"
  mkdir -p "$root/usr/bin" "$root/etc/xcloud"
  cp "$XCLOUD_AGENT" "$root/usr/bin/xcloud-agent"
  printf 'libvirt: test:///default\nstorageDir: %s/disks\n' "$root" >"$root/etc/xcloud/agent.yaml"
done
tls_port=$(free_port)
start_agent tls-01 x86_64 4 8 "$tls_port"

# manifests INSTALL_H2: the cloud, with h2's install command given.
manifests() {
  mkdir -p "$TMP/m"
  {
    printf 'apiVersion: xcloud/v1\nkind: Zone\nmetadata: {name: test}\nspec: {}\n---\n'
    printf 'apiVersion: xcloud/v1\nkind: Pool\nmetadata: {name: lab}\nspec: {zone: test}\n---\n'
    printf 'apiVersion: xcloud/v1\nkind: Host\nmetadata: {name: tls-01}\nspec: {pool: lab, address: "127.0.0.1:%s"}\n' "$tls_port"
    for h in h1 h2 h3; do
      root="$TMP/hosts/$h"
      address="127.0.0.${h#h}"
      # Each install notes where the package was copied (checked to be gone).
      install="echo {package} >>$TMP/installed-from && dpkg-deb -x {package} $root"
      [ "$h" = h2 ] && install=$1
      cat <<YAML
---
apiVersion: xcloud/v1
kind: Host
metadata: {name: $h}
spec:
  pool: lab
  address: $address
  transport: ssh
  ssh:
    port: $SSHD_PORT
    command: "$root/usr/bin/xcloud-agent rpc --config $root/etc/xcloud/agent.yaml"
    installCommand: |-
      $install
    restartCommand: "touch $root/restarted"
YAML
    done
  } >"$TMP/m/cloud.yaml"
}

# h2's install fails as dpkg would: the roll stops there, h3 is left alone.
manifests "sh -c 'echo \"\$1\" >>$TMP/installed-from; echo \"dpkg: error processing archive \$1\" >&2; exit 1' -- {package}"
expect_status 0 ctl apply -f "$TMP/m"
expect_status 0 ctl get hosts -o wide
grep -qE "^h1 +ready .* ssh +$version +$(uname -m) " "$TMP/out" || fail "before: $(cat "$TMP/out")"

expect_status 2 ctl host upgrade tls-01 --package "$deb"
expect_contains "$TMP/err" "host 'tls-01' is reached over TLS only: host upgrade needs the SSH transport"
expect_contains "$TMP/err" "README.md's \"Upgrading agents\" section"
expect_status 2 ctl host upgrade h4 --package "$deb"
expect_contains "$TMP/err" "host 'h4' is not declared (did you mean"
sed -i 's/^Package: xcloud-agent$/Package: xcloudctl/' "$TMP/pkg/DEBIAN/control"
dpkg-deb -Znone --root-owner-group --build "$TMP/pkg" "$TMP/other.deb" >/dev/null
expect_status 2 ctl host upgrade h1 --package "$TMP/other.deb"
expect_contains "$TMP/err" "the package is xcloudctl, not xcloud-agent; nothing was changed"
[ ! -e "$TMP/hosts/h1/restarted" ] || fail "a refused upgrade touched h1"

expect_status 1 ctl host upgrade h1 h2 h3 --package "$deb" --wait 20s
expect_contains "$TMP/out" "[1/3] h1: agent $version answers; upgrading to $new"
expect_contains "$TMP/out" "[1/3] h1: copying $deb"
expect_contains "$TMP/out" "[1/3] h1: waiting for the agent to answer $new"
expect_contains "$TMP/out" "h1: agent $new answers (was $version)"
expect_contains "$TMP/err" "host h2: upgrade failed: install (sh -c 'echo \"\$1\" >>$TMP/installed-from; echo \"dpkg: error processing archive \$1\" >&2; exit 1' -- '/tmp/xcloud-upgrade."
expect_contains "$TMP/err" "failed (exit status 1): dpkg: error processing archive /tmp/xcloud-upgrade."
expect_contains "$TMP/err" "the roll stopped at the first failure; not upgraded: h3"
grep -q "h3:" "$TMP/out" && fail "h3 was touched: $(cat "$TMP/out")"
cmp -s "$XCLOUD_AGENT" "$TMP/hosts/h3/usr/bin/xcloud-agent" || fail "h3's agent changed"
cmp -s "$NEW_AGENT" "$TMP/hosts/h1/usr/bin/xcloud-agent" || fail "h1's agent is not the new one"
[ -e "$TMP/hosts/h1/restarted" ] || fail "h1 was not restarted"
[ ! -e "$TMP/hosts/h2/restarted" ] || fail "h2 was restarted after a failed install"
# The copies this test's installs read are gone (not a glob of /tmp: the
# suite runs this script in three modes at once).
[ "$(wc -l <"$TMP/installed-from")" = 2 ] || fail "h1's and h2's installs did not note their packages"
while read -r copied; do
  [ ! -e "$(dirname "$copied")" ] || fail "a copied package was left behind: $(dirname "$copied")"
done <"$TMP/installed-from"

# h2 fixed: the next roll upgrades h2 and h3, with JSON output.
manifests "dpkg-deb -x {package} $TMP/hosts/h2"
expect_status 0 ctl apply -f "$TMP/m"
expect_status 0 ctl host upgrade h2 h3 --package "$deb" -o json
python3 - "$TMP/out" "$version" "$new" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
got = [(r["host"], r["result"], r["before"], r["after"]) for r in rows]
assert got == [("h2", "ok", sys.argv[2], sys.argv[3]), ("h3", "ok", sys.argv[2], sys.argv[3])], got
PY
expect_status 0 ctl diff -f "$TMP/m"
expect_status 0 ctl get hosts -o wide
for h in h1 h2 h3; do
  grep -qE "^$h +ready .* ssh +$new +$(uname -m) " "$TMP/out" || fail "after: $(cat "$TMP/out")"
done

# Each host's upgrade is one audit record: h1 ok, h2 failed, then h2 and h3 ok.
expect_status 0 ctl audit list -o json
python3 - "$TMP/out" "$version" "$new" <<'PY'
import json, sys
records = [r for r in json.load(open(sys.argv[1])) if r["action"] == "upgrade"]
got = [(r["kind"], r["name"], r["result"]) for r in records]
assert got == [("Host", "h1", "ok"), ("Host", "h2", "error"), ("Host", "h2", "ok"), ("Host", "h3", "ok")], got
assert records[0]["message"].startswith(f"agent {sys.argv[2]} -> {sys.argv[3]} from package "), records[0]
assert "dpkg: error processing archive" in records[1]["message"], records[1]
PY
echo "host upgrade: ok"
