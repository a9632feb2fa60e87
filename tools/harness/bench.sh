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
#     and behind 64x4 and 512x4 caches, against two references: a per-CPU
#     array read (the floor) and the minimal keyed lookup (a direct-mapped
#     per-CPU table of 256 or 2048 entries with the library's hash, one key
#     compare, one value load, in front of the same tables), for N
#     objects, hot sets H, uniform and Zipf access; the miss path and
#     invalidation. BENCH_REPS interleaved repetitions in one boot (scale
#     full, or quick with BENCH_QUICK: smaller N); median and spread.
#  3. kprobes: kprobes_cache.kpc_test_bench on a non-debug x86_64 kernel
#     under QEMU TCG (-smp 4): per-hit cost on the int3 and the ftrace path
#     with 2 and with 40000 probes registered (20000 enabled), cache off and
#     on in the same boot, on every CPU; the time to enable 20000 probes;
#     a geometry sweep (one boot per kprobe_cache=<sets>x<ways>); then the
#     main boot again on a kernel without the early single-step check of
#     "x86/kprobes: Recognise the single-step int3 before the kprobe
#     lookup" (bench-no-ss-int3.diff), to show what that patch buys.
#     kprobes-auto: the main boot again (no sweep) in kprobe_cache=auto,
#     the default mode (kprobes_cache_kunit.bench_auto=1): the cache's
#     bytes per CPU at each stage, the 2-registered floor with no cache
#     ("cache on" and "off" run the same code), many registered with the
#     auto-sized cache against that floor, the enable time. A failure here
#     is reported NOT MEASURED.
#     kprobes-icount: the kprobes-auto boot and the main boot (no sweep)
#     again under QEMU TCG with -smp 1 -icount shift=0,sleep=off: the
#     guest clock then advances 1 ns per guest instruction, so "ns per
#     hit" are instructions per hit, deterministic (no cache-miss cost in
#     them), and the main boot's registration timing counts instructions
#     too. A failure here is reported NOT MEASURED.
#     tables-icount: the uml-tables suite on the same bench-x86 kernel under
#     QEMU with -smp 1 -icount shift=0,sleep=off: x86_64 instructions per
#     lookup of the kernel's own code, deterministic. A failure here is
#     reported NOT MEASURED.
#  4. kprobes-arm64: the main boot on a non-debug arm64 kernel under QEMU
#     TCG (-smp 4): the breakpoint path only (no kprobes on ftrace there).
#  5. modules: the cache in front of the module address lookup
#     (mod_find()/__module_address(), kernel/module/tree_lookup.c) on the
#     bench-x86 kernel under QEMU TCG (-smp 4): the KUnit case
#     module_addr_cache.mac_test_bench (N = 50, 200, 500 synthetic
#     modules; mod_find(), __module_address(), is_module_text_address();
#     cache off and on in the same boot), BENCH_MODULES_BOOTS boots
#     (default 5, quick 1); then one boot with an initramfs
#     (tools/harness/modbench-run) where insmod mod_addr_cache_test_0.ko
#     bench=<n> times stack_trace_save() from a 16-deep chain in the
#     module, off and on interleaved, alone and with 7 more modules
#     loaded. A failure here is reported NOT MEASURED, as for arm64.
#  6. report: results.json, report.md (with a headline section that
#     'make series' puts in the cover letter) and plots.
#
# BENCH_STAGES="modules report" (a list of the stage names cachegrind,
# uml-tables, kprobes, kprobes-auto, kprobes-icount, tables-icount,
# kprobes-no-ss-int3, kprobes-arm64, modules, report)
# runs only those stages; the report is then made from the raw files that
# earlier runs left in build/bench/ (a stage that never ran is reported
# NOT MEASURED).
# Default: every stage. BENCH_KEEP_TREE=1 leaves build/linux as it is
# (no mktree.sh, which 'make tree' runs), e.g. to rerun one stage.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

quick=${BENCH_QUICK:-}
reps=${BENCH_REPS:-$([[ -n $quick ]] && echo 3 || echo 7)}
out=$BUILD/bench
start=$(date +%s)
stamp() { local s=$(($(date +%s) - start)); printf '[bench %02d:%02d]' $((s / 60)) $((s % 60)); }
stages=${BENCH_STAGES:-}
for st in $stages; do
	case $st in
	cachegrind|uml-tables|kprobes|kprobes-auto|kprobes-icount|tables-icount|kprobes-no-ss-int3|kprobes-arm64|modules|report) ;;
	*) die "BENCH_STAGES: unknown stage '$st'" ;;
	esac
done
# stage NAME: whether NAME is to run (BENCH_STAGES)
stage() { [[ -z $stages || " $stages " == *" $1 "* ]]; }

deps build
deps userspace
deps bench
if [[ -n ${BENCH_KEEP_TREE:-} ]]; then
	need_tree
else
	bash "$HARNESS_DIR/mktree.sh"
