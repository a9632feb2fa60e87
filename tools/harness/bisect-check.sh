#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bisect-check: every commit base..HEAD of build/linux, oldest first,
# must build and pass the UML KUnit suite on its own.
#
# Each commit is checked out in a detached worktree, build/bisect-src/linux,
# and built incrementally in build/bisect-src/kunit-bisect.  The layout
# mirrors build/linux + build/kunit-um, so the compile commands are the same
# and ccache serves every object the series does not change.  The UML kunitconfig is
# reduced to the symbols that exist at that commit, so commits before the
# one that adds our test still build and run what remains (KUnit core).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SRC=$BUILD/bisect-src/linux
BDIR=$BUILD/bisect-src/kunit-bisect
KUNITCONFIG=${KUNITCONFIG:-$HARNESS_DIR/um.kunitconfig}

deps build
lock tree -s
lock bisect
need_tree
mkdir -p "$BUILD/logs" "$BUILD/results" "$BDIR"
rm -f "$BUILD/results/bisect.counts"
logf=$BUILD/logs/bisect-check.log
: >"$logf"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mapfile -t commits < <(git -C "$LINUX" rev-list --reverse base..HEAD)
if [[ ${#commits[@]} -eq 0 ]]; then
	log "bisect-check: the series is empty: nothing to check"
	write_counts bisect /dev/null ok
	exit 0
fi

if [[ ! -e $SRC/.git ]]; then
	rm -rf "$SRC"
	git -C "$LINUX" worktree prune
	git -C "$LINUX" worktree add -q --detach "$SRC" "${commits[0]}"
fi

P=0 F=0 C=0 S=0 bad=()
i=0
for c in "${commits[@]}"; do
	i=$((i + 1))
	subject=$(git -C "$LINUX" log -1 --format=%s "$c")
	name="[$i/${#commits[@]}] $(git -C "$LINUX" rev-parse --short "$c") $subject"
	log "bisect-check: $name"
	git -C "$SRC" checkout -q --detach -f "$c"
	git -C "$SRC" clean -fdqx

	# Keep only the options whose symbol exists at this commit.
	: >"$tmp/kunitconfig"
	while IFS= read -r line; do
		if [[ $line =~ ^CONFIG_([A-Za-z0-9_]+)= ]]; then
			sym=${BASH_REMATCH[1]}
			if ! grep -rqE --include='Kconfig*' "^\s*(menu)?config $sym\s*$" "$SRC"; then
				log "  (CONFIG_$sym does not exist at this commit: dropped)"
				continue
			fi
		fi
		printf '%s\n' "$line" >>"$tmp/kunitconfig"
	done <"$KUNITCONFIG"
	if ! grep -qE '^CONFIG_[A-Z0-9_]+_KUNIT_TEST=y' "$tmp/kunitconfig"; then
		# Before our suite exists: run the KUnit core self-tests, so the
		# commit is still booted and kunit.py has tests to report.
		log "  (no test suite of ours at this commit: running the KUnit core tests)"
		echo 'CONFIG_KUNIT_TEST=y' >>"$tmp/kunitconfig"
	fi

	rm -f "$BDIR/test.log"
	set +e
	(cd "$SRC" && python3 tools/testing/kunit/kunit.py run --arch=um --build_dir="$BDIR" \
		--kunitconfig="$tmp/kunitconfig" --jobs="$JOBS" --timeout=600 \
		--kernel_args=ncpus=4 --kernel_args=seccomp=on --make_options="CC=$CC_CCACHE") </dev/null >"$tmp/out" 2>&1
	rc=$?
	set -e
	{ echo "=== $name"; cat "$tmp/out"; } >>"$logf"
	write_counts "bisect-$i" "$tmp/out" ok
	passed=0 failed=0 crashed=0 skipped=0 errors=0
	# shellcheck disable=SC1090
	. "$BUILD/results/bisect-$i.counts"
	rm -f "$BUILD/results/bisect-$i.counts"
	P=$((P + passed)) F=$((F + failed)) C=$((C + crashed)) S=$((S + skipped))
	summary_line=$(grep -aoE 'Ran [0-9]+ tests:.*' "$tmp/out" | tail -1 || true)
	why=
	if [[ -z $summary_line ]]; then
		why="no test summary (build failure?)"
	elif [[ $rc -ne 0 || $failed -ne 0 || $crashed -ne 0 || $errors -ne 0 ]]; then
		why="tests failed: $summary_line"
	elif [[ -f $BDIR/test.log ]] && ! bash "$HARNESS_DIR/splat-check.sh" "$BDIR/test.log"; then
		why="kernel splat in the log"
	fi
	if [[ -n $why ]]; then
		log "  FAIL: $why"
		grep -aE 'ERROR|error:|FAILED|not ok' "$tmp/out" | head -20 | sed 's/^/    /'
		bad+=("$name: $why")
	else
		log "  ok: $summary_line"
	fi
done

status=ok
[[ ${#bad[@]} -eq 0 ]] || status=fail
put_counts bisect "$status" "$P" "$F" "$C" "$S" 0 1
log "bisect-check: log in ${logf#$ROOT/}"
if [[ $status != ok ]]; then
	log "bisect-check: FAIL at ${#bad[@]} of ${#commits[@]} commits:"
	printf "  %s\n" "${bad[@]}"
	exit 1
fi
log "bisect-check: OK: all ${#commits[@]} commits build and pass ($P passed, $S skipped)"
