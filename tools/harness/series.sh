#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make series: export base..HEAD of build/linux with a cover letter into
# build/series/.  Subject and blurb come from tools/harness/cover-letter.txt
# (line 1 = subject, then a blank line, then the blurb); its @BENCHMARK@
# line becomes the headline of build/bench/report.md (between the
# <!-- headline --> and <!-- /headline --> markers) when a benchmark ran.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

lock tree -s
need_tree
out=$BUILD/series
template=$HARNESS_DIR/cover-letter.txt
[[ $(git -C "$LINUX" rev-list --count base..HEAD) -gt 0 ]] ||
	die "the series is empty (patches/series): nothing to export"

rm -rf "$out"
mkdir -p "$out"
# The cover letter is from the author of the first patch.
first=$(git -C "$LINUX" rev-list --reverse base..HEAD | sed -n 1p)  # sed reads all: no SIGPIPE
git -C "$LINUX" -c user.name="$(git -C "$LINUX" log -1 --format=%an "$first")" \
	-c user.email="$(git -C "$LINUX" log -1 --format=%ae "$first")" \
	format-patch -q --cover-letter -o "$out" base..HEAD

report=$BUILD/bench/report.md
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [[ -f $report ]] && grep -q '<!-- headline -->' "$report"; then
	sed -n '/<!-- headline -->/,/<!-- \/headline -->/p' "$report" | sed '1d;$d' >"$tmp/bench"
	[[ -s $tmp/bench ]] || echo "Benchmark numbers: build/bench/report.md has an empty headline" >"$tmp/bench"
elif [[ -f $report || -f $BUILD/bench/results.json ]]; then
	echo "Benchmark numbers: see build/bench/ (no headline section in report.md); run \`make bench\`" >"$tmp/bench"
else
	echo "Benchmark numbers: run \`make bench\`" >"$tmp/bench"
fi

subject=$(head -1 "$template")
tail -n +3 "$template" | awk -v f="$tmp/bench" '
	$0 == "@BENCHMARK@" { while ((getline l < f) > 0) print l; next } { print }' >"$tmp/blurb"

cover=$(ls "$out"/0000-cover-letter.patch)
awk -v s="$subject" -v f="$tmp/blurb" '
	/\*\*\* SUBJECT HERE \*\*\*/ { sub(/\*\*\* SUBJECT HERE \*\*\*/, s) }
	$0 == "*** BLURB HERE ***" { while ((getline l < f) > 0) print l; next }
	{ print }' "$cover" >"$tmp/cover"
mv "$tmp/cover" "$cover"
! grep -q '\*\*\* .* HERE \*\*\*' "$cover" || die "cover letter placeholders left in $cover"
log "series: $(ls "$out" | wc -l) files in build/series/:"
ls "$out" | sed 's/^/  /'
