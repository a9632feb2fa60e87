#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# getsparse.sh: print the path of a sparse that the kernel in build/linux
# accepts, building one if need be.
#
# The kernel's Makefile runs scripts/checker-valid.sh on $(CHECK) and, if it
# fails, warns "C=2 specified, but sparse is not available or not up to
# date" and checks nothing. 7.3 needs __typeof_unqual__, which Debian 12's
# sparse (0.6.4-3) lacks, and newer Debian binaries need a newer glibc. So:
#   1. the host's sparse, if checker-valid.sh accepts it;
#   2. else build/tools/sparse/sparse, built before;
#   3. else the source package from $SPARSE_SUITE (default sid) fetched
#      through a private apt configuration (build/apt-sparse/, the host's
#      own Debian mirror; apt-get source checks the files against the
#      signed index), built with 'make sparse' (about 15 s).
# Stops with a message if none of them works.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SUITE=${SPARSE_SUITE:-sid}
OUT=$BUILD/tools/sparse
APTDIR=$BUILD/apt-sparse
valid=$LINUX/scripts/checker-valid.sh
[[ -x $valid || -f $valid ]] || die "getsparse.sh: $valid is missing (run 'make tree' first)"

# checker-valid.sh prints 1 when the checker parses what the kernel needs.
ok() { [[ $(sh "$valid" "$1" -m64 2>/dev/null) == 1 ]]; }

if command -v sparse >/dev/null && ok "$(command -v sparse)"; then
	command -v sparse
	exit 0
fi
if [[ -x $OUT/sparse ]] && ok "$OUT/sparse"; then
	printf '%s\n' "$OUT/sparse"
	exit 0
fi

log "sparse: the host's sparse ($(sparse --version 2>/dev/null || echo none)) is too old for this kernel; building Debian $SUITE's" >&2
private_apt "$APTDIR" "$SUITE" deb-src >&2 ||
	die "sparse: cannot set up a private apt index of $SUITE sources (see above).
Install a sparse that supports __typeof_unqual__ (0.6.5 or later) on PATH."
rm -rf "$OUT.src"
mkdir -p "$OUT.src"
(cd "$OUT.src" && apt-get "${PAPT[@]}" source --download-only sparse) >"$APTDIR/download.log" 2>&1 || {
	sed 's/^/  /' "$APTDIR/download.log" >&2
	die "sparse: apt-get source --download-only sparse ($SUITE) failed (log above)"
}
orig=$(compgen -G "$OUT.src/sparse_*.orig.tar.*" | head -1 || true)
[[ -n $orig ]] || die "sparse: no sparse_*.orig.tar.* in the $SUITE source package"
tar -C "$OUT.src" -xf "$orig"
dir=$(find "$OUT.src" -mindepth 1 -maxdepth 1 -type d -name 'sparse*' | head -1 || true)
[[ -n $dir ]] || die "sparse: $orig holds no sparse* directory"
make -C "$dir" -j"$JOBS" sparse >"$APTDIR/build.log" 2>&1 || {
	tail -20 "$APTDIR/build.log" >&2
	die "sparse: building $(basename "$orig") failed (log above)"
}
ok "$dir/sparse" ||
	die "sparse: the sparse built from $(basename "$orig") fails the kernel's scripts/checker-valid.sh"
mkdir -p "$OUT"
cp "$dir/sparse" "$OUT/sparse.new"
mv "$OUT/sparse.new" "$OUT/sparse"
printf '%s\n' "$(basename "$orig")" >"$OUT/version"
rm -rf "$OUT.src"
log "sparse: built from $(basename "$orig") ($SUITE, upstream source without Debian's patches) in ${OUT#$ROOT/}/" >&2
printf '%s\n' "$OUT/sparse"
