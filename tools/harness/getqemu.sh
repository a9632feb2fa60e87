#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# getqemu.sh: put the QEMU that runs the x86 guests in build/qemu-x86/:
#   build/qemu-x86/x/usr/bin/qemu-system-{x86_64,i386}
#   build/qemu-x86/x/usr/share/qemu/      its firmware (QEMU's -L)
#   build/qemu-x86/version                "<package> <version>" (one line)
#
# Why not the host's: Debian 12's QEMU 7.2, with multi-threaded TCG,
# sometimes lets a vCPU run code that a text poke has already replaced
# (stale translated code). A kernel with CONFIG_JUMP_LABEL=y, as every
# distribution builds it, pokes static keys at boot and whenever a key is
# switched; with 7.2, the x86_64 KCSAN kernel crashed on such a stale int3
# in 6 of 9 boots, and 10.0.2 booted it cleanly (issue 10, notes 31, 32
# and 34).
#
# The package is Debian's qemu-system-x86 (with qemu-system-data, its
# firmware) from $QEMU_X86_SUITE (bookworm-backports: built for Debian 12,
# the build machines' release), fetched as getsource.sh fetches the kernel:
# a private sources list, state and cache under build/apt-qemu/ that reuse
# the host's Debian mirror, then 'apt-get download' and 'dpkg-deb -x'.
# Nothing is installed and the host's apt configuration is untouched. The
# binaries use the host's shared libraries, which the host's own
# qemu-system-x86 (deps.sh group qemu) brings in; a missing one is an
# error.
#
# Environment: QEMU_X86=host: do nothing (the harness then runs the host's
# qemu-system-x86_64 and qemu-system-i386); QEMU_X86_SUITE: another suite.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[[ ${QEMU_X86:-fetch} != host ]] || exit 0
SUITE=${QEMU_X86_SUITE:-bookworm-backports}
PKGS=(qemu-system-x86 qemu-system-data)
OUT=$BUILD/qemu-x86
APTDIR=$BUILD/apt-qemu
lock qemu-x86

howto="Or run the x86 guests on the host's QEMU: QEMU_X86=host (Debian 12's
QEMU 7.2 crashes some boots of kernels with CONFIG_JUMP_LABEL=y, see
tools/harness/getqemu.sh)."

command -v dpkg-deb >/dev/null || die "dpkg-deb is needed to unpack ${PKGS[*]}. $howto"
private_apt "$APTDIR" "$SUITE" deb ||
	die "cannot fetch ${PKGS[*]} ($SUITE) with a private apt configuration (see above).
$howto"

want=
for p in "${PKGS[@]}"; do
	v=$(apt-cache "${PAPT[@]}" show --no-all-versions "$p" 2>/dev/null | sed -n 's/^Version: //p' | head -1)
	[[ -n $v ]] || die "package $p is not in Debian suite $SUITE. $howto"
	want+="$p=$v "
done
want=${want% }

if [[ $(cat "$OUT/version" 2>/dev/null) == "$want" && -x $OUT/x/usr/bin/qemu-system-x86_64 ]]; then
	exit 0
fi
log "qemu-x86: downloading $want from $SUITE"
rm -rf "$OUT"
# shellcheck disable=SC2086
apt_unpack "$APTDIR" "$OUT" $want || die "cannot fetch $want ($SUITE) (see above). $howto"
for q in qemu-system-x86_64 qemu-system-i386; do
	bin=$OUT/x/usr/bin/$q
	[[ -x $bin ]] || die "$want holds no /usr/bin/$q"
	missing=$(ldd "$bin" 2>&1 | awk '/not found/ { print $1 }' | paste -sd' ')
	[[ -z $missing ]] || die "$bin needs libraries this host lacks: $missing. $howto"
	"$bin" -L "$OUT/x/usr/share/qemu" --version >/dev/null ||
		die "$bin does not run on this host. $howto"
done
printf '%s\n' "$want" >"$OUT/version"
log "qemu-x86: $("$OUT/x/usr/bin/qemu-system-x86_64" --version | head -1) in ${OUT#$ROOT/}/"
