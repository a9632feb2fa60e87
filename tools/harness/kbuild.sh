#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# kbuild.sh BUILD_DIR FRAGMENT
#
# Build an x86_64 kernel (bzImage and modules) from build/linux in
# BUILD_DIR: 'make allnoconfig' with FRAGMENT as KCONFIG_ALLCONFIG, so the
# fragment names every symbol that is on.  Fails if a symbol of the
# fragment did not end up with the fragment's value (a missing dependency
# or a renamed symbol), so a config never silently loses what a test needs.
# Modules are installed, stripped, under BUILD_DIR/modroot (for
# mkinitramfs.sh: '-a BUILD_DIR/modroot/lib/modules:/lib/modules').
#
# The caller holds the locks (tree -s and one for BUILD_DIR).  ccache as in
# kunit.sh; JOBS=n overrides -j$(nproc).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bdir=${1:?usage: kbuild.sh BUILD_DIR FRAGMENT}
frag=$(realpath "${2:?usage: kbuild.sh BUILD_DIR FRAGMENT}")
need_tree
mkdir -p "$bdir"
bdir=$(realpath "$bdir")
mk=(make -C "$LINUX" O="$bdir" ARCH=x86_64 CC="$CC_CCACHE" HOSTCC="$CC_CCACHE" -j"$JOBS")

# A fresh .config from the fragment; keep the old file (and its timestamp,
# so nothing is rebuilt) when the result is the same.
"${mk[@]}" -s KCONFIG_CONFIG=.config.new KCONFIG_ALLCONFIG="$frag" allnoconfig
if cmp -s "$bdir/.config.new" "$bdir/.config"; then
	rm -f "$bdir/.config.new"
else
	mv "$bdir/.config.new" "$bdir/.config"
fi
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*) grep -qxF "$line" "$bdir/.config" || { warn "${frag##*/}: $line not set (.config: $(grep -E "^(# )?${line%%=*}[= ]" "$bdir/.config" || echo absent))"; bad=1; } ;;
	'# CONFIG_'*' is not set')
		s=${line#\# }; s=${s%% *}
		! grep -q "^$s=" "$bdir/.config" || { warn "${frag##*/}: $s must be off"; bad=1; } ;;
	esac
done <"$frag"
[[ $bad -eq 0 ]] || die "kernel config in ${bdir#$ROOT/} lacks symbols of ${frag#$ROOT/} (see above)"

t0=$(date +%s)
"${mk[@]}" bzImage modules
rm -rf "$bdir/modroot"
"${mk[@]}" -s INSTALL_MOD_PATH="$bdir/modroot" INSTALL_MOD_STRIP=1 DEPMOD=/sbin/depmod modules_install
log "kbuild: ${bdir#$ROOT/}/arch/x86/boot/bzImage ($(cat "$bdir/include/config/kernel.release")) built in $(($(date +%s) - t0))s"
