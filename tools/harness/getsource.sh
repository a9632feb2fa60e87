#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# getsource.sh: put the base kernel source in build/source/:
#   build/source/linux-source.tar.xz   the tarball Debian ships
#   build/source/version               "<package> <version>" (one line)
#
# The base is Debian's linux-source-$SERIES (today 7.3, in trixie-backports:
# the newest mainline release Debian ships). It is fetched without touching
# the host's apt configuration: a private sources list, state and cache
# under build/apt/, pointing at the Debian mirror the host itself is
# configured with (read from 'apt-get indextargets'; no host name is written
# anywhere in the repository), then 'apt-get download' and 'dpkg-deb -x'.
#
# Environment:
#   LINUX_SOURCE_TARBALL=path   use this tarball instead (other distros,
#                               offline); its version is recorded as
#                               "tarball <name> sha256:<first 16 hex>"
#   LINUX_SOURCE_PKG, LINUX_SOURCE_SUITE   override package and suite
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PKG=${LINUX_SOURCE_PKG:-linux-source-7.3}
SUITE=${LINUX_SOURCE_SUITE:-trixie-backports}
OUT=$BUILD/source
APTDIR=$BUILD/apt
mkdir -p "$OUT"

if [[ -n ${LINUX_SOURCE_TARBALL:-} ]]; then
	[[ -f $LINUX_SOURCE_TARBALL ]] ||
		die "LINUX_SOURCE_TARBALL=$LINUX_SOURCE_TARBALL: no such file"
	sum=$(sha256sum "$LINUX_SOURCE_TARBALL" | cut -c1-16)
	version="tarball $(basename "$LINUX_SOURCE_TARBALL") sha256:$sum"
	if [[ $(cat "$OUT/version" 2>/dev/null) != "$version" ]]; then
		rm -f "$OUT/linux-source.tar.xz" "$OUT/version"
		ln -s "$(realpath "$LINUX_SOURCE_TARBALL")" "$OUT/linux-source.tar.xz"
		printf '%s\n' "$version" >"$OUT/version"
	fi
	log "source: $version (LINUX_SOURCE_TARBALL)"
	exit 0
fi

howto="Provide the source another way: download Debian's $PKG .deb (suite
$SUITE), or any kernel tarball of the same release, and run
  make tree LINUX_SOURCE_TARBALL=/path/to/linux-source-X.Y.tar.xz"

command -v dpkg-deb >/dev/null ||
	die "dpkg-deb is needed to unpack $PKG ($SUITE).
$howto"
private_apt "$APTDIR" "$SUITE" deb ||
	die "cannot fetch $PKG ($SUITE) with a private apt configuration (see above).
$howto"
version=$(apt-cache "${PAPT[@]}" show --no-all-versions "$PKG" 2>/dev/null | sed -n 's/^Version: //p' | head -1)
[[ -n $version ]] || die "package $PKG is not in Debian suite $SUITE.
$howto"

if [[ $(cat "$OUT/version" 2>/dev/null) == "$PKG $version" && -f $OUT/linux-source.tar.xz ]]; then
	log "source: $PKG $version (cached in build/source/)"
	exit 0
fi
log "source: downloading $PKG $version from $SUITE"
rm -rf "$OUT/deb" "$OUT/x" "$OUT/version" "$OUT/linux-source.tar.xz"
apt_unpack "$APTDIR" "$OUT" "$PKG=$version" ||
	die "cannot fetch $PKG=$version ($SUITE) (see above).
$howto"
tarball=$(ls "$OUT"/x/usr/src/linux-source-*.tar.xz 2>/dev/null | head -1)
[[ -n $tarball ]] || die "$PKG=$version holds no /usr/src/linux-source-*.tar.xz"
mv "$tarball" "$OUT/linux-source.tar.xz"
rm -rf "$OUT/x"
printf '%s %s\n' "$PKG" "$version" >"$OUT/version"
log "source: $PKG $version in build/source/"
