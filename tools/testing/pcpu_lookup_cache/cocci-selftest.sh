#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Self-test of scripts/coccinelle/api/pcpu_lookup_cache.cocci: run it in
# report mode on cocci_selftest.c, next to this script, and check that it
# reports exactly the lines that end with the comment BAD (in capitals,
# inside a C comment), no more and no fewer.
#
# Takes no arguments and may be run from any directory. Installs coccinelle
# with apt-get when spatch is missing (as root).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
cd "$root"

cocci=scripts/coccinelle/api/pcpu_lookup_cache.cocci
input=tools/testing/pcpu_lookup_cache/cocci_selftest.c
me="cocci self-test"

if ! command -v spatch >/dev/null 2>&1; then
	echo "$me: spatch not found, installing coccinelle" >&2
	if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
		echo "$me: cannot install coccinelle; install it and retry" >&2
		exit 1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q coccinelle >&2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The options scripts/coccicheck passes in report mode, plus the script's
# own "Options:" line.
status=0
spatch --very-quiet --no-includes --include-headers -D report \
	--sp-file "$cocci" "$input" >"$tmp/out" 2>"$tmp/err" || status=$?
if [[ $status -ne 0 ]] || grep -qiE 'error|exception|traceback' "$tmp/err"; then
	echo "$me: spatch failed (exit $status):" >&2
	cat "$tmp/err" "$tmp/out" >&2
	exit 1
fi
# Warnings (a newer spatch may add some) are shown but do not fail the test.
cat "$tmp/err" >&2

# A report is "<file>:<line>:<col>-<col>: ERROR: <message>".
report_re="^$input:[0-9]+:[0-9]+-[0-9]+: ERROR: "
if grep -qvE "$report_re" "$tmp/out"; then
	echo "$me: unexpected output:" >&2
	grep -vE "$report_re" "$tmp/out" >&2
	exit 1
fi

# comm needs the lexical order; the lines are shown in numerical order.
cut -d: -f2 "$tmp/out" | sort -u >"$tmp/got"
grep -nE '/\* BAD \*/[[:space:]]*$' "$input" | cut -d: -f1 | sort -u >"$tmp/want"
nbad=$(wc -l <"$tmp/want")
if [[ $nbad -eq 0 ]]; then
	echo "$me: no BAD lines in $input" >&2
	exit 1
fi

nmissing=0
for l in $(comm -23 "$tmp/want" "$tmp/got" | sort -n); do
	code=$(sed -n "${l}p" "$input" | sed 's/^[[:space:]]*//')
	echo "$me: missed bad use at $input:$l: $code"
	nmissing=$((nmissing + 1))
done
nextra=0
for l in $(comm -13 "$tmp/want" "$tmp/got" | sort -n); do
	msg=$(grep -E "^$input:$l:" "$tmp/out" | head -1 | cut -d' ' -f2-)
	echo "$me: false positive at $input:$l: $msg"
	nextra=$((nextra + 1))
done
if [[ $nmissing -ne 0 || $nextra -ne 0 ]]; then
	echo "$me: FAILED: $nmissing bad uses missed, $nextra false positives"
	exit 1
fi

echo "$me: $nbad bad uses flagged, 0 false positives"
