#!/usr/bin/env bash
# The packages as an operator meets them: makes a fresh Debian 12 root with
# mmdebstrap, installs the amd64 packages there with apt (dependencies from
# the Debian mirror this machine uses), checks the binaries, the units, the
# user and the directories, then purges and checks what is left (the state).
# Also checks that the arm64 packages hold AArch64 binaries. Runs as root.
#   tests/package/install_test.sh [DIST]     (default: dist/ from scripts/package)
# scripts/test runs it when XCLOUD_PACKAGE_TEST=1.
set -euo pipefail
root_dir=$(cd "$(dirname "$0")/../.." && pwd)
inside=""
if [ "${1:-}" = "--inside" ]; then
  inside=$2
  shift 2
fi
dist=$(cd "${1:-$root_dir/dist}" && pwd)
version=$(cat "$root_dir/VERSION")
fail() { echo "install_test: FAIL: $*" >&2; exit 1; }

# Inside: called back by mmdebstrap's customize hook with the new root, whose
# /proc, /sys and /dev mmdebstrap has mounted.
if [ -n "$inside" ]; then
  r=$inside
  inr() { chroot "$r" "$@"; }
  mkdir -p "$r/tmp/debs"
  cp "$dist"/xcloud-agent_"$version"_amd64.deb "$dist"/xcloudctl_"$version"_amd64.deb "$r/tmp/debs/"
  inr sh -c 'cd /tmp/debs && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ./xcloud*.deb' \
    >"$r/tmp/install.log" 2>&1 || { cat "$r/tmp/install.log" >&2; fail "apt-get install ./xcloud*.deb"; }
  echo "install_test: installed with their dependencies"

  for bin in xcloudctl xcloud-agent; do
    got=$(inr "$bin" --version) || fail "$bin --version exits non-zero"
    [[ $got == "$bin $version"* ]] || fail "$bin --version says '$got', not '$bin $version ...'"
    echo "install_test: $got"
  done
  for c in xcloudctl xcloud-agent; do
    inr man -w "$c" >/dev/null || fail "no man page $c(1)"
  done
  for c in xcloudctl xcloud-agent; do
    [ -f "$r/usr/share/bash-completion/completions/$c" ] || fail "no bash completion for $c"
  done
  # The completion offers the commands of the installed binary.
  got=$(inr bash -c '. /usr/share/bash-completion/completions/xcloudctl
    COMP_WORDS=(xcloudctl au); COMP_CWORD=1; _xcloud; echo "${COMPREPLY[*]}"')
  [ "$got" = "audit" ] || fail "completion of 'xcloudctl au' gave '$got'"

  for unit in xcloud-agent xcloud-controller; do
    inr systemd-analyze verify /lib/systemd/system/$unit.service ||
      fail "systemd-analyze verify $unit.service"
  done
  echo "install_test: systemd-analyze verify: clean"
  inr systemctl is-enabled xcloud-agent.service >/dev/null 2>&1 &&
    fail "xcloud-agent.service is enabled before the host is enrolled"
  inr systemctl is-enabled xcloud-controller.service >/dev/null 2>&1 &&
    fail "xcloud-controller.service is enabled before the state exists"

  inr getent passwd xcloud >/dev/null || fail "no user xcloud"
  shell=$(inr getent passwd xcloud | cut -d: -f7)
  [ "$shell" = /usr/sbin/nologin ] || fail "user xcloud has shell $shell"
  uid=$(inr id -u xcloud)
  ((uid < 1000)) || fail "user xcloud is not a system user (uid $uid)"
  grep -qx libvirt <<<"$(inr id -nG xcloud | tr ' ' '\n')" || fail "user xcloud is not in the libvirt group"
  got=$(inr stat -c '%a %U %G' /var/lib/xcloud)  # names from the root's own passwd
  [ "$got" = "700 xcloud xcloud" ] || fail "/var/lib/xcloud is '$got', not '700 xcloud xcloud'"
  for f in /etc/xcloud/agent.yaml /etc/cron.d/xcloud-reports /etc/cron.d/xcloud-audit \
    /etc/default/xcloud-reports /etc/default/xcloud-audit /etc/logrotate.d/xcloud-agent; do
    [ -f "$r$f" ] || fail "$f is not installed"
    grep -qx "$f" "$r"/var/lib/dpkg/info/xcloud*.conffiles || fail "$f is not a conffile"
  done
  got=$(stat -c '%a' "$r/etc/cron.d/xcloud-reports")
  [ "$got" = 644 ] || fail "/etc/cron.d/xcloud-reports has mode $got (cron skips it unless 644)"
  [ -d "$r/var/log/xcloud" ] || fail "no /var/log/xcloud"

  # Installing again (configure twice) changes nothing and fails nothing.
  inr dpkg-reconfigure xcloud-agent xcloudctl >/dev/null 2>&1 || fail "postinst is not idempotent"
  [ "$(inr id -nG xcloud | tr ' ' '\n' | grep -cx libvirt)" = 1 ] || fail "libvirt group twice"

  # What the host made after install: state and logs.
  echo data >"$r/var/lib/xcloud/state.db"
  echo line >"$r/var/log/xcloud/agent.log"
  inr apt-get purge -y -q xcloud-agent xcloudctl >"$r/tmp/purge.log" 2>&1 ||
    { cat "$r/tmp/purge.log" >&2; fail "apt-get purge"; }
  inr find / -xdev -path /proc -prune -o -path /tmp -prune -o -print | sort >"$r/tmp/after-purge"
  left=$(comm -12 <(printf '%s\n' /etc/xcloud /etc/cron.d/xcloud-reports /etc/cron.d/xcloud-audit \
    /etc/default/xcloud-reports /etc/default/xcloud-audit /etc/logrotate.d/xcloud-agent \
    /usr/bin/xcloudctl /usr/lib/xcloud/xcloudctl-engine /usr/bin/xcloud-agent /lib/systemd/system/xcloud-agent.service \
    /lib/systemd/system/xcloud-controller.service \
    /usr/share/bash-completion/completions/xcloudctl /usr/share/man/man1/xcloudctl.1.gz \
    /usr/share/doc/xcloudctl /usr/share/doc/xcloud-agent /var/log/xcloud | sort) "$r/tmp/after-purge")
  [ -z "$left" ] || fail "purge left: $left"
  # Nothing else of the packages' is left: every path containing "xcloud"
  # that remains is the state.
  # man-db's own cache of formatted pages (/var/cache/man) is man-db's to expire.
  left=$(grep xcloud "$r/tmp/after-purge" | grep -v -e '^/var/lib/xcloud' -e '^/var/cache/man/' || true)
  [ -z "$left" ] || fail "purge left: $left"
  [ "$(cat "$r/var/lib/xcloud/state.db")" = data ] || fail "purge removed the state"
  inr getent passwd xcloud >/dev/null || fail "purge removed the user xcloud, who owns the state"
  echo "install_test: purge removed the packages' files and kept /var/lib/xcloud and the user"
  exit 0
fi

[ "$(id -u)" -eq 0 ] || fail "run as root (mmdebstrap makes a root file system)"
for f in xcloud-agent xcloudctl; do
  for arch in amd64 arm64; do
    [ -f "$dist/${f}_${version}_$arch.deb" ] || fail "$dist/${f}_${version}_$arch.deb is missing (run scripts/package)"
  done
done
for tool in mmdebstrap:mmdebstrap file:file readelf:binutils; do
  command -v "${tool%%:*}" >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends -o DPkg::Lock::Timeout=600 "${tool#*:}" >/dev/null
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The binaries are of the package's architecture.
for arch in amd64 arm64; do
  want=$([ "$arch" = arm64 ] && echo AArch64 || echo "X86-64")
  want_file=$([ "$arch" = arm64 ] && echo "ARM aarch64" || echo "x86-64")
  for f in xcloud-agent xcloudctl; do
    dpkg-deb -x "$dist/${f}_${version}_$arch.deb" "$tmp/$arch"
    got=$(readelf -h "$tmp/$arch/usr/bin/$f" | sed -n 's/^ *Machine: *//p')
    [[ $got == *"$want"* ]] || fail "$f in the $arch package is for '$got'"
    grep -q "ELF 64-bit LSB .*$want_file" <<<"$(file -b "$tmp/$arch/usr/bin/$f")" ||
      fail "$f in the $arch package: $(file -b "$tmp/$arch/usr/bin/$f")"
    echo "install_test: $arch $f: $got"
  done
done

# The mirror this machine uses (deb822 or one-line sources).
sources=${XCLOUD_DEBIAN_SOURCES:-}
if [ -z "$sources" ]; then
  for s in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
    [ -s "$s" ] && { sources=$s; break; }
  done
fi
start=$SECONDS
mmdebstrap --quiet --mode=root --variant=apt --include=systemd,procps,man-db,bash-completion \
  --aptopt='APT::Install-Recommends "false"' \
  --customize-hook="\"$root_dir/tests/package/install_test.sh\" --inside \"\$1\" \"$dist\"" \
  bookworm "$tmp/root" "$sources" </dev/null
echo "install_test: passed in $((SECONDS - start)) s (root, install, checks, purge)"