fi
lock tree -s
lock kunit-um
lock bench-x86
mkdir -p "$out/raw"
# raw/boot-retries.txt (kunit_exec) starts empty in a full run; a run of
# some stages (BENCH_STAGES) appends to it, each line with its date.
[[ -n $stages ]] || rm -f "$out/raw/boot-retries.txt"

if stage cachegrind; then
echo "$(stamp) cachegrind: start${quick:+ (quick)}"
make -s -C "$ROOT/tools/testing/pcpu_lookup_cache" cachegrind \
	O="$BUILD/userspace" BENCH_OUT="$out" ${quick:+QUICK=1} JOBS="$JOBS"
echo "$(stamp) cachegrind: done"
fi

# The library against real tables, on UML, in a kernel without the cache's
# test hooks (bench-um.kunitconfig): KUnit suite pcpu_lookup_cache_bench.
# (bench_tables.py turns its "plc_bench:" lines into the report.)
bdir=$BUILD/bench-um
scale=$([[ -n $quick ]] && echo quick || echo full)
lock bench-um
if stage uml-tables; then
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
fi

# kprobes end to end (issue 5, section 3): the KUnit case
# kprobes_cache.kpc_test_bench on a non-debug x86_64 kernel
# (bench-x86.kunitconfig, build/bench-x86) under QEMU TCG, -smp 4. The main
# boot, with the default geometry: per-hit cost on the int3 and the ftrace
# path with 2 probes registered, then with bench_fill registered (disabled
# fillers on kernel functions, topped up on a NOP sled) and bench_enable of
# them enabled, cache off and on interleaved; the time to enable and disable
# bench_enable probes; the int3 hot-set sweep. Then one boot per other
# geometry of the sweep (kprobe_cache=<sets>x<ways>, sweep only).
kbdir=$BUILD/bench-x86
# kp_args: the main boot; kp_sweep_args: the sweep boots (fewer rounds)
if [[ -n $quick ]]; then
	kp_args=(bench_fill=10000 bench_enable=5000 bench_calls=1000
		 bench_rounds=3 bench_enable_rounds=2 bench_sweep_hits=4096
		 bench_register=5000)
	kp_sweep_args=(bench_fill=10000 bench_rounds=3 bench_sweep_hits=4096)
	kp_geos=${BENCH_KPROBES_GEOMETRIES:-"16x4 64x4"}
else
	kp_args=(bench_fill=40000 bench_enable=20000 bench_calls=4000
		 bench_rounds=7 bench_enable_rounds=3 bench_sweep_hits=16384)
	kp_sweep_args=(bench_fill=40000 bench_rounds=5 bench_sweep_hits=16384)
	kp_geos=${BENCH_KPROBES_GEOMETRIES:-"16x4 64x2 64x4 64x8 512x4"}
fi
# kp_build NAME SRC DIR: build the kprobes bench kernel for $kp_arch
# (cross-compiled with $kp_cross) from the tree SRC into DIR, with
# bench-$kp_cfg.kunitconfig; the build log is raw/NAME-build.log.
kp_arch=x86_64 kp_cfg=x86 kp_cross= kp_qemu="-smp 4"
kp_build() {
	local name=$1 src=$2 dir=$3 cc=$CC_CCACHE cross=()
	if [[ -n $kp_cross ]]; then
		cc="ccache ${kp_cross}gcc"
		cross=(--cross_compile="$kp_cross")
	fi
	mkdir -p "$dir"
	(cd "$src" && python3 tools/testing/kunit/kunit.py build --arch="$kp_arch" \
		--build_dir="$dir" --kunitconfig="$HARNESS_DIR/bench-$kp_cfg.kunitconfig" \
		--jobs="$JOBS" "${cross[@]}" --make_options="CC=$cc" \
		--make_options="HOSTCC=$CC_CCACHE") </dev/null >"$out/raw/$name-build.log" 2>&1 ||
		die "$name: kernel build failed, see ${out#$ROOT/}/raw/$name-build.log"
	! grep -q '^CONFIG_PCPU_LOOKUP_CACHE_KUNIT_TEST=' "$dir/.config" ||
		die "$name: the bench kernel has the library's KUnit test hook"
}

deps qemu
# The x86 benchmark boots stay on the host's QEMU (Debian 12's 7.2), on
# which its numbers and the boot retries below were measured; make check
# runs its x86 guests on the QEMU of getqemu.sh.
export QEMU_X86=${QEMU_X86:-host}
qemu_tcg_path
# kx_built: the bench-x86 kernel was built (is up to date) in this run
kx_built=
# kx_need STAGE: build the bench-x86 kernel for STAGE unless this run
# has; whether it is built (a failed build: STAGE is NOT MEASURED)
kx_need() {
	if [[ -z $kx_built ]]; then
		echo "$(stamp) $1: build the bench-x86 kernel (non-debug)"
		(kp_build "$1" "$LINUX" "$kbdir") && kx_built=1
	fi
	[[ -n $kx_built ]]
}
if stage kprobes; then
	echo "$(stamp) kprobes: build the bench-x86 kernel (non-debug)"
	kp_build kprobes "$LINUX" "$kbdir"
	kx_built=1
fi

