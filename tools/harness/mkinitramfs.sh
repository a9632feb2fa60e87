#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh -o OUT.cpio [-i INIT] [-r RUN] [-b PROGRAM]... [-a SRC[:DEST]]...
#
# Make an initramfs (uncompressed newc cpio, which every kernel with
# BLK_DEV_INITRD unpacks) for a QEMU test boot:
#   - Debian's busybox-static as /bin/busybox, with a link for each of its
#     applets (/bin/sh is busybox ash);
#   - bash, always (tests are often bash scripts), copied from the host with
#     the shared libraries that ldd lists;
#   -b PROGRAM   another host program, found in PATH, copied the same way
#                (replaces a busybox applet of the same name);
#   -a SRC[:DEST]  a file or directory of the host, copied to DEST (an
#                absolute path in the guest; default: the same path as SRC).
#                A directory is copied with its contents, e.g. kernel
#                modules: -a build/x/modroot/lib/modules:/lib/modules
#   -i INIT      the guest's /init (default tools/harness/initramfs-init:
#                mounts, markers, runs /harness/run, powers off);
#   -r RUN       the guest's /harness/run, the command list that the default
#                /init runs (default: none; /init then runs the command
#                given after '--' on the kernel command line).
#
# The tree is staged in OUT.d/ (kept, for inspection) and packed with
# 'cpio -H newc -R 0:0', so no root is needed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() { die "usage: mkinitramfs.sh -o OUT.cpio [-i INIT] [-r RUN] [-b PROGRAM]... [-a SRC[:DEST]]..."; }
out='' init=$HARNESS_DIR/initramfs-init run=''
progs=(bash) adds=()
while getopts 'o:i:r:b:a:' opt; do
	case $opt in
	o) out=$OPTARG ;;
	i) init=$OPTARG ;;
	r) run=$OPTARG ;;
	b) progs+=("$OPTARG") ;;
	a) adds+=("$OPTARG") ;;
	*) usage ;;
	esac
done
[[ $OPTIND -gt $# ]] || usage
[[ -n $out ]] || usage
deps initramfs
[[ -f $init ]] || die "init script $init: no such file"
[[ -z $run || -f $run ]] || die "run script $run: no such file"

busybox=/bin/busybox
# A dynamically linked busybox (Debian's 'busybox' package) would need its
# libc in the guest too: insist on busybox-static.
readelf -lW "$busybox" 2>/dev/null | grep -q 'Requesting program interpreter' &&
	die "$busybox is dynamically linked: install Debian's busybox-static (it replaces busybox)"

stage=$out.d
rm -rf "$stage"
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,root,etc,harness,lib,lib64}
chmod 1777 "$stage/tmp"
cp "$busybox" "$stage/bin/busybox"
# One link per applet, at the path busybox itself gives (bin/sh, usr/bin/awk...).
while IFS= read -r applet; do
	applet=${applet#/}
	[[ -n $applet && $applet != bin/busybox ]] || continue
	mkdir -p "$stage/$(dirname "$applet")"
	ln -sf /bin/busybox "$stage/$applet"
done < <("$busybox" --list-full)

# copy_host FILE: FILE at the same path in the guest, a symlink as a
# symlink (then its target too).
copy_host() {
	local f=$1 t
	[[ -e $stage$f || -L $stage$f ]] && return 0
	mkdir -p "$stage$(dirname "$f")"
	if [[ -L $f ]]; then
		t=$(readlink "$f")
		rm -f "$stage$f"
		ln -s "$t" "$stage$f"
		[[ $t == /* ]] || t=$(dirname "$f")/$t
		copy_host "$t"
	else
		rm -f "$stage$f"
		cp "$f" "$stage$f"
	fi
}

# A host program and the libraries its dynamic loader resolves.
for p in "${progs[@]}"; do
	path=$(command -v "$p") || die "-b $p: not found in PATH"
	path=$(realpath "$path")
	# Put it where busybox has its applet (usually /bin), replacing the link.
	dest=$(find "$stage" -name "$p" -lname /bin/busybox -print -quit)
	dest=${dest:-$stage/bin/$p}
	rm -f "$dest"
	cp "$path" "$dest"
	while read -r lib; do
		copy_host "$lib"
	done < <(ldd "$path" 2>/dev/null | grep -oE '(^|[[:space:]])/[^[:space:]]+' | tr -d ' \t' | sort -u)
done

for a in "${adds[@]}"; do
	src=${a%%:*} dst=${a#*:}
	[[ $a == *:* ]] || dst=$(realpath "$src")
	[[ -e $src ]] || die "-a $src: no such file or directory"
	[[ $dst == /* ]] || die "-a $a: the guest path must be absolute"
	mkdir -p "$stage$(dirname "$dst")"
	if [[ -d $src ]]; then
		mkdir -p "$stage$dst"
		cp -a "$src/." "$stage$dst/"
	else
		cp -a "$src" "$stage$dst"
	fi
done

cp "$init" "$stage/init"
chmod 755 "$stage/init"
if [[ -n $run ]]; then
	cp "$run" "$stage/harness/run"
	chmod 755 "$stage/harness/run"
fi
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$out.tmp"
mv "$out.tmp" "$out"
log "initramfs: ${out#$ROOT/} ($(du -k "$out" | cut -f1) KiB; tree in ${stage#$ROOT/}/)"
