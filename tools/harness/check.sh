#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every stage, in an order that reuses builds, then a summary.
# Exits non-zero if any stage failed.  The last line of output totals every
# KUnit case of every stage, every ftracetest case, every modcache check and
# every herd7 run of the litmus stage: "N passed, N failed, N skipped".
set -uo pipefail
. "$(dirname "$0")/lib.sh"

MAKE=${MAKE:-make}
USERSPACE=$ROOT/tools/testing/pcpu_lookup_cache
start=$(date +%s)
declare -a names=() results=()
tree_ok=1

stamp() { local s=$(($(date +%s) - start)); printf '[check %02d:%02d]' $((s / 60)) $((s % 60)); }

# stage NAME CMD...: run one stage, record ok/FAIL and its duration.
stage() {
	local name=$1 t0 rc
	shift
	t0=$(date +%s)
	echo "$(stamp) $name: start"
	if [[ $tree_ok -eq 0 ]]; then
		echo "$(stamp) $name: SKIPPED (make tree failed)"
		names+=("$name") results+=("SKIPPED (make tree failed)")
		return
	fi
	"$@"
	rc=$?
	local took=$(($(date +%s) - t0)) res
	if [[ $rc -eq 0 ]]; then res="ok"; else res="FAIL (exit $rc)"; fi
	echo "$(stamp) $name: $res, took $((took / 60))m$((took % 60))s"
	names+=("$name") results+=("$res, $((took / 60))m$((took % 60))s")
	[[ $rc -eq 0 ]]
}

rm -f "$BUILD"/results/*.counts
deps all || { echo "error: host tools missing; nothing can run"; echo "0 passed, 1 failed"; exit 1; }

stage tree bash "$HARNESS_DIR/mktree.sh" || tree_ok=0
stage litmus bash "$HARNESS_DIR/litmus.sh"
stage kunit bash "$HARNESS_DIR/kunit.sh" kunit
stage kunit-smp bash "$HARNESS_DIR/kunit.sh" kunit-smp
stage ftracetest bash "$HARNESS_DIR/ftracetest.sh"
stage kunit-kcsan bash "$HARNESS_DIR/kunit.sh" kunit-kcsan
# The kunit-smp and kunit-kcsan kernels again, booted with userspace.
stage modcache bash "$HARNESS_DIR/modcache.sh"
stage kunit-arm64 bash "$HARNESS_DIR/kunit.sh" kunit-arm64
stage kunit-riscv bash "$HARNESS_DIR/kunit.sh" kunit-riscv
stage kunit-i386 bash "$HARNESS_DIR/kunit.sh" kunit-i386
# Reads the kernels of kunit-smp, kunit-kcsan, kunit-arm64, kunit-riscv and
# kunit-i386 above.
stage entry-audit bash "$HARNESS_DIR/entry-audit.sh"
# After the KUnit stages: lint compiles single objects in their build dirs.
stage lint bash "$HARNESS_DIR/lint.sh"
stage bisect-check bash "$HARNESS_DIR/bisect-check.sh"
if [[ -f $USERSPACE/Makefile ]]; then
	stage userspace bash -c 'bash "$1/deps.sh" userspace && "$2" -C "$3" check O="$4"' _ \
		"$HARNESS_DIR" "$MAKE" "$USERSPACE" "$BUILD/userspace"
fi

# Totals over the KUnit stages, ftracetest, modcache and litmus.  A stage that
# failed without reporting a failed case (build failure, crash, splat,
# missing summary) counts as one failure, so the total never reads "0
# failed" for a failed run.  ftracetest's cases count from both of its
# boots (cache on and off): PASS as passed, FAIL and UNDEFINED as failed,
# UNSUPPORTED, UNTESTED, UNRESOLVED and XFAIL as skipped (ftracetest.sh
# writes them so).  modcache's checks count from both of its boots (the
# kunit-smp and kunit-kcsan kernels): ok as passed, not ok as failed.
# litmus counts each herd7 run: a test, or one of its mutants (litmus.py).
P=0 F=0 S=0
echo
echo "==================== make check summary ===================="
for i in "${!names[@]}"; do
	n=${names[$i]} counts=
	case $n in
	kunit|kunit-smp|kunit-kcsan|kunit-arm64|kunit-riscv|kunit-i386|ftracetest|modcache|litmus) counts=$BUILD/results/$n.counts ;;
	bisect-check) counts=$BUILD/results/bisect.counts ;;
	esac
	extra=
	if [[ -n $counts ]]; then
		status=fail passed=0 failed=0 crashed=0 skipped=0 retried=0
		# shellcheck disable=SC1090
		[[ -f $counts ]] && . "$counts"
		f=$((failed + crashed))
		[[ ${results[$i]} == ok* && $status == ok ]] || [[ $f -gt 0 ]] || f=1
		P=$((P + passed)) F=$((F + f)) S=$((S + skipped))
		extra=" [$passed passed, $f failed, $skipped skipped]"
		[[ $retried -eq 0 ]] ||
			extra+=" RETRIED $retried boot(s) (why: build/results/$n.txt)"
	fi
	printf '  %-13s %s%s\n' "$n" "${results[$i]}" "$extra"
done
total=$(($(date +%s) - start))
echo "  total time: $((total / 60))m$((total % 60))s; logs in build/logs/, raw kernel logs in build/kunit-*/test.log"
rc=0
for r in "${results[@]}"; do [[ $r == ok* ]] || rc=1; done
[[ $rc -eq 0 ]] && echo "  result: OK" || echo "  result: FAILED"
echo "$P passed, $F failed, $S skipped"
exit $rc
