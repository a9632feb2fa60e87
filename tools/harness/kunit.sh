#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# kunit.sh TARGET     TARGET: kunit (UML) | kunit-smp | kunit-kcsan (x86_64 QEMU)
#
# Runs kunit.py inside build/linux with the committed kunitconfig, keeps the
# logs (build/logs/TARGET.log = kunit.py stdout, <build_dir>/test.log = raw
# kernel log), fails on any kernel splat even if every test passed, and
# records totals in build/results/TARGET.counts.
#
# Environment: KUNIT_FILTER=glob (kunit.py filter_glob), KUNITCONFIG=file
# (override the committed kunitconfig, for development only).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

target=${1:?usage: kunit.sh kunit|kunit-smp|kunit-kcsan}
case $target in
kunit)       arch=um;     cfg=um;    timeout=600 ;;
kunit-smp)   arch=x86_64; cfg=smp;   timeout=900 ;;
kunit-kcsan) arch=x86_64; cfg=kcsan; timeout=900 ;;
*) die "unknown KUnit target '$target'" ;;
esac
bdir=$BUILD/kunit-$cfg
kunitconfig=${KUNITCONFIG:-$HARNESS_DIR/$cfg.kunitconfig}
kunitconfig=$(realpath "$kunitconfig")
logf=$BUILD/logs/$target.log

deps build
[[ $arch == um ]] || { deps qemu; qemu_tcg_path; }
lock tree -s
lock "kunit-$cfg"
need_tree
mkdir -p "$BUILD/logs" "$BUILD/results" "$bdir"
rm -f "$BUILD/results/$target.counts" "$bdir/test.log"

args=(run --arch="$arch" --build_dir="$bdir" --kunitconfig="$kunitconfig"
      --jobs="$JOBS" --timeout="$timeout" --make_options="CC=$CC_CCACHE"
      --json="$BUILD/results/$target.json")
# Four CPUs on every target: -smp 4 for QEMU, ncpus=4 for UML.
if [[ $arch == um ]]; then
	# SMP UML needs the seccomp userspace mode (ptrace mode is UP only).
	args+=(--kernel_args=ncpus=4 --kernel_args=seccomp=on)
else
	args+=(--make_options="HOSTCC=$CC_CCACHE" --qemu_args="-smp 4")
fi
[[ -z ${KUNIT_FILTER:-} ]] || args+=("$KUNIT_FILTER")

log "$target: kunit.py ${args[*]}"
log "$target: log in ${logf#$ROOT/}, raw kernel log in ${bdir#$ROOT/}/test.log"
set +e
(cd "$LINUX" && python3 tools/testing/kunit/kunit.py "${args[@]}") </dev/null 2>&1 | tee "$logf"
rc=${PIPESTATUS[0]}
set -e

status=ok
if [[ $rc -ne 0 ]]; then
	log "$target: FAIL: kunit.py exited with $rc"
	status=fail
fi
if ! grep -aqE 'Ran [0-9]+ tests:' "$logf"; then
	log "$target: FAIL: no 'Ran N tests' summary from kunit.py (build failure or crash?)"
	status=fail
elif grep -aqE 'Ran [0-9]+ tests:.*(failed|crashed|errors):' "$logf"; then
	log "$target: FAIL: failed/crashed tests: $(grep -aoE 'Ran [0-9]+ tests:.*' "$logf" | tail -1)"
	status=fail
fi
if [[ -f $bdir/test.log ]] && ! bash "$HARNESS_DIR/splat-check.sh" "$bdir/test.log"; then
	log "$target: FAIL: kernel splat in ${bdir#$ROOT/}/test.log (see above)"
	status=fail
fi
write_counts "$target" "$logf" "$status"

# Upstream's kprobes_test must also pass with the kprobes lookup cache off:
# boot the same kernel again with kprobe_cache=0 and run only that suite.
# (Only when this run built and booted the kernel: never a stale bzImage.)
if [[ $target == kunit-smp && -z ${KUNIT_FILTER:-} ]] &&
   grep -aqE 'Ran [0-9]+ tests:' "$logf" &&
   grep -q '^CONFIG_KPROBES_CACHE_KUNIT_TEST=y' "$bdir/.config" 2>/dev/null; then
	off_log=$BUILD/logs/$target-cache-off.log
	cp "$bdir/test.log" "$bdir/test-cache-on.log" 2>/dev/null || true
	log "$target: kprobes_test again with kprobe_cache=0 (log in ${off_log#$ROOT/})"
	set +e
	(cd "$LINUX" && python3 tools/testing/kunit/kunit.py exec --arch="$arch" \
		--build_dir="$bdir" --timeout="$timeout" --qemu_args="-smp 4" \
		--kernel_args=kprobe_cache=0 'kprobes_test') </dev/null 2>&1 | tee "$off_log"
	set -e
	cp "$bdir/test.log" "$bdir/test-cache-off.log" 2>/dev/null || true
	off=$(grep -aoE 'Ran [0-9]+ tests:.*' "$off_log" | tail -1 || true)
	if [[ -z $off || $off =~ (failed|crashed|errors): ]] ||
	   ! grep -aq 'kprobe_cache=0' "$bdir/test.log" ||
	   ! bash "$HARNESS_DIR/splat-check.sh" "$bdir/test.log"; then
		log "$target: FAIL: kprobes_test with kprobe_cache=0: ${off:-no summary}"
		status=fail
	fi
	# Add the second run's cases to this target's totals.
	[[ $off =~ passed:\ ([0-9]+) ]] && p2=${BASH_REMATCH[1]} || p2=0
	[[ $off =~ failed:\ ([0-9]+) ]] && f2=${BASH_REMATCH[1]} || f2=0
	[[ $off =~ skipped:\ ([0-9]+) ]] && s2=${BASH_REMATCH[1]} || s2=0
	write_counts "$target" "$logf" "$status"
	c=$BUILD/results/$target.counts
	sed -i -E "s/^passed=([0-9]+)/echo passed=\$((\1 + $p2))/e; s/^failed=([0-9]+)/echo failed=\$((\1 + $f2))/e; s/^skipped=([0-9]+)/echo skipped=\$((\1 + $s2))/e" "$c"
	cp "$bdir/test-cache-on.log" "$bdir/test.log" 2>/dev/null || true
fi
log "$target: $(grep -aoE 'Ran [0-9]+ tests:.*' "$logf" | tail -1 || echo 'no test summary') => $status"
[[ $status == ok ]]