# boot_oopsed_early LOG [MARK]: whether the kernel log LOG has an int3 oops
# before any line that matches the awk regex MARK (default: a KTAP line,
# that is, before KUnit started). Under QEMU TCG (Debian 12's
# QEMU 7.2, -smp 4) a boot of a bench kernel sometimes dies on an int3 at
# a static key's site while that key is being patched, most often in
# sched_clock_cpu() right after "sched_clock: Marking stable". The same
# kernel built without the series does it too (4 of 26 boots, against 4 of
# 65 with the series, in back-to-back boots to the KTAP header), so it is
# not the series; the LKML thread "qemu-x86_64 booting with 8.0.0 stil
# see int3: when running LTP tracing testing" (July 2023) reports the same
# symptom under TCG. No probe is registered at that point. Only that oops
# is retried: every oops in LOG must be the trap of a finished text poke,
# the NOP of a static key or an ftrace site back at RIP - 1
# (poke_int3_oops in lib.sh, which ftracetest.sh uses too). Any other
# oops, such as an int3 that a probe left in place, fails the boot.
boot_oopsed_early() {
	awk -v mark="${2:-KTAP version}" '
	     $0 ~ mark { exit 1 } /Oops: int3:/ { found = 1; exit 0 }
	     END { exit !found }' "$1" && poke_int3_oops "$1"
}

# boot_retried NAME LOG TRY: record that boot TRY of NAME, whose kernel log
# is LOG, oopsed early and is booted again: keep LOG as
# raw/NAME-early-oops-TRY.log, a line in raw/boot-retries.txt (the report
# lists them) and a progress line.
boot_retried() {
	local name=$1 log=$2 try=$3 rip
	cp "$log" "$out/raw/$name-early-oops-$try.log"
	rip=$(oops_rip "$log")
	echo "$(date -u +%FT%TZ) $name boot $try: int3 oops before the test started, $rip" \
		>>"$out/raw/boot-retries.txt"
	echo "$(stamp) $name: the kernel oopsed on an int3 before the test started" \
		"($rip; see boot_oopsed_early); boot again ($((try + 1))/3)"
}

# kunit_exec NAME SRC KBDIR KUNIT-EXEC-ARG...: 'kunit.py exec' in the tree
# SRC on the kernel in KBDIR, its output in raw/NAME.log. panic=-1 makes a
# kernel that panics reboot, which ends QEMU (kunit.py passes -no-reboot),
# instead of hanging until the timeout. A boot that boot_oopsed_early() is
# retried, at most twice: its kernel log is kept as
# raw/NAME-early-oops-TRY.log, a line goes to raw/boot-retries.txt and the
# report lists it. Any other failure fails.
kunit_exec() {
	local name=$1 src=$2 kbdir=$3 try
	shift 3
	for try in 1 2 3; do
		rm -f "$kbdir/test.log"
		(cd "$src" && python3 tools/testing/kunit/kunit.py exec \
			--build_dir="$kbdir" --kernel_args=panic=-1 "$@") </dev/null \
			>"$out/raw/$name.log" 2>&1 && return 0
		[[ $try -lt 3 && -f $kbdir/test.log ]] &&
			boot_oopsed_early "$kbdir/test.log" || return 1
		boot_retried "$name" "$kbdir/test.log" "$try"
	done
}

# kp_boot NAME GEOMETRY|'' MODULE-PARAM...: one boot of the kernel in
# $kp_dir (built from $kp_src for $kp_arch), its lines in raw/NAME.txt
kp_src=$LINUX kp_dir=$kbdir
kp_boot() {
	local name=$1 geo=$2 kargs=() p kbdir=$kp_dir
	shift 2
	for p in bench=1 "$@"; do
		kargs+=(--kernel_args="kprobes_cache_kunit.$p")
	done
	[[ -z $geo ]] || kargs+=(--kernel_args="kprobe_cache=$geo")
	# kunit.timeout: KUnit's base timeout per case, in seconds (300 by
	# default, three times that for kpc_test_bench, a KUNIT_SPEED_SLOW
	# case). The arm64 main boot ran past 900 s under TCG; 1200 gives the
	# case 3600 s, kunit.py's --timeout here.
	kargs+=(--kernel_args=kunit.timeout=1200)
	kunit_exec "$name" "$kp_src" "$kbdir" --arch="$kp_arch" \
		--qemu_args="$kp_qemu" --timeout=3600 \
		"${kargs[@]}" 'kprobes_cache.kpc_test_bench' ||
		die "kprobes: $name failed, see ${out#$ROOT/}/raw/$name.log"
	cp "$kbdir/test.log" "$out/raw/$name-kernel.log"
	grep -aoE 'kprobes_bench: .*' "$kbdir/test.log" >"$out/raw/$name.txt" ||
		die "kprobes: no 'kprobes_bench:' lines in ${out#$ROOT/}/raw/$name-kernel.log"
	bash "$HARNESS_DIR/splat-check.sh" "$out/raw/$name-kernel.log" ||
		die "kprobes: kernel splat in ${out#$ROOT/}/raw/$name-kernel.log"
}

