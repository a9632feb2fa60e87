#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# modcache.sh [smp|kcsan]...
#
# End-to-end module reload test of the per-CPU cache in front of the module
# address lookup (mod_find()/__module_address()), in a QEMU guest of a
# KUnit kernel that 'make kunit-smp' or 'make kunit-kcsan' built (default:
# both, smp first; a missing bzImage is a failure). For each:
#
#   1. installs the kernel's modules, stripped, into BUILD_DIR/modroot
#      (kunit.py's 'make all' builds them: the kunitconfig has
#      CONFIG_MODULES=y and CONFIG_MODULE_ADDR_CACHE_TEST_MODULES=m);
#   2. makes BUILD_DIR/modcache.cpio (mkinitramfs.sh) with the modules
#      and kmod's insmod and rmmod (busybox's insmod retries a failed load);
#      /harness/run is modcache-run: three load/check/unload rounds of the
#      8 test modules, the failure paths of a load (init fails; a bad
#      parameter value), a round with the cache turned off at run time
#      and one with it on again, each followed by a write of 1 to debugfs
#      module_addr_cache_test/check, which fails if a cached lookup of an
#      address noted so far differs from the uncached one on any CPU;
#   3. boots it (qemu-boot.sh; 4 CPUs, kunit.enable=0: the built-in KUnit
#      suites do not run), console in build/logs/modcache-CFG.log.
#
# A config fails on any 'not ok' check, a missing or inconsistent
# summary, QEMU's exit status (124: timeout), a guest that did not bring
# up its 4 CPUs or did not power off, and a kernel splat in the console
# log (splat-check.sh; the guest dumps the whole kernel log at the end).
# build/results/modcache.counts totals both configs (ok checks as passed,
# not ok as failed); build/results/modcache.txt has the information lines
# (.text addresses reused across reloads, the check file, the cache's
# statistics) and every check that failed.
#
# Environment:
#   MODCACHE_KARGS   more kernel arguments (default: none)
#   QEMU_SMP, QEMU_ACCEL, QEMU_MEM, QEMU_TIMEOUT, QEMU_BIOS: see
#                    qemu-boot.sh (defaults here: 4 CPUs, tcg, 1G, 900 s a
#                    boot, qboot.rom: kunit.py's firmware, and the kernels
#                    have no ACPI)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

