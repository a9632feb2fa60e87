#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# kunit.sh TARGET     TARGET: kunit (UML) | kunit-smp | kunit-kcsan (x86_64 QEMU)
#                             | kunit-arm64 | kunit-arm64-kcsan (arm64 QEMU)
#                             | kunit-riscv (riscv64 QEMU), cross-built
#                             | kunit-i386 (i386 QEMU)
#                             | kunit-kmsan (x86_64 QEMU, built with Clang)
#
# Runs kunit.py inside build/linux with the committed kunitconfigs, keeps the
# logs (build/logs/TARGET.log = kunit.py stdout, <build_dir>/test.log = raw
# kernel log), fails on any kernel splat even if every test passed, and
# records totals in build/results/TARGET.counts. kunit-smp, kunit-arm64,
# kunit-riscv and kunit-i386 then boot the same kernel again (extra_boot
# below) to run kprobes_test with kprobe_cache=0 and the text-modifying
# stress (on x86 under single-threaded TCG); kunit-smp also boots with bad
# kprobe_cache= values. Their cases count in the totals.
#
# Environment: KUNIT_FILTER=glob (kunit.py filter_glob), KUNITCONFIG=file
# (override the target's committed kunitconfig, for development only;
# small.kunitconfig is still merged in: kunitconfig_args in lib.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

target=${1:?usage: kunit.sh kunit|kunit-smp|kunit-kcsan|kunit-arm64|kunit-arm64-kcsan|kunit-riscv|kunit-i386|kunit-kmsan}
# cross: CROSS_COMPILE prefix; qemu_extra: QEMU arguments after -smp 4
# (kunit.py's arm64 config passes -cpu max; a later -cpu wins: the
# implementation-defined pointer authentication is much cheaper to emulate
# than QARMA. i386 boots qboot, as kunit.py's x86_64 config does: see the
# check of the 4 CPUs below). llvm: the LLVM= suffix of a Clang build.
cross= qemu_extra= llvm=
case $target in
kunit)       arch=um;     cfg=um;    timeout=600 ;;
kunit-smp)   arch=x86_64; cfg=smp;   timeout=900 ;;
kunit-kcsan) arch=x86_64; cfg=kcsan; timeout=900 ;;
kunit-arm64) arch=arm64;  cfg=arm64; timeout=2400
	     cross=aarch64-linux-gnu- qemu_extra=" -cpu max,pauth-impdef=on" ;;
kunit-arm64-kcsan) arch=arm64; cfg=arm64-kcsan; timeout=2400
	     cross=aarch64-linux-gnu- qemu_extra=" -cpu max,pauth-impdef=on" ;;
kunit-riscv) arch=riscv;  cfg=riscv; timeout=2400 cross=riscv64-linux-gnu- ;;
kunit-i386)  arch=i386;   cfg=i386;  timeout=900
	     qemu_extra=" -bios qboot.rom" ;;
kunit-kmsan) arch=x86_64; cfg=kmsan; timeout=900 llvm=-19 ;;
*) die "unknown KUnit target '$target'" ;;
esac
# KUNIT_TIMEOUT: seconds that kunit.py gives the guest instead, for a
# run that is expected to hang (a fix tested without its fix).
timeout=${KUNIT_TIMEOUT:-$timeout}
case $arch in
arm64) qemu_bin=qemu-system-aarch64 ;;
riscv) qemu_bin=qemu-system-riscv64 ;;
i386)  qemu_bin=qemu-system-i386 ;;
*)     qemu_bin=qemu-system-x86_64 ;;
esac
bdir=$BUILD/kunit-$cfg
kunitconfig_args "$cfg" "${KUNITCONFIG:-}"
logf=$BUILD/logs/$target.log

deps build
[[ -z $llvm ]] || deps clang
case $arch in
um) ;;
arm64) deps cross-arm64 qemu-arm64; qemu_tcg_path ;;
riscv) deps cross-riscv qemu-riscv; qemu_tcg_path ;;
*) deps qemu; qemu_tcg_path x86 ;;
esac
lock tree -s
lock "kunit-$cfg"
need_tree
mkdir -p "$BUILD/logs" "$BUILD/results" "$bdir"
rm -f "$BUILD/results/$target.counts" "$bdir/test.log"

