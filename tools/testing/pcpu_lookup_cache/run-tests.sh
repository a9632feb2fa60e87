#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: run the userspace tests plain, without the test hook, with
# ASan+UBSan and under valgrind memcheck. Usage:
#   run-tests.sh PLAIN NOHOOK ASAN
# Ends with the line "N passed, N failed" summed over the runs; exits
# non-zero if any run failed, crashed or reported an error.
set -uo pipefail

plain=$1 nohook=$2 asan=$3
VALGRIND=${VALGRIND:-valgrind}
P=0 F=0 rc=0
start=$(date +%s)

# run NAME CMD...: run one way, take its last line, add up the counts.
run() {
	local name=$1 out t0 last p f st
	shift
	t0=$(date +%s)
	out=$("$@" 2>&1)
	st=$?
	last=$(tail -n 1 <<<"$out")
	# Failures, sanitizer and valgrind reports: all but the summary.
	sed -e '1{/^pcpu_lookup_cache userspace tests/d}' -e '$d' <<<"$out" |
		head -n 60
	if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]}
	else
		p=0 f=1
		echo "$name: no summary line; last line: $last"
	fi
	[[ $st -eq 0 ]] || { [[ $f -gt 0 ]] || f=1; rc=1; }
	P=$((P + p)) F=$((F + f))
	echo "$name: $p passed, $f failed, exit $st, $(($(date +%s) - t0))s"
}

run plain "$plain"
run nohook "$nohook"
run asan env ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "$asan"
if command -v "$VALGRIND" >/dev/null 2>&1; then
	run valgrind "$VALGRIND" -q --error-exitcode=1 --leak-check=full \
		--errors-for-leak-kinds=all --show-leak-kinds=all "$plain"
else
	echo "valgrind: not installed"
	F=$((F + 1)) rc=1
fi
echo "userspace tests took $(($(date +%s) - start))s"
echo "$P passed, $F failed"
[[ $rc -eq 0 && $F -eq 0 ]]