if stage kprobes; then
echo "$(stamp) kprobes: main boot (${kp_args[*]}, sweep; default geometry)"
kp_boot kprobes-bench '' "${kp_args[@]}" bench_sweep=1
echo "$(stamp) kprobes: main boot done: $(grep -m1 'kprobes_bench: fill ' "$out/raw/kprobes-bench.txt" | cut -d' ' -f2-)"
rm -f "$out/raw/kprobes-sweep.txt"
n=0
for geo in $kp_geos; do
	n=$((n + 1))
	echo "$(stamp) kprobes: sweep boot $n/$(wc -w <<<"$kp_geos"): kprobe_cache=$geo"
	kp_boot "kprobes-sweep-$geo" "$geo" "${kp_sweep_args[@]}" bench_main=0 bench_sweep=1
	cat "$out/raw/kprobes-sweep-$geo.txt" >>"$out/raw/kprobes-sweep.txt"
done
echo "$(stamp) kprobes: done"
fi

# The main boot again in kprobe_cache=auto, the default mode (patch
# 0010a): the same kernel and module parameters (kp_args, no sweep) plus
# kprobes_cache_kunit.bench_auto=1, which drops the fixed 256x4 cache that
# the suite otherwise sets up and prints the cache's size at each stage
# ("kprobes_bench: auto stage ..."): before any probe, at 2 registered
# (no cache: "cache on" and "cache off" run the same code), filled,
# enabled and unregistered. BENCH_KPROBES_AUTO_ARGS appends module
# parameters (e.g. "bench_fill=3000" for a short run). In a subshell: a
# failure here costs this section only (NOT MEASURED in the report).
read -ra ko_args <<<"${BENCH_KPROBES_AUTO_ARGS:-}"
ko_args=("${kp_args[@]}" bench_auto=1 "${ko_args[@]}")
if stage kprobes-auto; then
rm -f "$out/raw/kprobes-auto.txt"
if (
	if [[ -z $kx_built ]]; then
		echo "$(stamp) kprobes-auto: build the bench-x86 kernel (non-debug)"
		kp_build kprobes-auto "$LINUX" "$kbdir"
	fi
	echo "$(stamp) kprobes-auto: main boot in auto mode (kprobe_cache=auto, ${ko_args[*]})"
	kp_boot kprobes-auto auto "${ko_args[@]}"
	# the last stage line: the case went through (it was not skipped)
	grep -q 'kprobes_bench: auto stage unregistered ' "$out/raw/kprobes-auto.txt" ||
		die "kprobes-auto: no 'auto stage unregistered' line (the case skipped?), see ${out#$ROOT/}/raw/kprobes-auto-kernel.log"
); then
	kx_built=1
	echo "$(stamp) kprobes-auto: done: $(grep 'kprobes_bench: auto stage ' "$out/raw/kprobes-auto.txt" |
		awk '{printf "%s%s %s B", n++ ? ", " : "", $4, $12}')"
else
	rm -f "$out/raw/kprobes-auto.txt"
	echo "$(stamp) kprobes-auto: FAILED (see above); the report marks it NOT MEASURED"
fi
fi

# Instruction counts: the same bench-x86 kernel under QEMU TCG with
# "-smp 1 -icount shift=0,sleep=off". With shift=0 the guest clock
# advances 1 ns per executed guest instruction (sleep=off: an idle vCPU
# skips to the next timer instead of waiting in real time), so the case's
# "ns per hit" are instructions per hit, the same from run to run; one
# vCPU, so no other CPU's instructions are in a timed span. Instructions
# only: a cache miss costs nothing extra, so this says nothing about the
# memory effect the cache is for. Two boots: kprobes-icount-auto, the
# kprobes-auto boot (kprobe_cache=auto, ko_args); kprobes-icount-main, the
# main boot's parameters and default geometry (the suite's fixed cache)
# without the sweep, for the floor with that cache switched off (the
# nearest to kprobe_cache=0); the report compares the auto boot's floor,
# no cache, with it. kprobes-icount-main also times registering and
# enabling bench_register probes with the 256x4 cache and with none, as
# the main boot does: in instructions, on one CPU, what the cache adds to
# the registration path itself (its invalidations read this CPU's sets
# and send no IPI). What IPIs to other CPUs would cost is not in it: the
# main boot (4 CPUs) counts the IPIs, and times the same in ns. Interrupts
# that fall in a timed run add their instructions to it (a few per cent
# of a run, every millisecond or so of guest time): the full parameters'
# runs (bench_calls=4000) are long enough for the median over the rounds
# (bench_rounds=7) to be the same from boot to boot, BENCH_QUICK's
# (1000 calls, 3 rounds) are not, so these boots keep the full calls and
# rounds in quick mode too (timing hits is the cheap part of a boot under
# icount: registering and enabling the probes take most of it). At the
# full parameters, about 3 minutes for the auto boot and 8 for the main
# boot, whose registration timing takes 5. Each boot in a subshell: a
# failure costs that boot's figures only (NOT MEASURED in the report).
ki_qemu="-smp 1 -icount shift=0,sleep=off"
read -ra ki_user <<<"${BENCH_KPROBES_AUTO_ARGS:-}"
ki_base=()
for a in "${kp_args[@]}"; do
	case $a in
	bench_sweep=*) ;;
	bench_calls=*|bench_rounds=*) [[ -n $quick ]] || ki_base+=("$a") ;;
	*) ki_base+=("$a") ;;
	esac