name=modcache
cfgs=("$@")
[[ ${#cfgs[@]} -gt 0 ]] || cfgs=(smp kcsan)
for cfg in "${cfgs[@]}"; do
	[[ $cfg == smp || $cfg == kcsan ]] || die "usage: modcache.sh [smp|kcsan]... (unknown config '$cfg')"
done
export QEMU_SMP=${QEMU_SMP:-4} QEMU_MEM=${QEMU_MEM:-1G} QEMU_TIMEOUT=${QEMU_TIMEOUT:-900}
export QEMU_BIOS=${QEMU_BIOS-qboot.rom}
# no5lvl: qemu-boot.sh runs -cpu max, which has LA57, and the kunit-smp
# kernel has KASAN. With 5-level paging, KASAN's shadow bounds follow
# pgtable_l5_enabled(), that is X86_FEATURE_LA57, and identify_cpu()
# clears the boot CPU's feature words before it reads them again. An IRQ
# in that window (more likely under TCG) takes a lock in the direct map,
# which KASAN then reports as a wild access: seen once at early boot, in
# handle_edge_irq(), before any code of the series runs. 4-level paging
# has no such window.
kargs="kunit.enable=0 pcpu_lookup_cache.hit_stats=1 no5lvl ${MODCACHE_KARGS:-}"
res=$BUILD/results
report=$res/$name.txt
# What the boot needs in the kernel's .config.
need_syms=(CONFIG_MODULES=y CONFIG_MODULE_UNLOAD=y CONFIG_BLK_DEV_INITRD=y CONFIG_DEVTMPFS=y
	   CONFIG_DEBUG_FS=y CONFIG_KALLSYMS=y
	   CONFIG_MODULE_ADDR_CACHE_KUNIT_TEST=y CONFIG_MODULE_ADDR_CACHE_TEST_MODULES=m)
nmod=8

deps build qemu initramfs
lock tree -s
need_tree
mkdir -p "$BUILD/logs" "$res"
rm -f "$res/$name.counts" "$report"

# Until the counts are written, a failure of any step counts as one failure.
trap 'put_counts "$name" fail 0 1 0 0 0 0' ERR
# The QEMU of every boot (qemu-boot.sh), fetched or checked once here.
bash "$HARNESS_DIR/getqemu.sh"

status=ok P=0 F=0
declare -A took=() summary=()
: >"$report.tmp"

# prepare CFG BDIR: modules_install and the initramfs; says why and
# returns 1 if that fails or the kernel lacks something. (It runs as an
# 'if' condition, where set -e does not stop it: every step checks.)
prepare() {
	local cfg=$1 bdir=$2 s i rel missing=()
	local mk=(make -C "$LINUX" O="$bdir" ARCH=x86_64 CC="$CC_CCACHE" HOSTCC="$CC_CCACHE" -j"$JOBS")
	if [[ ! -f $bdir/arch/x86/boot/bzImage ]]; then
		log "$name: FAIL ($cfg): no kernel ${bdir#"$ROOT"/}/arch/x86/boot/bzImage: run 'make kunit-$cfg' first"
		return 1
	fi
	for s in "${need_syms[@]}"; do
		grep -qxF "$s" "$bdir/.config" || missing+=("$s")
	done
	if [[ ${#missing[@]} -gt 0 ]]; then
		log "$name: FAIL ($cfg): ${bdir#"$ROOT"/}/.config lacks ${missing[*]} (tools/harness/$cfg.kunitconfig; run 'make kunit-$cfg' again)"
		return 1
	fi
	# kunit.py's 'make all' builds the modules with the kernel; build
	# them (with kunit.sh's make options, so nothing else rebuilds) only
	# if that did not happen.
	for i in $(seq 0 $((nmod - 1))); do
		[[ -f $bdir/kernel/module/mod_addr_cache_test_$i.ko ]] && continue
		log "$name: $cfg: no kernel/module/mod_addr_cache_test_$i.ko in ${bdir#"$ROOT"/}: make modules"
		"${mk[@]}" modules || { log "$name: FAIL ($cfg): make modules failed"; return 1; }
		break
	done
	rm -rf "$bdir/modroot"
	"${mk[@]}" -s INSTALL_MOD_PATH="$bdir/modroot" INSTALL_MOD_STRIP=1 DEPMOD=/sbin/depmod modules_install ||
		{ log "$name: FAIL ($cfg): make modules_install failed"; return 1; }
	rel=$(cat "$bdir/include/config/kernel.release") || return 1
	for i in $(seq 0 $((nmod - 1))); do
		[[ -f $bdir/modroot/lib/modules/$rel/kernel/kernel/module/mod_addr_cache_test_$i.ko ]] || {
			log "$name: FAIL ($cfg): modules_install did not install kernel/module/mod_addr_cache_test_$i.ko"
			return 1
		}
	done
	# kmod's insmod and rmmod: busybox's insmod retries a failed load
	# (see modcache-run). They are in /sbin, which a user's PATH may lack.
	PATH=$PATH:/usr/sbin:/sbin bash "$HARNESS_DIR/mkinitramfs.sh" -o "$bdir/$name.cpio" \
		-r "$HARNESS_DIR/modcache-run" -b insmod -b rmmod -a "$bdir/modroot/lib/modules:/lib/modules" ||
		{ log "$name: FAIL ($cfg): mkinitramfs.sh failed"; return 1; }
}

for cfg in "${cfgs[@]}"; do
	bdir=$BUILD/kunit-$cfg
	logf=$BUILD/logs/$name-$cfg.log
	# (Exclusive: kunit.sh rebuilds this directory; modroot is ours.)
	lock "kunit-$cfg"
	if ! prepare "$cfg" "$bdir"; then
		status=fail F=$((F + 1)) summary[$cfg]="not run"
		printf '%s: not run (see the stage output)\n' "$cfg" >>"$report.tmp"
		continue
	fi
	log "$name: $cfg: boot $(cat "$bdir/include/config/kernel.release") (kernel args: '${kargs% }'), console in ${logf#"$ROOT"/}"
	t0=$(date +%s)
	set +e
	# shellcheck disable=SC2086
	bash "$HARNESS_DIR/qemu-boot.sh" "$bdir/arch/x86/boot/bzImage" "$bdir/$name.cpio" "$logf" \
		$kargs >/dev/null
	rc=$?
	set -e
	took[$cfg]=$(($(date +%s) - t0))
	grep -aE '^MODCACHE-(RESULT|INFO|SUMMARY): |^HARNESS-(INIT|RUN): ' "$logf" |
		sed -E "s/^MODCACHE-(RESULT|SUMMARY): //; s/^/  [$cfg] /"
	np=$(grep -acE '^MODCACHE-RESULT: ok [0-9]+ ' "$logf" || true)
	nf=$(grep -acE '^MODCACHE-RESULT: not ok [0-9]+ ' "$logf" || true)
	sum=$(grep -a '^MODCACHE-SUMMARY: ' "$logf" | tail -1 || true)
	bad=()
	[[ $rc -eq 0 ]] || bad+=("QEMU exited with $rc (124: timeout after ${QEMU_TIMEOUT}s)")
	grep -aq '^HARNESS-INIT: poweroff' "$logf" || bad+=("the guest did not reach its poweroff")
	grep -aq "^HARNESS-INIT: start (kernel .*, $QEMU_SMP CPUs)" "$logf" ||
		bad+=("the guest did not bring up its $QEMU_SMP CPUs: $(grep -a '^HARNESS-INIT: start' "$logf" || echo 'no /init start')")
	if [[ -z $sum ]]; then
		bad+=("no MODCACHE-SUMMARY line")
	elif [[ $sum != "MODCACHE-SUMMARY: passed=$np failed=$nf" ]]; then
		# A kernel message in the middle of a result line, or a line
		# lost: the summary is what the guest counted.
		bad+=("the guest's summary '${sum#MODCACHE-SUMMARY: }' does not match the result lines on the console ($np ok, $nf not ok)")
	fi
	[[ $nf -eq 0 ]] || bad+=("$nf check(s) not ok")
	[[ $((np + nf)) -gt 0 ]] || bad+=("no check ran")
	grep -aq '^HARNESS-DMESG: end' "$logf" || bad+=("no complete kernel log dump (HARNESS-DMESG: end)")
	if ! bash "$HARNESS_DIR/splat-check.sh" "$logf"; then
		bad+=("kernel splat in ${logf#"$ROOT"/} (see above)")
	fi
	for b in "${bad[@]}"; do
		log "$name: FAIL ($cfg): $b"
		status=fail
	done
	P=$((P + np)) F=$((F + nf))
	[[ ${#bad[@]} -eq 0 ]] || [[ $nf -gt 0 ]] || F=$((F + 1))
	summary[$cfg]="$np passed, $nf failed; boot took ${took[$cfg]}s"
	log "$name: $cfg: ${summary[$cfg]}"
	{
		echo "$cfg: $(cat "$bdir/include/config/kernel.release"), QEMU -smp $QEMU_SMP -m $QEMU_MEM, kernel args '${kargs% }': ${summary[$cfg]}"
		for b in "${bad[@]}"; do echo "  FAIL: $b"; done
		grep -a '^MODCACHE-RESULT: not ok ' "$logf" | sed 's/^MODCACHE-RESULT: /  /' || true
		grep -a '^MODCACHE-INFO: ' "$logf" | sed 's/^MODCACHE-INFO: /  info: /' || true
	} >>"$report.tmp"
done
trap - ERR

mv "$report.tmp" "$report"
put_counts "$name" "$status" "$P" "$F" 0 0 0 1
log "$name: information and failed checks in ${report#"$ROOT"/}"
log "$name: ${cfgs[*]}: $P passed, $F failed => $status"
[[ $status == ok ]]
