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
[[ $arch == um ]] || deps qemu
need_tree
mkdir -p "$BUILD/logs" "$BUILD/results" "$bdir"
rm -f "$BUILD/results/$target.counts" "$bdir/test.log"

args=(run --arch="$arch" --build_dir="$bdir" --kunitconfig="$kunitconfig"
      --jobs="$JOBS" --timeout="$timeout" --make_options="CC=$CC_CCACHE"
      --json="$BUILD/results/$target.json")
[[ $arch == um ]] || args+=(--make_options="HOSTCC=$CC_CCACHE" --qemu_args="-smp 4")
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
log "$target: $(grep -aoE 'Ran [0-9]+ tests:.*' "$logf" | tail -1 || echo 'no test summary') => $status"
[[ $status == ok ]]