if [[ -n $llvm ]]; then
	cc="ccache clang$llvm"
else
	cc="ccache ${cross}gcc"
fi
args=(run --arch="$arch" --build_dir="$bdir" "${KC_ARGS[@]}"
      --jobs="$JOBS" --timeout="$timeout" --make_options="CC=$cc"
      --json="$BUILD/results/$target.json")
[[ -z $llvm ]] || args+=(--make_options="LLVM=$llvm")
[[ -z $cross ]] || args+=(--cross_compile="$cross")
# Four CPUs on every target: -smp 4 for QEMU, ncpus=4 for UML.
if [[ $arch == um ]]; then
	# SMP UML needs the seccomp userspace mode (ptrace mode is UP only).
	args+=(--kernel_args=ncpus=4 --kernel_args=seccomp=on)
else
	args+=(--make_options="HOSTCC=$CC_CCACHE" --qemu_args="-smp 4$qemu_extra")
fi
[[ -z ${KUNIT_FILTER:-} ]] || args+=("$KUNIT_FILTER")

# kunit_py LOG ARG...: run kunit.py ARG... in the tree, its output to the
# terminal and to LOG; its exit status in kunit_rc.
kunit_py() {
	local out=$1
	shift
	set +e
	(cd "$LINUX" && python3 tools/testing/kunit/kunit.py "$@") </dev/null 2>&1 | tee "$out"
	kunit_rc=${PIPESTATUS[0]}
	set -e
}

