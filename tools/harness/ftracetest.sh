#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# ftracetest.sh: upstream's ftrace selftests of kprobe and dynamic events
# (tools/testing/selftests/ftrace/ftracetest, test.d/kprobe/ and
# test.d/dynevent/) in a QEMU guest of the patched kernel, twice: with the
# kprobes lookup cache on (kprobe_cache=256x4: the default, auto, would
# allocate none for the cases' few probes) and with kprobe_cache=0.
#
#   1. builds build/ftrace-x86 (kbuild.sh, tools/harness/ftrace-x86.config:
#      non-debug, allnoconfig plus what the cases need, modules for the
#      module cases);
#   2. makes build/ftrace-x86/ftracetest.cpio (mkinitramfs.sh): busybox,
#      bash and readelf, build/linux's tools/testing/selftests/ftrace as
#      /ftrace, the kernel's modules; /harness/run is ftracetest-run;
#   3. boots it twice (qemu-boot.sh), console logs in
#      build/logs/ftracetest-{on,off}.log.
#
# The stage fails on any FAIL (or UNDEFINED) case, on a missing summary, on
# a kernel splat in either console log (splat-check.sh), and when the two
# boots do not give every case the same result.  Cases that are not PASS or
# FAIL are listed, with why, in build/results/ftracetest.txt.
# A boot whose every oops is the int3 oops of a finished text poke
# (poke_int3_oops in lib.sh: by the time the oops printed, the NOP of an
# ftrace site or a static key was back in place of the int3; upstream 7.3
# does it too under QEMU TCG), and in which nothing else failed (no FAIL
# case, no other splat), is booted once more. Its log is kept as
# build/logs/ftracetest-{on,off}-poke-oops.log, and
# build/results/ftracetest.txt, the stage's last line and make check's
# summary say RETRIED. Any other oops, or a second boot that oopses,
# fails the stage.
# build/results/ftracetest.counts totals both boots, mapped as:
#   PASS -> passed; FAIL, UNDEFINED -> failed;
#   UNSUPPORTED, UNTESTED, UNRESOLVED, XFAIL -> skipped.
#
# Environment:
#   FTRACETEST_KARGS      kernel arguments of both boots, after
#                         trace_clock=counter (default: kprobe_cache=256x4)
#   FTRACETEST_OFF_KARGS  what the second boot adds (default: kprobe_cache=0)
#   FTRACETEST_DIRS       test directories, relative to the ftrace selftests
#                         (default: 'test.d/kprobe test.d/dynevent')
#   QEMU_SMP, QEMU_ACCEL, QEMU_MEM, QEMU_TIMEOUT, QEMU_BIOS: see
#                         qemu-boot.sh (defaults here: 4 CPUs, tcg, 512M,
#                         600 s a boot, qboot.rom: the kernel has no ACPI)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

name=ftracetest
bdir=$BUILD/ftrace-x86
cpio=$bdir/ftracetest.cpio
# trace_clock=counter in both boots: the guest cannot calibrate its TSC
# ("Marking TSC unstable due to could not calculate TSC khz"), runs on
# refined-jiffies, and the default trace clock then falls back to
# "global", which advances in steps of a jiffy (4 ms). Events that two CPUs
# record in the same jiffy are merged in CPU order, not in the order they
# were recorded. dynevent/fprobe_entry_arg.tc reads the line after the
# first vfs_open() entry as that call's return, and failed in two boots
# in a row with another call's line there: bash's return from opening
# 'trace', recorded just before on another CPU, can get the same stamp
# and be printed second. The counter clock orders every event by when it
# was recorded; no case here reads the stamps.
kargs_on="trace_clock=counter ${FTRACETEST_KARGS-kprobe_cache=256x4}"
kargs_off="$kargs_on ${FTRACETEST_OFF_KARGS-kprobe_cache=0}"
dirs=${FTRACETEST_DIRS:-test.d/kprobe test.d/dynevent}
export QEMU_SMP=${QEMU_SMP:-4} QEMU_TIMEOUT=${QEMU_TIMEOUT:-600}
export QEMU_BIOS=${QEMU_BIOS-qboot.rom}
res=$BUILD/results
report=$res/$name.txt

deps build qemu initramfs
lock tree -s
lock ftrace-x86
need_tree
mkdir -p "$BUILD/logs" "$res"
rm -f "$res/$name.counts" "$report" "$BUILD"/logs/$name-*-poke-oops.log

