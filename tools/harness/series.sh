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
# The exact base: the package version make tree recorded.
printf 'The series applies to %s, the newest mainline release Debian ships\n(build/linux tag base).\n' \
	"$(cat "$BUILD/source/version" 2>/dev/null || echo 'an unknown base')" >"$tmp/base"
tail -n +3 "$template" | awk -v f="$tmp/bench" -v b="$tmp/base" '
	$0 == "@BENCHMARK@" { while ((getline l < f) > 0) print l; next }
	$0 == "@BASE@" { while ((getline l < b) > 0) print l; next } { print }' >"$tmp/blurb"

cover=$(ls "$out"/0000-cover-letter.patch)
awk -v s="$subject" -v f="$tmp/blurb" '
	/\*\*\* SUBJECT HERE \*\*\*/ { sub(/\*\*\* SUBJECT HERE \*\*\*/, s) }
	$0 == "*** BLURB HERE ***" { while ((getline l < f) > 0) print l; next }
	{ print }' "$cover" >"$tmp/cover"
mv "$tmp/cover" "$cover"

# To: the maintainers, Cc: reviewers and lists of everything the series
# touches, as scripts/get_maintainer.pl names them; on the cover letter.
gm() {
	(cd "$LINUX" && perl scripts/get_maintainer.pl --no-git --no-git-fallback \
		--no-rolestats --no-tree "$@" $(ls "$out"/0*.patch | grep -v 0000-cover))
}
to=$(gm --m --no-r --no-l | sort -u | paste -sd, - | sed 's/,/, /g')
cc=$(gm --no-m --r --l | sort -u | paste -sd, - | sed 's/,/, /g')
[[ -n $to ]] || die "scripts/get_maintainer.pl named no maintainer for the series"
awk -v to="$to" -v cc="$cc" '
	!done && /^Subject: / { print "To: " to; if (cc != "") print "Cc: " cc; done = 1 }
	{ print }' "$cover" >"$tmp/cover"
mv "$tmp/cover" "$cover"
log "series: To: $to"
log "series: Cc: $cc"
! grep -q '\*\*\* .* HERE \*\*\*' "$cover" || die "cover letter placeholders left in $cover"
log "series: $(ls "$out" | wc -l) files in build/series/:"
ls "$out" | sed 's/^/  /'