# hung_before_ktap KUNIT_LOG KERNEL_LOG: whether a QEMU boot hung before
# KUnit began: kunit.py timed out, the kernel printed no KTAP header and no
# splat. QEMU's multi-threaded TCG has hung so about once in 26 kunit-kcsan
# boots here, right after "smp: Brought up", before any test code runs
# (the kernel log is kept). Such a boot is booted once more, and the
# summary says RETRIED; a hang after the KTAP header, or a second one, is
# a failure.
hung_before_ktap() {
	[[ $arch != um ]] &&
	grep -aq 'timed out after [0-9]* seconds' "$1" &&
	! grep -aqE 'Ran [0-9]+ tests:.*(passed|failed|crashed|skipped):' "$1" &&
	[[ -s $2 ]] && ! grep -aqE 'K?TAP version [0-9]' "$2" &&
	bash "$HARNESS_DIR/splat-check.sh" "$2" >/dev/null
}
retried=()
# Write build/results/TARGET.txt and the retried count after the counts.
note_retried() {
	local r
	echo "retried=${#retried[@]}" >>"$BUILD/results/$target.counts"
	[[ ${#retried[@]} -eq 0 ]] ||
		for r in "${retried[@]}"; do echo "RETRIED: $r"; done >"$BUILD/results/$target.txt"
}

log "$target: kunit.py ${args[*]}"
log "$target: log in ${logf#$ROOT/}, raw kernel log in ${bdir#$ROOT/}/test.log"
rm -f "$BUILD/results/$target.txt"
kunit_py "$logf" "${args[@]}"
rc=$kunit_rc
if [[ $rc -ne 0 ]] && hung_before_ktap "$logf" "$bdir/test.log"; then
	cp "$logf" "$BUILD/logs/$target-hang.log"
	cp "$bdir/test.log" "$bdir/test-hang.log"
	retried+=("the boot hung before KUnit began, after: '$(grep -av '^[[:space:]]*$' "$bdir/test.log" | tail -1 | tr -d '\r')' (logs kept as ${BUILD#$ROOT/}/logs/$target-hang.log and ${bdir#$ROOT/}/test-hang.log); booted again")
	warn "$target: RETRIED: ${retried[-1]}"
	# The same arguments, without run's --jobs, which exec refuses.
	xargs=(exec)
	for a in "${args[@]:1}"; do [[ $a == --jobs=* ]] || xargs+=("$a"); done
	kunit_py "$logf" "${xargs[@]}"
	rc=$kunit_rc
fi

status=ok
if [[ $rc -ne 0 ]]; then
	log "$target: FAIL: kunit.py exited with $rc"
	status=fail
fi
# The Clang build fails on any compiler warning that kunit.py printed
# (ccache replays a cached object's warnings). The GCC builds' warnings
# are lint's: sparse and W=1 on the files that the series changes.
if [[ -n $llvm ]] && grep -aqE '^[^ ]+:[0-9]+:[0-9]+: warning:' "$logf"; then
	log "$target: FAIL: Clang warnings: $(grep -aoE '^[^ ]+:[0-9]+:[0-9]+: warning:.*' "$logf" | sort -u | sed "s|$LINUX/||" | head -5 | tr '\n' ' ')"
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
# check_4_cpus [WHAT]: fail unless the guest whose kernel log is
# $bdir/test.log brought up the 4 CPUs of -smp 4, which the stress and the
# SMP cases need; WHAT names the boot in the message. The x86 kernels of
# make check have no ACPI: they find the CPUs in the firmware's MP table
# (qboot's lists them all); kunit-kmsan's keeps ACPI. UML runs one CPU.
check_4_cpus() {
	[[ $arch != um && -f $bdir/test.log ]] || return 0
	local got
	grep -aqE 'smp: Brought up [0-9]+ nodes?, 4 CPUs' "$bdir/test.log" && return 0
	got=$(grep -aoE 'smp: Brought up.*' "$bdir/test.log" | head -1 || true)
	log "$target: FAIL: ${1:+$1: }the guest did not bring up its 4 CPUs: ${got:-no \"smp: Brought up\" line}"
	status=fail
}
check_4_cpus
write_counts "$target" "$logf" "$status"
note_retried

# extra_boot NAME QEMU_TCG NEED_ALL FILTER KERNEL_ARG...: boot the kernel
# just built again with more kernel arguments and run FILTER; fail on a
# failed or crashed case, a missing summary, a splat, or (NEED_ALL=1) any
# skipped case; add its cases to this target's totals. The log is
# build/logs/TARGET-NAME.log, the kernel log <build_dir>/test-NAME.log.
extra_boot() {
	local name=$1 tcg=$2 need_all=$3 filter=$4 xlog kargs=() a res p2 f2 s2 c2 e2
	local last=$BUILD/qemu-tcg/$qemu_bin.last
	# (A hung extra boot costs at most 15 minutes: each runs a few cases.)
	local xtimeout=$((timeout < 900 ? timeout : 900))
	shift 4
	xlog=$BUILD/logs/$target-$name.log
	for a in "$@"; do kargs+=(--kernel_args="$a"); done
	log "$target: $name: $filter with $* (QEMU -accel $tcg; log in ${xlog#$ROOT/})"
	rm -f "$last"
	KUNIT_QEMU_TCG=$tcg kunit_py "$xlog" exec \
		--arch="$arch" --build_dir="$bdir" --timeout="$xtimeout" --qemu_args="-smp 4$qemu_extra" \
		"${kargs[@]}" "$filter"
	cp "$bdir/test.log" "$bdir/test-$name.log" 2>/dev/null || true
	if [[ -f $last ]]; then
		log "$target: $name: QEMU ran as: $(cat "$last")" | tee -a "$xlog"
	fi
	# The accelerator must be the one asked for (the TCG wrapper is off
	# with KUNIT_QEMU_ACCEL=auto: then only the default is possible).
	if [[ $tcg != tcg ]] && ! grep -qF -- "-accel $tcg " "$last" 2>/dev/null; then
		log "$target: FAIL: $name: QEMU did not run with -accel $tcg (KUNIT_QEMU_ACCEL=${KUNIT_QEMU_ACCEL:-tcg})"
		status=fail
	fi
	res=$(grep -aoE 'Ran [0-9]+ tests:.*' "$xlog" | tail -1 || true)
	[[ $res =~ passed:\ ([0-9]+) ]] && p2=${BASH_REMATCH[1]} || p2=0
	[[ $res =~ failed:\ ([0-9]+) ]] && f2=${BASH_REMATCH[1]} || f2=0
	[[ $res =~ skipped:\ ([0-9]+) ]] && s2=${BASH_REMATCH[1]} || s2=0
	[[ $res =~ crashed:\ ([0-9]+) ]] && c2=${BASH_REMATCH[1]} || c2=0
	[[ $res =~ errors:\ ([0-9]+) ]] && e2=${BASH_REMATCH[1]} || e2=0
	if [[ -z $res || $res =~ (failed|crashed|errors): ]] ||
	   ! grep -aqF -- "$1" "$bdir/test.log" ||
	   ! bash "$HARNESS_DIR/splat-check.sh" "$bdir/test.log"; then
		log "$target: FAIL: $name: ${res:-no summary}"
		status=fail
	elif [[ $need_all == 1 && ( $s2 -ne 0 || $p2 -eq 0 ) ]]; then
		log "$target: FAIL: $name: every case must run and pass: $res"
		status=fail
	fi
	check_4_cpus "$name"
	extra_p=$((extra_p + p2)) extra_f=$((extra_f + f2)) extra_s=$((extra_s + s2))
	extra_c=$((extra_c + c2)) extra_e=$((extra_e + e2))
	apply_counts
}

# The main run's counts plus the extra boots' so far, with $status.
apply_counts() {
	local c=$BUILD/results/$target.counts
	write_counts "$target" "$logf" "$status"
	sed -i -E "s/^passed=([0-9]+)/echo passed=\$((\1 + $extra_p))/e; s/^failed=([0-9]+)/echo failed=\$((\1 + $extra_f))/e; s/^skipped=([0-9]+)/echo skipped=\$((\1 + $extra_s))/e; s/^crashed=([0-9]+)/echo crashed=\$((\1 + $extra_c))/e; s/^errors=([0-9]+)/echo errors=\$((\1 + $extra_e))/e" "$c"
	note_retried
}

# (Only when this run built and booted the whole suite set: never a stale
# bzImage, never with a filter.)
extra_p=0 extra_f=0 extra_s=0 extra_c=0 extra_e=0
if [[ $target =~ ^kunit-(smp|arm64|riscv|i386)$ && -z ${KUNIT_FILTER:-} ]] &&
   grep -aqE 'Ran [0-9]+ tests:' "$logf" &&
   grep -q '^CONFIG_KPROBES_CACHE_KUNIT_TEST=y' "$bdir/.config" 2>/dev/null; then
	cp "$bdir/test.log" "$bdir/test-cache-on.log" 2>/dev/null || true
	# kprobe_cache=auto, the default: no cache was allocated from boot
	# until the first kprobes_cache suite, whose suite_init sets up a
	# fixed one (the log line just before the suite's KTAP header).
	first_alloc=$(grep -anE 'lookup cache (resized|set): [0-9]' "$bdir/test-cache-on.log" | head -1 | cut -d: -f1)
	first_suite=$(grep -an '# Subtest: kprobes_cache' "$bdir/test-cache-on.log" | head -1 | cut -d: -f1)
	if ! grep -aq 'lookup cache: auto, none below' "$bdir/test-cache-on.log" ||
	   [[ -z $first_alloc || -z $first_suite ]] || ((first_alloc < first_suite - 3)); then
		log "$target: FAIL: auto mode: no 'lookup cache: auto' line at boot, or a cache was allocated before the kprobes_cache suites (first at line ${first_alloc:-none}, first suite at ${first_suite:-none})"
		status=fail
		apply_counts
	fi
	# Upstream's kprobes_test must also pass with the kprobes lookup
	# cache off.
	extra_boot cache-off tcg 0 'kprobes_test' kprobe_cache=0
	grep -aq 'lookup cache disabled by kprobe_cache=0' "$bdir/test-cache-off.log" || {
		log "$target: FAIL: cache-off: no 'lookup cache disabled by kprobe_cache=0' in the kernel log"
		status=fail
		apply_counts
	}
	# The text-modifying stress: probes armed and disarmed on code that
	# other CPUs run. panic=-1: a panic ends the boot at once (kunit.py
	# passes -no-reboot).
	# - arm64 and riscv: under QEMU's default (multi-threaded) TCG, which
	#   runs it cleanly there. The host is x86: TCG gives the guest the
	#   host's stronger memory order, so this checks the breakpoint and
	#   instruction-patching paths, not weak ordering (that is
	#   kunit-arm64-kcsan's job).
	# - x86_64 and i386: multi-threaded TCG crashed on it, pristine 7.3
	#   with upstream kprobes alone too (stale translated code on another
	#   vCPU: see the stress case's comment), so it runs with QEMU's
	#   single-threaded TCG, which serialises the vCPUs. (That was Debian
	#   12's QEMU 7.2; the x86 guests now run on getqemu.sh's.)
	stress_tcg=tcg
	[[ $arch != x86_64 && $arch != i386 ]] || stress_tcg=tcg,thread=single
	extra_boot stress-text "$stress_tcg" 1 'kprobes_cache.kpc_test_stress_text' \
		kprobes_cache_kunit.stress_text=1 panic=-1
	cp "$bdir/test-cache-on.log" "$bdir/test.log" 2>/dev/null || true
fi
if [[ $target == kunit-smp && -z ${KUNIT_FILTER:-} ]] &&
   grep -aqE 'Ran [0-9]+ tests:' "$logf" &&
   grep -q '^CONFIG_KPROBES_CACHE_KUNIT_TEST=y' "$bdir/.config" 2>/dev/null; then
	# Bad kprobe_cache= values after a good one: each is refused with a
	# warning and the fixed 256x4 cache of the good one stays, so that
	# upstream's kprobes_test also runs with a cache (in the main boot,
	# auto mode has none for its few probes).
	bad_values='64x4junk 3x4 x4 64x auto:8x4 auto:64x autox'
	# retbleed=unret,force: QEMU's CPU (AMD) needs no mitigation, and
	# this has every return go through retbleed_return_thunk, as on AMD
	# Zen 1 and 2, so that kprobes_test runs its handlers through a
	# return thunk and checks that the thunk in use cannot be probed.
	extra_boot bad-param tcg 0 'kprobes_test' kprobe_cache=256x4 \
		$(printf 'kprobe_cache=%s ' $bad_values) retbleed=unret,force
	for v in $bad_values; do
		grep -aqE "kprobe_cache=$v: expected auto, auto:<sets>x<ways>, 0 or <sets>x<ways>.*; ignored" \
			"$bdir/test-bad-param.log" || {
			log "$target: FAIL: bad-param: no warning for kprobe_cache=$v"
			status=fail
			apply_counts
		}
	done
	grep -aq 'lookup cache set: 256x4, 16720 bytes per CPU' "$bdir/test-bad-param.log" || {
		log "$target: FAIL: bad-param: the bad values changed the cache of kprobe_cache=256x4"
		status=fail
		apply_counts
	}
	grep -aq 'active return thunk: retbleed_return_thunk' "$bdir/test-bad-param.log" || {
		log "$target: FAIL: bad-param: retbleed=unret,force did not make retbleed_return_thunk the return thunk"
		status=fail
		apply_counts
	}
	cp "$bdir/test-cache-on.log" "$bdir/test.log" 2>/dev/null || true
fi
for r in "${retried[@]}"; do log "$target: RETRIED: $r"; done
log "$target: $(grep -aoE 'Ran [0-9]+ tests:.*' "$logf" | tail -1 || echo 'no test summary') => $status${retried[*]:+ (RETRIED ${#retried[@]} boot(s))}"
[[ $status == ok ]]
