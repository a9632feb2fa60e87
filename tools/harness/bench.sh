#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench [BENCH_QUICK=1]: measure the library and write
# build/bench/results.json, build/bench/report.md and PNG plots.
#
# Stages (a progress line each):
#  1. cachegrind: the userspace benchmark of tools/testing/pcpu_lookup_cache
#     (hlist tables of 64 and 512 buckets, N objects, hot sets, uniform and
#     Zipf access, with and without the cache) under valgrind's cachegrind:
#     instructions and simulated D1/LL misses per lookup, deterministic.
#  2. uml-cost: the KUnit case pcpu_lookup_cache.plc_test_cost on UML,
#     booted BENCH_REPS times (interleaved repetitions of hit, limit
#     reference, miss+fill and invalidation loops in each boot): median and
#     spread of ns per operation.
#  3. report: results.json, report.md (with a headline section that
#     'make series' puts in the cover letter) and plots.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

quick=${BENCH_QUICK:-}
reps=${BENCH_REPS:-$([[ -n $quick ]] && echo 3 || echo 7)}
out=$BUILD/bench
start=$(date +%s)
stamp() { local s=$(($(date +%s) - start)); printf '[bench %02d:%02d]' $((s / 60)) $((s % 60)); }

deps build
deps userspace
deps bench
bash "$HARNESS_DIR/mktree.sh"
mkdir -p "$out/raw"

echo "$(stamp) cachegrind: start${quick:+ (quick)}"
make -s -C "$ROOT/tools/testing/pcpu_lookup_cache" cachegrind \
	O="$BUILD/userspace" BENCH_OUT="$out" ${quick:+QUICK=1} JOBS="$JOBS"
echo "$(stamp) cachegrind: done"

echo "$(stamp) uml-cost: $reps boots"
bdir=$BUILD/kunit-um
rm -f "$out/raw/uml-cost.txt"
for i in $(seq 1 "$reps"); do
	rm -f "$bdir/test.log"
	(cd "$LINUX" && python3 tools/testing/kunit/kunit.py run --arch=um \
		--build_dir="$bdir" --kunitconfig="$HARNESS_DIR/um.kunitconfig" \
		--jobs="$JOBS" --make_options="CC=$CC_CCACHE" \
		'pcpu_lookup_cache.plc_test_cost') </dev/null >"$out/raw/uml-cost-run$i.log" 2>&1 ||
		die "uml-cost: kunit.py failed, see ${out#$ROOT/}/raw/uml-cost-run$i.log"
	grep -aoE 'cost: geometry .*' "$bdir/test.log" >>"$out/raw/uml-cost.txt" ||
		die "uml-cost: no 'cost:' line in ${bdir#$ROOT/}/test.log"
	echo "$(stamp) uml-cost: boot $i/$reps: $(tail -1 "$out/raw/uml-cost.txt")"
done

echo "$(stamp) report: start"
python3 "$HARNESS_DIR/bench-report.py" --out "$out" \
	--cachegrind "$out/cachegrind.json" --uml-cost "$out/raw/uml-cost.txt" \
	--config "$bdir/.config" --linux "$LINUX" ${quick:+--quick}
echo "$(stamp) report: ${out#$ROOT/}/report.md, ${out#$ROOT/}/results.json"
sed -n '/<!-- headline -->/,/<!-- \/headline -->/p' "$out/report.md"