# Until the counts are written, a failure of any step counts as one failure.
trap 'put_counts "$name" fail 0 1 0 0 0 0' ERR

# The QEMU of both boots (qemu-boot.sh), fetched or checked once here.
bash "$HARNESS_DIR/getqemu.sh"
t0=$(date +%s)
bash "$HARNESS_DIR/kbuild.sh" "$bdir" "$HARNESS_DIR/ftrace-x86.config"
t_build=$(($(date +%s) - t0))
rm -rf "$bdir/ftrace-selftests"
cp -a "$LINUX/tools/testing/selftests/ftrace" "$bdir/ftrace-selftests"
rm -rf "$bdir/ftrace-selftests/logs"
bash "$HARNESS_DIR/mkinitramfs.sh" -o "$cpio" -r "$HARNESS_DIR/ftracetest-run" -b readelf \
	-a "$bdir/ftrace-selftests:/ftrace" -a "$bdir/modroot/lib/modules:/lib/modules"
trap - ERR

# results LOG: one line per case, '[N] description<TAB>[RESULT]', as
# ftracetest logs them (N counts on through the instance runs), from the
# FTRACETEST-RESULT lines of ftracetest-run.
results() {
	sed -n 's/^FTRACETEST-RESULT: //p' "$1" |
		grep -aE '^\[[0-9]+\] .*[[:space:]]\[(PASS|FAIL|UNRESOLVED|UNTESTED|UNSUPPORTED|XFAIL|UNDEFINED)\]$' || true
}
count() { # LOG RESULT...
	local r n=0
	for r in "${@:2}"; do
		n=$((n + $(results "$1" | grep -c "\[$r\]$" || true)))
	done
	echo "$n"
}

# retry_boot LOG: whether the boot of LOG is to be booted again: every
# oops in it is the int3 oops of a finished text poke (poke_int3_oops in
# lib.sh), and nothing else in it would fail the boot: no FAIL or
# UNDEFINED case (as ftracetest prints them on the console, before its
# FTRACETEST-RESULT lines) and no splat (splat-check.sh) but those oopses
# and the panic they end in.
retry_boot() {
	poke_int3_oops "$1" || return 1
	! grep -aqE '\[(FAIL|UNDEFINED)\][[:space:]]*$' "$1" || return 1
	SPLAT_ALSO_BENIGN='Oops: int3: |^(---\[ end )?Kernel panic - not syncing: Fatal exception( in interrupt)?( \]---)?$' \
		bash "$HARNESS_DIR/splat-check.sh" "$1" >/dev/null
}

