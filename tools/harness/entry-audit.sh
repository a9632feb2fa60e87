#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make entry-audit: read the kernels that the KUnit targets built
# (kunit-smp: GCC with KASAN, KCOV, lockdep and kgdb's low-level trap;
# kunit-kcsan; kunit-i386; kunit-kmsan, Clang with KMSAN, if it was built;
# kunit-arm64, GCC with software tag-based KASAN and lockdep; kunit-riscv,
# GCC with lockdep) and fail if the int3 exception's path (arm64: the
# BRK's, from el1_brk64(); riscv: the ebreak's, from do_trap_break()) calls,
# directly, a function that kprobes would accept
# and that tools/harness/entry-audit-allow.txt does not list with a reason
# (entry-audit.py says why and how). Needs those kernels: make check builds
# them in its earlier stages. About 10 s per kernel.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

deps build
rc=0
# Self-test: with two functions that upstream fixes of the series refuse
# (0000k's trace_rcu_watching(), 0000f's rcu_is_watching()) taken for
# probeable ones, the audit of kunit-smp's kernel must fail, and name them.
d=$BUILD/kunit-smp
if [[ -f $d/vmlinux ]]; then
	lock kunit-smp -s
	set +e
	out=$(ENTRY_AUDIT_PRETEND_PROBEABLE=trace_rcu_watching,rcu_is_watching \
	      python3 "$HARNESS_DIR/entry-audit.py" "$d/vmlinux" "$d/System.map" \
	      "$HARNESS_DIR/entry-audit-allow.txt" 10 exc_int3)
	st=$?
	set -e
	if [[ $st -eq 1 ]] && grep -q 'accepts trace_rcu_watching, called by ct_nmi_enter' <<<"$out" &&
	   grep -q 'accepts rcu_is_watching' <<<"$out"; then
		echo "entry-audit: self-test ok: it fails on trace_rcu_watching and rcu_is_watching"
	else
		echo "entry-audit: self-test FAILED (exit $st): the audit did not flag what it must:" >&2
		printf '%s\n' "$out" >&2
		rc=1
	fi
fi
for b in kunit-smp kunit-kcsan kunit-i386 kunit-kmsan kunit-arm64 kunit-riscv; do
	d=$BUILD/$b
	if [[ ! -f $d/vmlinux || ! -f $d/System.map ]]; then
		[[ $b == kunit-kmsan ]] && continue
		echo "entry-audit: $b has no vmlinux: run 'make $b' first" >&2
		rc=1
		continue
	fi
	# arm64: the BRK exception taken at EL1, kprobes' and the others;
	# riscv: the breakpoint exception, kernel and user mode.
	root=exc_int3
	if [[ $b == kunit-arm64 ]]; then
		root=el1_brk64
		deps cross-arm64
	elif [[ $b == kunit-riscv ]]; then
		root=do_trap_break
		deps cross-riscv
	fi
	lock "kunit-${b#kunit-}" -s
	python3 "$HARNESS_DIR/entry-audit.py" "$d/vmlinux" "$d/System.map" \
		"$HARNESS_DIR/entry-audit-allow.txt" 10 $root || rc=1
done
exit $rc