done
[[ -z $quick ]] || ki_base+=(bench_calls=4000 bench_rounds=7)
# the kprobes-auto boot's parameters (ko_args, quick or not; an auto boot
# times no registration), the main boot's without the sweep
ki_auto=("${ki_base[@]}" bench_auto=1 "${ki_user[@]}")
ki_main=("${ki_base[@]}")
# ki_check NAME: the boot of raw/NAME.txt ran on one CPU and to its end
ki_check() {
	local cpus
	grep -q 'kprobes_bench: unregister ' "$out/raw/$1.txt" ||
		die "kprobes-icount: $1 did not get to the end (the case skipped?), see ${out#$ROOT/}/raw/$1-kernel.log"
	cpus=$(grep -m1 -oE 'kprobes_bench: setup cpus [0-9]+' "$out/raw/$1.txt" | awk '{print $4}')
	[[ $cpus == 1 ]] ||
		die "kprobes-icount: $1 ran on ${cpus:-?} CPUs, not 1, see ${out#$ROOT/}/raw/$1-kernel.log"
}
if stage kprobes-icount; then
rm -f "$out/raw/kprobes-icount-auto.txt" "$out/raw/kprobes-icount-main.txt"
if ! kx_need kprobes-icount; then
	echo "$(stamp) kprobes-icount: FAILED (see above); the report marks it NOT MEASURED"
else
	for b in auto main; do
		name=kprobes-icount-$b
		if [[ $b == auto ]]; then
			geo=auto args=("${ki_auto[@]}")
		else
			geo='' args=("${ki_main[@]}")
		fi
		echo "$(stamp) kprobes-icount: $b boot under QEMU $ki_qemu (${geo:+kprobe_cache=$geo, }${args[*]})"
		if (
			kp_qemu=$ki_qemu
			kp_boot "$name" "$geo" "${args[@]}"
			ki_check "$name"
			if [[ $b == auto ]]; then
				grep -q 'kprobes_bench: auto stage unregistered ' "$out/raw/$name.txt" ||
					die "kprobes-icount: no 'auto stage unregistered' line, see ${out#$ROOT/}/raw/$name-kernel.log"
			fi
		); then
			echo "$(stamp) kprobes-icount: $b boot done, instructions per hit (medians): $(python3 "$HARNESS_DIR/bench_kprobes.py" oneline "$out/raw/$name.txt")"
		else
			rm -f "$out/raw/$name.txt"
			echo "$(stamp) kprobes-icount: $b boot FAILED (see above); the report marks it NOT MEASURED"
		fi
	done
fi
fi

# The uml-tables suite again, on the bench-x86 kernel (non-debug, static
# keys as patched jumps, the production fast path) under QEMU TCG with
# "-smp 1 -icount shift=0,sleep=off", as kprobes-icount: its "ps per
# lookup" are then thousandths of x86_64 instructions per lookup, the same
# from run to run, and counted in the kernel's own code (this_cpu_ptr()
# through %gs, the hit-statistics switch a NOP), not in the userspace
# shim of the cachegrind stage. Instructions only: no cache-miss cost.
# Same scale and repetitions as uml-tables. A failure here is reported
# NOT MEASURED.
if stage tables-icount; then
rm -f "$out/raw/tables-icount.txt"
if ! kx_need tables-icount; then
	echo "$(stamp) tables-icount: FAILED (see above); the report marks it NOT MEASURED"
else
	echo "$(stamp) tables-icount: pcpu_lookup_cache_bench under QEMU $ki_qemu (scale $scale, $reps repetitions)"
	if (
		grep -q '^CONFIG_PCPU_LOOKUP_CACHE_BENCH=y' "$kbdir/.config" ||
			die "tables-icount: CONFIG_PCPU_LOOKUP_CACHE_BENCH is not set in ${kbdir#$ROOT/}/.config"
		kunit_exec tables-icount-run "$LINUX" "$kbdir" --arch=x86_64 \
			--qemu_args="$ki_qemu" --timeout=3600 \
			--kernel_args="pcpu_lookup_cache_bench.scale=$scale" \
			--kernel_args="pcpu_lookup_cache_bench.reps=$reps" \
			'pcpu_lookup_cache_bench' ||
			die "tables-icount: pcpu_lookup_cache_bench failed, see ${out#$ROOT/}/raw/tables-icount-run.log"
		cp "$kbdir/test.log" "$out/raw/tables-icount-kernel.log"
		grep -q 'kind config .* cpus 1 ' "$kbdir/test.log" ||
			die "tables-icount: the suite did not run on 1 CPU, see ${out#$ROOT/}/raw/tables-icount-kernel.log"
		bash "$HARNESS_DIR/splat-check.sh" "$out/raw/tables-icount-kernel.log" ||
			die "tables-icount: kernel splat during the benchmark"
		grep -aoE 'plc_bench: .*' "$kbdir/test.log" >"$out/raw/tables-icount.txt" ||
			die "tables-icount: no 'plc_bench:' lines in ${out#$ROOT/}/raw/tables-icount-kernel.log"
	); then
		echo "$(stamp) tables-icount: done, $(grep -c 'kind lookup' "$out/raw/tables-icount.txt") lookup measurements"
	else
		rm -f "$out/raw/tables-icount.txt"
		echo "$(stamp) tables-icount: FAILED (see above); the report marks it NOT MEASURED"
	fi