status=ok P=0 F=0 S=0 note_unknown=0 retried=()
declare -A took=()
for mode in on off; do
	logf=$BUILD/logs/$name-$mode.log
	[[ $mode == on ]] && kargs=$kargs_on || kargs=$kargs_off
	log "$name: boot with the kprobes lookup cache $mode (kernel args: '${kargs# }'), console in ${logf#$ROOT/}"
	t0=$(date +%s)
	for try in 1 2; do
		set +e
		# shellcheck disable=SC2086
		bash "$HARNESS_DIR/qemu-boot.sh" "$bdir/arch/x86/boot/bzImage" "$cpio" "$logf" \
			$kargs -- $dirs >/dev/null
		rc=$?
		set -e
		# One more boot, once, after an int3 oops of a finished text
		# poke (poke_int3_oops in lib.sh): kept and listed, not hidden.
		if [[ $try -eq 2 ]] || ! retry_boot "$logf"; then
			break
		fi
		cp "$logf" "$BUILD/logs/$name-$mode-poke-oops.log"
		retried+=("cache $mode: int3 oops at $(oops_rip "$logf") with a NOP back in place (a finished text poke; log kept as build/logs/$name-$mode-poke-oops.log); booted again")
		warn "$name: ${retried[-1]}"
	done
	took[$mode]=$(($(date +%s) - t0))
	# What ftracetest printed: its result lines and summary.
	grep -aE '^FTRACETEST-(RESULT|SUMMARY)|^FTRACETEST: |^HARNESS-(INIT|RUN)' "$logf" |
		sed -E "s/^FTRACETEST-(RESULT|SUMMARY): //; s/^/  [$mode] /"
	bad=()
	[[ $rc -eq 0 ]] || bad+=("QEMU exited with $rc (124: timeout after ${QEMU_TIMEOUT}s)")
	grep -aq '^HARNESS-INIT: poweroff' "$logf" || bad+=("the guest did not reach its poweroff")
	grep -aq "^HARNESS-INIT: start (kernel .*, $QEMU_SMP CPUs)" "$logf" ||
		bad+=("the guest did not bring up its $QEMU_SMP CPUs: $(grep -a '^HARNESS-INIT: start' "$logf" || echo 'no /init start')")
	grep -aq '^FTRACETEST-SUMMARY: # of passed: ' "$logf" || bad+=("no ftracetest summary ('# of passed:')")
	nf=$(count "$logf" FAIL UNDEFINED)
	[[ $nf -eq 0 ]] || bad+=("$nf case(s) FAIL or UNDEFINED")
	[[ -n $(results "$logf") ]] || bad+=("no ftracetest case ran")
	if ! bash "$HARNESS_DIR/splat-check.sh" "$logf"; then
		bad+=("kernel splat in ${logf#$ROOT/} (see above)")
	fi
	if [[ $mode == off ]] && ! grep -aq "^HARNESS-INIT: cmdline: .*${FTRACETEST_OFF_KARGS-kprobe_cache=0}" "$logf"; then
		bad+=("the second boot did not get '${FTRACETEST_OFF_KARGS-kprobe_cache=0}'")
	fi
	# A kernel without the series' kprobes patches does not know
	# kprobe_cache= and passes it on to init: say so, loudly.
	unknown=$(grep -a '^Unknown kernel command line parameters' "$logf" | head -1 || true)
	if [[ $mode == off && -n $unknown && $unknown == *"${FTRACETEST_OFF_KARGS-kprobe_cache=0}"* ]]; then
		warn "$name: the kernel does not know '${FTRACETEST_OFF_KARGS-kprobe_cache=0}' (no kprobes lookup cache in this tree?): both boots ran the same kernel setup"
		note_unknown=1
	fi
	for b in "${bad[@]}"; do
		log "$name: FAIL (cache $mode): $b"
		status=fail
	done
	np=$(count "$logf" PASS)
	ns=$(count "$logf" UNSUPPORTED UNTESTED UNRESOLVED XFAIL)
	P=$((P + np)) F=$((F + nf)) S=$((S + ns))
	[[ ${#bad[@]} -eq 0 ]] || [[ $nf -gt 0 ]] || F=$((F + 1))
	log "$name: cache $mode: $np passed, $nf failed, $ns skipped; boot took ${took[$mode]}s"
done

if ! diff <(results "$BUILD/logs/$name-on.log") <(results "$BUILD/logs/$name-off.log") >"$res/$name.diff"; then
	log "$name: FAIL: the boots with the cache on and off gave different results:"
	sed 's/^/  /' "$res/$name.diff"
	status=fail
	F=$((F + 1))
fi

{
	echo "ftracetest ($dirs) on $(cat "$bdir/include/config/kernel.release"), QEMU -smp $QEMU_SMP"
	echo "kernel build ${t_build}s (incremental if it was built before); boot with cache on ${took[on]}s, off ${took[off]}s"
	[[ $note_unknown -eq 0 ]] ||
		echo "WARNING: the kernel did not know '${FTRACETEST_OFF_KARGS-kprobe_cache=0}': the second boot did not turn the cache off"
	for r in "${retried[@]}"; do echo "RETRIED: $r"; done
	for mode in on off; do
		echo
		echo "cache $mode: $(sed -n 's/^FTRACETEST-SUMMARY: # of //p' "$BUILD/logs/$name-$mode.log" | tr -s ' \t' ' ' | paste -sd ';' -)"
		echo "cases not PASS (cache $mode), with why:"
		results "$BUILD/logs/$name-$mode.log" | grep -v '\[PASS\]$' | sed 's/^/  /' || true
		grep -a '^FTRACETEST-WHY: ' "$BUILD/logs/$name-$mode.log" | sed 's/^FTRACETEST-WHY: /    /' || true
	done
} >"$report"
put_counts "$name" "$status" "$P" "$F" 0 "$S" 0 1
echo "retried=${#retried[@]}" >>"$res/$name.counts"
log "$name: not-PASS cases and why in ${report#$ROOT/}"
for r in "${retried[@]}"; do log "$name: RETRIED: $r"; done
log "$name: both boots: $P passed, $F failed, $S skipped => $status${retried[*]:+ (RETRIED ${#retried[@]} boot(s))}"
[[ $status == ok ]]
