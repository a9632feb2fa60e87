#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# splat-check.sh RAW_KERNEL_LOG
#
# Exit 1 (printing the offending lines) if the kernel log shows a KASAN,
# KCSAN, UBSAN, lockdep, RCU, WARN/BUG or panic report.  A run whose tests
# all passed still fails on any of these.
set -euo pipefail

log=${1:?usage: splat-check.sh RAW_KERNEL_LOG}

# What a report looks like.
splat='BUG:|WARNING:|\[ cut here \]|KASAN|KCSAN|kcsan: selftest|UBSAN:|Kernel panic|Oops|'\
'general protection fault|possible recursive locking|possible circular locking|'\
'inconsistent lock state|suspicious RCU usage|DEBUG_LOCKS_WARN_ON|'\
'rcu_[a-z_]+ (self-)?detected stall|rcu: INFO:|detected stalls on CPUs|'\
'INFO: task .* blocked|soft lockup|hard LOCKUP|list_(add|del) corruption|'\
'refcount_t: |stack-protector|kernel BUG at|Unable to handle|segfault'

# Boot banners that contain one of the words above but report nothing, as
# 6.12 prints them (whole lines).  The KCSAN selftest line is benign only
# when all of its tests passed. A KUnit line that reports a skipped case
# (whose name or reason may say KCSAN or KASAN) reports nothing either.
benign='^(kcsan: enabled early|kcsan: strict mode configured|'\
'kcsan: non-strict mode configured - use CONFIG_KCSAN_STRICT=y to see all data races|'\
'kasan: KernelAddressSanitizer initialized.*|'\
' *ok [0-9]+ [A-Za-z0-9_]+ # SKIP .*)$'

# SPLAT_ALSO_BENIGN, if set: an extended regex; a line that it matches
# anywhere reports nothing either. ftracetest.sh's retry_boot uses it for
# the oopses it boots again after, to check the rest of the log.
hits=$(SPLAT=$splat BENIGN=$benign ALSO=${SPLAT_ALSO_BENIGN:-} awk '
	BEGIN { splat = ENVIRON["SPLAT"]; benign = ENVIRON["BENIGN"]; also = ENVIRON["ALSO"] }
	{ sub(/\r$/, "") }
	$0 !~ splat || $0 ~ benign || (also != "" && $0 ~ also) { next }
	/^kcsan: selftest: [0-9]+\/[0-9]+ tests passed$/ {
		split($3, n, "/"); if (n[1] == n[2]) next
	}
	{ print NR ":" $0 }' "$log")
[[ -z $hits ]] && exit 0
n=$(printf '%s\n' "$hits" | wc -l)
echo "splat-check: $n suspicious line(s) in $log:"
printf '%s\n' "$hits" | head -40 | sed 's/^/  /'
[[ $n -le 40 ]] || echo "  ... ($((n - 40)) more)"
exit 1
