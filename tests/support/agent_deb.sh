# build_agent_deb DIR: a real xcloud-agent .deb (dpkg-deb --build, uncompressed
# for speed) holding
# the freshly built $XCLOUD_AGENT with its version string patched in place to
# another version of the same length (the last digit + 1), so the packaged
# binary itself reports it. Sets AGENT_VERSION (this build's), NEW_VERSION,
# NEW_AGENT (the patched binary) and AGENT_DEB. Source after e2e.sh.
build_agent_deb() {
  local dir=$1
  AGENT_VERSION=$(head -n1 "$XC_SOURCE_DIR/VERSION")
  NEW_VERSION="${AGENT_VERSION%?}$(((${AGENT_VERSION: -1} + 1) % 10))"
  mkdir -p "$dir/pkg/DEBIAN" "$dir/pkg/usr/bin"
  NEW_AGENT="$dir/pkg/usr/bin/xcloud-agent"
  python3 - "$XCLOUD_AGENT" "$NEW_AGENT" "$AGENT_VERSION" "$NEW_VERSION" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
old, new = b"\0" + sys.argv[3].encode() + b"\0", b"\0" + sys.argv[4].encode() + b"\0"
assert data.count(old) == 1, f"version string found {data.count(old)} times in {sys.argv[1]}"
open(sys.argv[2], "wb").write(data.replace(old, new))
PY
  strip --strip-debug "$NEW_AGENT"  # as dh_strip does; a tenth of the size to copy
  chmod 755 "$NEW_AGENT"
  [[ "$("$NEW_AGENT" --version)" == "xcloud-agent $NEW_VERSION "* ]] ||
    fail "the patched agent does not say $NEW_VERSION: $("$NEW_AGENT" --version)"
  cat >"$dir/pkg/DEBIAN/control" <<CONTROL
Package: xcloud-agent
Version: $NEW_VERSION-1
Architecture: $(dpkg --print-architecture)
Maintainer: xcloud tests <tests@example.invalid>
Description: xcloud agent (test package with a bumped version)
CONTROL
  AGENT_DEB="$dir/xcloud-agent_${NEW_VERSION}-1.deb"
  dpkg-deb -Znone --root-owner-group --build "$dir/pkg" "$AGENT_DEB" >/dev/null
}
