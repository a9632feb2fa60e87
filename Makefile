# SPDX-License-Identifier: GPL-2.0
#
# Workspace harness for the pcpu_lookup_cache patch series.
# Everything is generated under build/; nothing here builds in the repo.
# See README.md and 'make help'.

SHELL := /bin/bash
H := tools/harness

# Optional: KUNIT_FILTER='glob' (kunit.py filter_glob) for the KUnit targets.
export KUNIT_FILTER
# Optional: KUNIT_TIMEOUT=seconds, kunit.py's timeout for the guest.
export KUNIT_TIMEOUT

.PHONY: help tree kunit kunit-smp kunit-kcsan kunit-arm64 kunit-arm64-kcsan kunit-riscv kunit-i386 kunit-kmsan ftracetest modcache litmus entry-audit lint series bisect-check check bench deps clean distclean

help:
	@echo 'Targets (all output under build/):'
	@echo '  make check         tree, kunit, kunit-smp, ftracetest, kunit-kcsan, modcache, kunit-arm64,'
	@echo '                    kunit-riscv, kunit-i386, entry-audit, litmus, lint, bisect-check, userspace'
	@echo '                    tests; last line: "N passed, N failed, N skipped" (KUnit + ftracetest'
	@echo '                    cases + modcache checks + herd7 runs)'
	@echo '  make bench         run the benchmark (tools/harness/bench.sh)'
	@echo '  make tree          build/linux = Debian linux-source-7.3 + patches/series (git repo, tag base)'
	@echo '  make kunit         KUnit on UML, 4 CPUs              (tools/harness/um.kunitconfig)'
	@echo '  make kunit-smp     KUnit on x86_64 QEMU -smp 4, KASAN+lockdep (tools/harness/smp.kunitconfig)'
	@echo '  make kunit-kcsan   KUnit on x86_64 QEMU -smp 4, KCSAN (tools/harness/kcsan.kunitconfig)'
	@echo '  make kunit-arm64   KUnit on arm64 QEMU -smp 4, KASAN+lockdep, cross-built (arm64.kunitconfig;'
	@echo '                    installs gcc-aarch64-linux-gnu, qemu-system-arm)'
	@echo '  make kunit-arm64-kcsan  KUnit on arm64 QEMU -smp 4, KCSAN with weak memory modelling'
	@echo '                    (arm64-kcsan.kunitconfig; not in make check: see README)'
	@echo '  make kunit-riscv   KUnit on riscv64 QEMU -smp 4, lockdep, cross-built (riscv.kunitconfig;'
	@echo '                    installs gcc-riscv64-linux-gnu, qemu-system-misc)'
	@echo '  make kunit-i386    KUnit on i386 QEMU -smp 4, lockdep: the 32-bit build (i386.kunitconfig)'
	@echo '  make kunit-kmsan   KUnit on x86_64 QEMU -smp 4, KMSAN, built with Clang 19'
	@echo '                    (kmsan.kunitconfig; installs clang-19, lld-19, llvm-19; not in make check)'
	@echo '  make ftracetest    upstream ftracetest kprobe/ + dynevent/ in x86_64 QEMU -smp 4, two boots:'
	@echo '                    kprobes cache on and kprobe_cache=0 (tools/harness/ftrace-x86.config)'
	@echo '  make modcache      module reload test of the module address cache: the kunit-smp and'
	@echo '                    kunit-kcsan kernels (built by those targets) in QEMU -smp 4 with'
	@echo '                    userspace, 8 test modules loaded and unloaded (tools/harness/modcache.sh)'
	@echo '  make litmus        herd7 on the litmus tests of Documentation/litmus-tests/pcpu-lookup-cache/,'
	@echo '                    each also without each of its barriers (tools/harness/litmus.sh; fetches'
	@echo '                    Debian sid'"'"'s herdtools7 into build/tools/herd/ if no herd7 is on PATH)'
	@echo '  make entry-audit   the x86, arm64 and riscv KUnit kernels'"'"' vmlinux: no direct call from'
	@echo '                    the int3 (BRK, ebreak) path to a function that kprobes accepts, except'
	@echo '                    those listed with a reason in tools/harness/entry-audit-allow.txt'
	@echo '                    (tools/harness/entry-audit.py)'
	@echo '  make lint          checkpatch --strict, sparse + W=1, kernel-doc, coccinelle'
	@echo '  make series        export the series with cover letter to build/series/'
	@echo '  make bisect-check  build + UML KUnit at every commit of the series'
	@echo '  make deps          install all host tools (Debian/Ubuntu)'
	@echo '  make clean         remove build outputs but keep build/linux; distclean: remove build/'
	@echo 'Variables: KUNIT_FILTER=glob  e.g. make kunit KUNIT_FILTER='"'"'pcpu_lookup_cache*'"'"

deps:
	@bash $(H)/deps.sh all

tree:
	@bash $(H)/mktree.sh

kunit kunit-smp kunit-kcsan kunit-arm64 kunit-arm64-kcsan kunit-riscv kunit-i386 kunit-kmsan: tree
	@bash $(H)/kunit.sh $@

ftracetest: tree
	@bash $(H)/ftracetest.sh

modcache: tree
	@bash $(H)/modcache.sh

litmus: tree
	@bash $(H)/litmus.sh

entry-audit:
	@bash $(H)/entry-audit.sh

lint: tree
	@bash $(H)/lint.sh

series: tree
	@bash $(H)/series.sh

bisect-check: tree
	@bash $(H)/bisect-check.sh

check:
	@MAKE='$(MAKE)' bash $(H)/check.sh

bench:
	@if [ -f $(H)/bench.sh ]; then bash $(H)/bench.sh; else \
		echo 'error: no benchmark yet: tools/harness/bench.sh does not exist' >&2; exit 1; fi

clean:
	rm -rf build/kunit-* build/ftrace-x86 build/lint-base build/bisect-src build/bench-no-ss-int3 build/logs build/results build/series
	-git -C build/linux worktree prune 2>/dev/null

distclean:
	rm -rf build