fi
fi

# What patch 0004 buys (issue 9, point 6): the main boot again, on the
# series with 0004's early single-step check taken out of
# kprobe_int3_handler() (tools/harness/bench-no-ss-int3.diff: the int3 that
# ends a single-stepped slot goes through get_kprobe_cached() again, misses
# the cache and walks the hash bucket, as before 0004). Same config and
# module parameters, no sweep. A separate kernel, so a separate boot: the
# report compares the two boots' per-hit figures as ratios.
nosrc=$BUILD/bench-no-ss-int3/linux nodir=$BUILD/bench-no-ss-int3/obj
if stage kprobes-no-ss-int3; then
echo "$(stamp) kprobes-no-ss-int3: build the bench kernel without 0004's check"
git -C "$LINUX" worktree prune
# (Again if build/linux was re-extracted: the old worktree's .git then
# points at an administrative directory that is gone.)
if [[ $(git -C "$nosrc" rev-parse --path-format=absolute --git-common-dir 2>/dev/null) != "$LINUX/.git" ]]; then
	rm -rf "$nosrc"
	git -C "$LINUX" worktree add -q --detach "$nosrc" HEAD
fi
git -C "$nosrc" checkout -q -f --detach "$(git -C "$LINUX" rev-parse HEAD)"
git -C "$nosrc" apply "$HARNESS_DIR/bench-no-ss-int3.diff" ||
	die "kprobes-no-ss-int3: tools/harness/bench-no-ss-int3.diff does not apply to build/linux HEAD"
kp_build kprobes-no-ss-int3 "$nosrc" "$nodir"
kp_src=$nosrc kp_dir=$nodir
kp_boot kprobes-no-ss-int3 "" "${kp_args[@]}"
kp_src=$LINUX kp_dir=$kbdir
echo "$(stamp) kprobes-no-ss-int3: done"
fi

# The same main boot on arm64 (issue 12): a non-debug arm64 kernel
# (bench-arm64.kunitconfig, build/bench-arm64), cross-built, under QEMU TCG
# -smp 4 -cpu max,pauth-impdef=on. arm64 has no kprobes on ftrace: only the
# breakpoint (BRK) path is timed, with 1 and with bench_fill registered,
# cache off and on interleaved in the one boot. TCG emulates arm64 on an
# x86 host, so only the ratios within this boot mean anything. Enabling a
# probe is a stop_machine() on arm64 (aarch64_insn_patch_text()): about
# 20 ms each under TCG with 4 vCPUs on 2 host CPUs, so 20000 enables in 3
# rounds would take over an hour; this boot enables 500, once. (Disabled
# fillers are in kprobe_table all the same: the chains are as long.) The
# registration timing enables its probes too: 500 of them here, not 20000
# (which took about 400 s per round, cache on and off, under TCG).
ka_args=()
for a in "${kp_args[@]}"; do
	case $a in bench_enable=*|bench_enable_rounds=*|bench_register=*) ;; *) ka_args+=("$a") ;; esac
done
ka_args+=(bench_enable=500 bench_enable_rounds=1 bench_register=500)
if stage kprobes-arm64; then
echo "$(stamp) kprobes-arm64: build the bench-arm64 kernel (non-debug, cross-built)"
deps cross-arm64 qemu-arm64
qemu_tcg_path
lock bench-arm64
# In a subshell: a failure here (die) costs the arm64 section only, which
# the report then marks NOT MEASURED, not the x86 figures above.
rm -f "$out/raw/kprobes-arm64.txt"
if (
	kp_arch=arm64 kp_cfg=arm64 kp_cross=aarch64-linux-gnu-
	kp_qemu="-smp 4 -cpu max,pauth-impdef=on"
	kp_build kprobes-arm64 "$LINUX" "$BUILD/bench-arm64"
	kp_dir=$BUILD/bench-arm64
	echo "$(stamp) kprobes-arm64: main boot (${ka_args[*]})"
	kp_boot kprobes-arm64 "" "${ka_args[@]}"
); then
	echo "$(stamp) kprobes-arm64: done"
else
	rm -f "$out/raw/kprobes-arm64.txt"
	echo "$(stamp) kprobes-arm64: FAILED (see above); the report marks it NOT MEASURED"
fi
fi

