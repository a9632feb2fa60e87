#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# litmus.sh: check the series' litmus tests, in build/linux's
# Documentation/litmus-tests/pcpu-lookup-cache/, with herd7 against the
# tree's own Linux-kernel memory model (tools/memory-model), and check that
# each test needs every one of its barriers (litmus.py says how).
#
# herd7 is the host's, if one is on PATH; else Debian $HERD_SUITE's
# herdtools7 (default sid: Debian 12 has none, and trixie none either),
# fetched through a private apt configuration (build/apt-herd/, the host's
# own Debian mirror; apt-get checks the packages against the signed index)
# and unpacked in build/tools/herd/ with no install. sid's herd7 needs a
# newer C library than Debian 12's, so it runs under sid's own dynamic
# loader and libraries, unpacked beside it (libc6, libgmp10): a wrapper,
# build/tools/herd/herd7, runs it so. x86_64 hosts only.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
rm -f "$BUILD/results/litmus.counts"

SUITE=${HERD_SUITE:-sid}
OUT=$BUILD/tools/herd
APTDIR=$BUILD/apt-herd
TESTS=$LINUX/Documentation/litmus-tests/pcpu-lookup-cache
MODEL=$LINUX/tools/memory-model
# (bisect-check checks other commits out in build/linux under the
# exclusive lock.)
lock tree -s
need_tree
[[ -f $MODEL/linux-kernel.cfg ]] || die "litmus: $MODEL/linux-kernel.cfg is missing"
compgen -G "$TESTS/*.litmus" >/dev/null || die "litmus: no test in $TESTS"

# A herd7 that runs: the host's, or the one unpacked before.
herd_ok() { "$1" -version >/dev/null 2>&1; }

if command -v herd7 >/dev/null && herd_ok herd7; then
	HERD=$(command -v herd7)
elif [[ -x $OUT/herd7 ]] && herd_ok "$OUT/herd7"; then
	HERD=$OUT/herd7
else
	[[ $(uname -m) == x86_64 ]] ||
		die "litmus: no herd7 on PATH, and the fetched one is for x86_64 hosts only"
	log "litmus: no herd7 on PATH; unpacking Debian $SUITE's herdtools7 in ${OUT#"$ROOT"/}/"
	private_apt "$APTDIR" "$SUITE" deb ||
		die "litmus: cannot set up a private apt index of $SUITE (see above). Put herd7 (herdtools7) on PATH."
	rm -rf "$OUT"
	apt_unpack "$APTDIR" "$OUT" herdtools7 libc6 libgmp10 ||
		die "litmus: cannot fetch herdtools7 ($SUITE) (see above)"
	cat >"$OUT/herd7" <<'EOF'
#!/bin/sh
# herd7 of Debian's herdtools7, with the C library it was built for.
d=$(dirname "$0")/x
exec "$d/usr/lib64/ld-linux-x86-64.so.2" --library-path "$d/usr/lib/x86_64-linux-gnu" \
	"$d/usr/bin/herd7" -I "$d/usr/share/herdtools7/herd" "$@"
EOF
	chmod +x "$OUT/herd7"
	herd_ok "$OUT/herd7" || {
		"$OUT/herd7" -version >&2 || true
		die "litmus: the herd7 unpacked from $SUITE does not run (above)"
	}
	HERD=$OUT/herd7
fi
log "litmus: herd7 $("$HERD" -version 2>/dev/null | head -1) ($HERD)"
# Each herd7 run is one case of make check's totals: litmus.py's last line.
mkdir -p "$BUILD/logs"
rc=0
python3 "$HARNESS_DIR/litmus.py" "$HERD" "$MODEL" "$TESTS"/*.litmus |
	tee "$BUILD/logs/litmus.log" || rc=$?
if [[ $(tail -1 "$BUILD/logs/litmus.log") =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
	put_counts litmus "$([[ $rc -eq 0 ]] && echo ok || echo fail)" \
		"${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" 0 0 0 1
fi
exit "$rc"
