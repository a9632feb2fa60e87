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
#  3. kprobes: kprobes_cache.kpc_test_bench on x86_64 QEMU (the kunit-smp
#     kernel): per-hit cost with 2 and with 20002 probes registered, cache
#     off and on in the same boot, on the int3 and the ftrace path.
#  4. report: results.json, report.md (with a headline section that
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
lock tree -s
lock kunit-um
lock kunit-smp
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

# kprobes end to end: the KUnit case kprobes_cache.kpc_test_bench on the
# kunit-smp kernel (x86_64 QEMU, -smp 4): 2 hot probes, then 20000 disabled
# fillers registered after them, per-hit cost on the int3 and ftrace paths
# with the cache off and on, in the same boot.
echo "$(stamp) kprobes: build the kunit-smp kernel"
sbdir=$BUILD/kunit-smp
deps qemu
(cd "$LINUX" && python3 tools/testing/kunit/kunit.py build --arch=x86_64 \
	--build_dir="$sbdir" --kunitconfig="$HARNESS_DIR/smp.kunitconfig" \
	--jobs="$JOBS" --make_options="CC=$CC_CCACHE" \
	--make_options="HOSTCC=$CC_CCACHE") </dev/null >"$out/raw/kprobes-build.log" 2>&1 ||
	die "kprobes: kernel build failed, see ${out#$ROOT/}/raw/kprobes-build.log"
echo "$(stamp) kprobes: kpc_test_bench (20k probes; a few minutes under TCG)"
rm -f "$sbdir/test.log"
(cd "$LINUX" && python3 tools/testing/kunit/kunit.py exec --arch=x86_64 \
	--build_dir="$sbdir" --qemu_args="-smp 4" --timeout=1200 \
	--kernel_args=kprobes_cache_kunit.bench=1 \
	'kprobes_cache.kpc_test_bench') </dev/null >"$out/raw/kprobes-bench.log" 2>&1 ||
	die "kprobes: kpc_test_bench failed, see ${out#$ROOT/}/raw/kprobes-bench.log"
cp "$sbdir/test.log" "$out/raw/kprobes-bench-kernel.log"
grep -aoE 'kprobes_bench: .*' "$sbdir/test.log" >"$out/raw/kprobes-bench.txt" ||
	die "kprobes: no 'kprobes_bench:' lines in ${sbdir#$ROOT/}/test.log"
bash "$HARNESS_DIR/splat-check.sh" "$out/raw/kprobes-bench-kernel.log" ||
	die "kprobes: kernel splat during the benchmark"
echo "$(stamp) kprobes: done"

echo "$(stamp) report: start"
python3 "$HARNESS_DIR/bench-report.py" --out "$out" \
	--cachegrind "$out/cachegrind.json" --uml-cost "$out/raw/uml-cost.txt" \
	--kprobes "$out/raw/kprobes-bench.txt" --smp-config "$sbdir/.config" \
	--config "$bdir/.config" --linux "$LINUX" ${quick:+--quick}
echo "$(stamp) report: ${out#$ROOT/}/report.md, ${out#$ROOT/}/results.json"
sed -n '/<!-- headline -->/,/<!-- \/headline -->/p' "$out/report.md"