# The cache in front of the module address lookup (mod_find(),
# __module_address(), kernel/module/tree_lookup.c), on the bench-x86
# kernel (bench-x86.kunitconfig has CONFIG_MODULES, the KUnit case and the
# test modules; the cache is on, as in the kprobes boots above):
#  1. mb_boots kunit.py exec boots of module_addr_cache.mac_test_bench
#     (addr_cache_kunit.bench=1): ns per lookup with N = 50, 200 and 500
#     synthetic modules, a hot set of 32 text addresses, mod_find(),
#     __module_address() and is_module_text_address(), cache off and on in
#     the same boot; the "mac_test_bench:" lines, "boot=<b> " in front, in
#     raw/modules-kunit.txt;
#  2. one boot of the same bzImage with an initramfs (qemu-boot.sh,
#     -smp 4, kunit.enable=0; tools/harness/modbench-run): insmod
#     mod_addr_cache_test_0.ko bench=<mb_st_loops>, whose init times
#     stack_trace_save() from a 16-deep chain of its own functions, off
#     and on interleaved (4 rounds); mb_st_runs runs alone, as many with 7
#     more test modules loaded; the "MODBENCH:" lines in
#     raw/modules-stack.txt, the console in raw/modules-stack-console.log.
# In a subshell: a failure here (die) costs this section only, which the
# report then marks NOT MEASURED.
# mb_loops: lookups of each hot address per measurement; mb_st_runs runs
# of mb_st_loops stack traces per state and round. The "measurably
# faster" target is a sign test over the runs: 5 runs can reach p < 0.05
# only if all 5 are faster, 10 with 9 of them.
if [[ -n $quick ]]; then
	mb_boots=${BENCH_MODULES_BOOTS:-1} mb_loops=10000 mb_st_loops=2000 mb_st_runs=5
else
	mb_boots=${BENCH_MODULES_BOOTS:-5} mb_loops=10000 mb_st_loops=5000 mb_st_runs=10
fi
mb_syms=(CONFIG_MODULES=y CONFIG_MODULE_UNLOAD=y CONFIG_MODULES_TREE_LOOKUP=y
	 CONFIG_MODULE_ADDR_CACHE_KUNIT_TEST=y CONFIG_MODULE_ADDR_CACHE_TEST_MODULES=m
	 CONFIG_BLK_DEV_INITRD=y CONFIG_DEVTMPFS=y CONFIG_UNWINDER_ORC=y)
