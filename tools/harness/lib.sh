# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
# Common helpers for the workspace harness; sourced by the other scripts.

HARNESS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HARNESS_DIR/../.." && pwd)
BUILD=$ROOT/build
LINUX=$BUILD/linux
PATCHES=$ROOT/patches
JOBS=${JOBS:-$(nproc)}
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-10G}
# No __pycache__ litter from kunit.py in build/linux.
export PYTHONDONTWRITEBYTECODE=1

log()  { printf '%s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die()  { printf 'error: %s\n' "$*" >&2; exit 1; }

# Install/verify host tools for the named groups (see deps.sh).
deps() { bash "$HARNESS_DIR/deps.sh" "$@"; }

# Fail unless build/linux has been produced by mktree.sh.
need_tree() {
	git -C "$LINUX" rev-parse -q --verify refs/tags/base >/dev/null 2>&1 ||
		die "build/linux does not exist yet: run 'make tree' first"
}

# ccache: paths under the repo are hashed relative to it, so a clone in
# another directory (e.g. CI) reuses the cache.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$ROOT}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
CC_CCACHE="ccache gcc"

# Write build/results/$1.counts from a kunit.py stdout log ($2) and a status
# ($3: ok|fail).  Format: shell-style KEY=VALUE lines.
write_counts() {
	local name=$1 logf=$2 status=$3 line p=0 f=0 c=0 s=0 e=0 summary=0
	line=$(grep -aoE 'Ran [0-9]+ tests:.*' "$logf" 2>/dev/null | tail -1 || true)
	if [[ -n $line ]]; then
		summary=1
		[[ $line =~ passed:\ ([0-9]+) ]] && p=${BASH_REMATCH[1]}
		[[ $line =~ failed:\ ([0-9]+) ]] && f=${BASH_REMATCH[1]}
		[[ $line =~ crashed:\ ([0-9]+) ]] && c=${BASH_REMATCH[1]}
		[[ $line =~ skipped:\ ([0-9]+) ]] && s=${BASH_REMATCH[1]}
		[[ $line =~ errors:\ ([0-9]+) ]] && e=${BASH_REMATCH[1]}
	fi
	mkdir -p "$BUILD/results"
	printf 'status=%s\npassed=%d\nfailed=%d\ncrashed=%d\nskipped=%d\nerrors=%d\nsummary=%d\n' \
		"$status" "$p" "$f" "$c" "$s" "$e" "$summary" >"$BUILD/results/$name.counts"
}

# lock NAME [-s]: hold build/.lock-NAME until this script exits (exclusive,
# or shared with -s), so that concurrent make invocations do not rewrite
# build/linux or a build directory under each other.
lock() {
	local f=$BUILD/.lock-$1 fd mode=${2:--x}
	mkdir -p "$BUILD"
	exec {fd}>>"$f"
	if ! flock -n "$mode" "$fd"; then
		log "waiting for another harness run that uses ${f#$ROOT/} ..."
		flock "$mode" "$fd"
	fi
}
