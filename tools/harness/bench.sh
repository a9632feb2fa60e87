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
#  2. uml-tables: the KUnit suite pcpu_lookup_cache_bench on UML, in a
#     kernel without the cache's test hooks (bench-um.kunitconfig): ns per
#     lookup of an RCU hlist of 64 and 512 buckets and an rhashtable, alone
#     and behind 64x4 and 512x4 caches, against a per-CPU array read, for N
#     objects, hot sets H, uniform and Zipf access; the miss path and
#     invalidation. BENCH_REPS interleaved repetitions in one boot (scale
#     full, or quick with BENCH_QUICK: smaller N); median and spread.
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

# The library against real tables, on UML, in a kernel without the cache's
# test hooks (bench-um.kunitconfig): KUnit suite pcpu_lookup_cache_bench.
# (bench_tables.py turns its "plc_bench:" lines into the report.)
bdir=$BUILD/bench-um
scale=$([[ -n $quick ]] && echo quick || echo full)
lock bench-um
echo "$(stamp) uml-tables: build the UML kernel (tools/harness/bench-um.kunitconfig)"
(cd "$LINUX" && python3 tools/testing/kunit/kunit.py build --arch=um \
	--build_dir="$bdir" --kunitconfig="$HARNESS_DIR/bench-um.kunitconfig" \
	--jobs="$JOBS" --make_options="CC=$CC_CCACHE") </dev/null >"$out/raw/uml-tables-build.log" 2>&1 ||
	die "uml-tables: kernel build failed, see ${out#$ROOT/}/raw/uml-tables-build.log"
grep -q '^CONFIG_PCPU_LOOKUP_CACHE_BENCH=y' "$bdir/.config" ||
	die "uml-tables: CONFIG_PCPU_LOOKUP_CACHE_BENCH is not set in ${bdir#$ROOT/}/.config"
! grep -q '^CONFIG_PCPU_LOOKUP_CACHE_KUNIT_TEST=y' "$bdir/.config" ||
	die "uml-tables: the test hooks are on in ${bdir#$ROOT/}/.config"
echo "$(stamp) uml-tables: run pcpu_lookup_cache_bench (scale $scale, $reps repetitions)"
rm -f "$bdir/test.log"
(cd "$LINUX" && python3 tools/testing/kunit/kunit.py exec --arch=um \
	--build_dir="$bdir" --timeout=1500 \
	--kernel_args="pcpu_lookup_cache_bench.scale=$scale" \
	--kernel_args="pcpu_lookup_cache_bench.reps=$reps" \
	'pcpu_lookup_cache_bench') </dev/null >"$out/raw/uml-tables-run.log" 2>&1 ||
	die "uml-tables: pcpu_lookup_cache_bench failed, see ${out#$ROOT/}/raw/uml-tables-run.log"
cp "$bdir/test.log" "$out/raw/uml-tables-kernel.log"
grep -aoE 'plc_bench: .*' "$bdir/test.log" >"$out/raw/uml-tables.txt" ||
	die "uml-tables: no 'plc_bench:' lines in ${bdir#$ROOT/}/test.log"
bash "$HARNESS_DIR/splat-check.sh" "$out/raw/uml-tables-kernel.log" ||
	die "uml-tables: kernel splat during the benchmark"
echo "$(stamp) uml-tables: done, $(grep -c 'kind lookup' "$out/raw/uml-tables.txt") lookup measurements"

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
	--cachegrind "$out/cachegrind.json" --uml-tables "$out/raw/uml-tables.txt" \
	--kprobes "$out/raw/kprobes-bench.txt" --smp-config "$sbdir/.config" \
	--config "$bdir/.config" --linux "$LINUX" ${quick:+--quick}
echo "$(stamp) report: ${out#$ROOT/}/report.md, ${out#$ROOT/}/results.json"
sed -n '/<!-- headline -->/,/<!-- \/headline -->/p' "$out/report.md"