if stage modules; then
rm -f "$out/raw/modules-kunit.txt" "$out/raw/modules-stack.txt"
if (
	if [[ -z $kx_built ]]; then
		echo "$(stamp) modules: build the bench-x86 kernel (non-debug)"
		kp_build modules "$LINUX" "$kbdir"
	fi
	for s in "${mb_syms[@]}"; do
		grep -qxF "$s" "$kbdir/.config" ||
			die "modules: ${kbdir#$ROOT/}/.config lacks $s (tools/harness/bench-x86.kunitconfig)"
	done
	: >"$out/raw/modules-kunit.txt.tmp"
	for b in $(seq 1 "$mb_boots"); do
		name=modules-kunit-$b
		echo "$(stamp) modules: KUnit boot $b/$mb_boots: module_addr_cache.mac_test_bench (bench_loops=$mb_loops)"
		kunit_exec "$name" "$LINUX" "$kbdir" --arch=x86_64 \
			--qemu_args="-smp 4" --timeout=1800 \
			--kernel_args=addr_cache_kunit.bench=1 \
			--kernel_args="addr_cache_kunit.bench_loops=$mb_loops" \
			'module_addr_cache.mac_test_bench' ||
			die "modules: $name failed, see ${out#$ROOT/}/raw/$name.log"
		cp "$kbdir/test.log" "$out/raw/$name-kernel.log"
		grep -aoE 'mac_test_bench: (bench: N=|bytes per CPU: ).*' "$kbdir/test.log" >"$out/raw/$name.txt" ||
			die "modules: no 'mac_test_bench: bench:' lines in ${out#$ROOT/}/raw/$name-kernel.log"
		[[ $(grep -c 'bench: N=' "$out/raw/$name.txt") -eq 9 ]] ||
			die "modules: $(grep -c 'bench: N=' "$out/raw/$name.txt") of 9 'bench: N=' lines in ${out#$ROOT/}/raw/$name-kernel.log"
		sed "s/^/boot=$b /" "$out/raw/$name.txt" >>"$out/raw/modules-kunit.txt.tmp"
		bash "$HARNESS_DIR/splat-check.sh" "$out/raw/$name-kernel.log" ||
			die "modules: kernel splat in ${out#$ROOT/}/raw/$name-kernel.log"
	done
	mv "$out/raw/modules-kunit.txt.tmp" "$out/raw/modules-kunit.txt"

	echo "$(stamp) modules: modules_install and the initramfs"
	rel=$(cat "$kbdir/include/config/kernel.release") || die "modules: no kernel.release"
	rm -rf "$kbdir/modroot"
	# kunit.py's make options (kp_build), so that nothing is rebuilt
	make -C "$LINUX" O="$kbdir" ARCH=x86_64 CC="$CC_CCACHE" HOSTCC="$CC_CCACHE" \
		-j"$JOBS" -s INSTALL_MOD_PATH="$kbdir/modroot" INSTALL_MOD_STRIP=1 \
		DEPMOD=/sbin/depmod modules_install >"$out/raw/modules-install.log" 2>&1 ||
		die "modules: make modules_install failed, see ${out#$ROOT/}/raw/modules-install.log"
	for i in 0 1 2 3 4 5 6 7; do
		[[ -f $kbdir/modroot/lib/modules/$rel/kernel/kernel/module/mod_addr_cache_test_$i.ko ]] ||
			die "modules: modules_install did not install mod_addr_cache_test_$i.ko"
	done
	# kmod's insmod and rmmod (in /sbin, which a user's PATH may lack)
	PATH=$PATH:/usr/sbin:/sbin bash "$HARNESS_DIR/mkinitramfs.sh" -o "$kbdir/modbench.cpio" \
		-r "$HARNESS_DIR/modbench-run" -b insmod -b rmmod \
		-a "$kbdir/modroot/lib/modules:/lib/modules" >>"$out/raw/modules-install.log" 2>&1 ||
		die "modules: mkinitramfs.sh failed, see ${out#$ROOT/}/raw/modules-install.log"

	logf=$out/raw/modules-stack-console.log
	echo "$(stamp) modules: initramfs boot: insmod mod_addr_cache_test_0.ko bench=$mb_st_loops, $mb_st_runs runs alone and $mb_st_runs with 7 more modules"
	# A boot that oopsed on an int3 before the init started (the
	# HARNESS-INIT line) is booted again, as in kunit_exec.
	for try in 1 2 3; do
		rc=0
		QEMU_SMP=4 QEMU_MEM=1G QEMU_TIMEOUT=1800 bash "$HARNESS_DIR/qemu-boot.sh" \
			"$kbdir/arch/x86/boot/bzImage" "$kbdir/modbench.cpio" "$logf" \
			kunit.enable=0 -- "$mb_st_loops" "$mb_st_runs" >/dev/null || rc=$?
		[[ $try -lt 3 ]] && boot_oopsed_early "$logf" '^HARNESS-INIT: ' || break
		boot_retried modules-stack "$logf" "$try"
	done
	[[ $rc -eq 0 ]] || die "modules: QEMU exited with $rc (124: timeout), see ${logf#$ROOT/}"
	grep -aq '^HARNESS-INIT: start (kernel .*, 4 CPUs)' "$logf" ||
		die "modules: the guest did not bring up 4 CPUs, see ${logf#$ROOT/}"
	grep -aq '^HARNESS-RUN: exit=0' "$logf" ||
		die "modules: modbench-run failed: $(grep -a '^MODBENCH-ERROR: ' "$logf" | head -3 | tr '\n' ' ')(see ${logf#$ROOT/})"
	grep -aE '^MODBENCH(-INFO)?: ' "$logf" >"$out/raw/modules-stack.txt" ||
		die "modules: no 'MODBENCH:' lines in ${logf#$ROOT/}"
	bash "$HARNESS_DIR/splat-check.sh" "$logf" ||
		die "modules: kernel splat in ${logf#$ROOT/}"
); then
	echo "$(stamp) modules: done"
else
	rm -f "$out/raw/modules-kunit.txt" "$out/raw/modules-kunit.txt.tmp" "$out/raw/modules-stack.txt"
	echo "$(stamp) modules: FAILED (see above); the report marks it NOT MEASURED"
fi
fi

if stage report; then
echo "$(stamp) report: start"
python3 "$HARNESS_DIR/bench-report.py" --out "$out" \
	--cachegrind "$out/cachegrind.json" --uml-tables "$out/raw/uml-tables.txt" \
	--kprobes "$out/raw/kprobes-bench.txt" \
	--kprobes-auto "$out/raw/kprobes-auto.txt" \
	--kprobes-icount-auto "$out/raw/kprobes-icount-auto.txt" \
	--kprobes-icount-main "$out/raw/kprobes-icount-main.txt" \
	--tables-icount "$out/raw/tables-icount.txt" \
	--kprobes-no-ss-int3 "$out/raw/kprobes-no-ss-int3.txt" \
	--kprobes-arm64 "$out/raw/kprobes-arm64.txt" \
	--kprobes-arm64-config "$BUILD/bench-arm64/.config" \
	--kprobes-sweep "$out/raw/kprobes-sweep.txt" --kprobes-config "$kbdir/.config" \
	--modules-kunit "$out/raw/modules-kunit.txt" \
	--modules-stack "$out/raw/modules-stack.txt" \
	--boot-retries "$out/raw/boot-retries.txt" \
	--config "$bdir/.config" --linux "$LINUX" ${quick:+--quick}
echo "$(stamp) report: ${out#$ROOT/}/report.md, ${out#$ROOT/}/results.json"
sed -n '/<!-- headline -->/,/<!-- \/headline -->/p' "$out/report.md"
fi
