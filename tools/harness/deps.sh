#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Make sure the host tools a target needs are installed.
#
#   deps.sh GROUP...     GROUP: source build qemu initramfs lint userspace bench
#                        cross-arm64 qemu-arm64 cross-riscv qemu-riscv clang
#                        (or all: the x86 ones)
#
# On Debian/Ubuntu missing packages are installed with apt-get (after one
# 'apt-get update'); on any other host we stop and name the packages.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

declare -A PKGS=(
	[source]="xz-utils tar git dpkg apt debian-archive-keyring"
	[build]="gcc make flex bison bc libelf-dev libssl-dev python3 cpio rsync perl git ccache"
	[qemu]="qemu-system-x86"
	# mkinitramfs.sh: Debian's static busybox (it replaces the dynamic
	# 'busybox' package, which provides the same /bin/busybox), bash and
	# readelf copied from the host with their libraries; kbuild.sh: depmod
	# for modules_install.
	[initramfs]="busybox-static cpio bash binutils kmod"
	[lint]="sparse coccinelle perl python3 python3-ply python3-git"
	[userspace]="gcc make valgrind"
	[bench]="valgrind gnuplot-nox python3"
	# make kunit-arm64: the cross compiler and QEMU (qemu-system-arm has
	# qemu-system-aarch64; -kernel boots without firmware)
	[cross-arm64]="gcc-aarch64-linux-gnu"
	[qemu-arm64]="qemu-system-arm"
	# make kunit-riscv: qemu-system-misc has qemu-system-riscv64;
	# qemu-system-data has the OpenSBI firmware that kunit.py's riscv
	# config boots with
	[cross-riscv]="gcc-riscv64-linux-gnu"
	[qemu-riscv]="qemu-system-misc qemu-system-data"
	# make kunit-kmsan: KMSAN needs Clang (Debian 12 has 19)
	[clang]="clang-19 lld-19 llvm-19"
)
# A file that proves each package is really there (cheap check that also
# works on non-Debian hosts where dpkg is absent).
declare -A PROBE=(
	[dpkg]=dpkg-deb [apt]=apt-get
	[debian-archive-keyring]=/usr/share/keyrings/debian-archive-keyring.gpg
	[xz-utils]=xz [tar]=tar [git]=git [gcc]=gcc [make]=make [flex]=flex
	[bison]=bison [bc]=bc [libelf-dev]=/usr/include/libelf.h
	[libssl-dev]=/usr/include/openssl/ssl.h [python3]=python3 [cpio]=cpio
	[rsync]=rsync [perl]=perl [ccache]=ccache
	[busybox-static]=/bin/busybox [bash]=bash [binutils]=readelf
	[kmod]=/sbin/depmod
	[qemu-system-x86]="qemu-system-x86_64 /usr/share/qemu/qboot.rom"
	[sparse]=sparse [coccinelle]=spatch [valgrind]=valgrind
	[gnuplot-nox]=gnuplot
	[gcc-aarch64-linux-gnu]=aarch64-linux-gnu-gcc
	[qemu-system-arm]=qemu-system-aarch64
	[gcc-riscv64-linux-gnu]=riscv64-linux-gnu-gcc
	[qemu-system-misc]=qemu-system-riscv64
	[qemu-system-data]=/usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin
	[clang-19]=clang-19 [lld-19]=ld.lld-19 [llvm-19]=llvm-ar-19
	[python3-ply]=/usr/lib/python3/dist-packages/ply [python3-git]=/usr/lib/python3/dist-packages/git
)

present() {
	local p
	for p in ${PROBE[$1]}; do
		if [[ $p == /* ]]; then [[ -e $p ]] || return 1
		else command -v "$p" >/dev/null 2>&1 || return 1
		fi
	done
}

groups=("$@")
[[ ${#groups[@]} -gt 0 && ${groups[0]} != all ]] || groups=(source build qemu initramfs lint)
missing=()
for g in "${groups[@]}"; do
	[[ -n ${PKGS[$g]+x} ]] || die "deps.sh: unknown group '$g'"
	for p in ${PKGS[$g]}; do
		present "$p" || [[ " ${missing[*]} " == *" $p "* ]] || missing+=("$p")
	done
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

# shellcheck disable=SC1090
. "${OS_RELEASE:-/etc/os-release}" 2>/dev/null || true
if [[ " ${ID:-} ${ID_LIKE:-} " != *" debian "* && " ${ID:-} ${ID_LIKE:-} " != *" ubuntu "* ]] ||
   ! command -v apt-get >/dev/null; then
	die "missing host tools and this is not a Debian/Ubuntu host (${PRETTY_NAME:-unknown}).
Install the equivalents of these Debian packages and re-run: ${missing[*]}
(For the kernel source itself, pass LINUX_SOURCE_TARBALL=/path/to/linux-7.3.tar.xz.)"
fi

SUDO=
if [[ $EUID -ne 0 ]]; then
	command -v sudo >/dev/null || die "need root (or sudo) to install: ${missing[*]}"
	SUDO="sudo -n"
fi
export DEBIAN_FRONTEND=noninteractive
# 'apt-get update' once per build/ directory (and again after a day).
mkdir -p "$BUILD"
marker=$BUILD/.apt-updated
if [[ -z $(find "$marker" -mmin -1440 2>/dev/null) ]]; then
	log "deps: apt-get update"
	$SUDO apt-get update -q >/dev/null || die "apt-get update failed"
	touch "$marker"
fi
# qemu's qboot.rom lives in qemu-system-data on some releases.
[[ " ${missing[*]} " == *" qemu-system-x86 "* ]] && missing+=(qemu-system-data)
log "deps: apt-get install -y ${missing[*]}"
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" ||
	die "apt-get install failed for: ${missing[*]}"
for g in "${groups[@]}"; do
	for p in ${PKGS[$g]}; do
		present "$p" || die "package $p installed but ${PROBE[$p]} still missing"
	done
done
