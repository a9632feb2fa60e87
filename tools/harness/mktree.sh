#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make tree: produce build/linux = Debian's linux-source-7.3 + our series.
#
# build/linux is a git repo.  Its first commit (tag 'base') is the pristine
# tree; then one commit per entry of patches/series: the patch's diff plus the
# new files patches/new-files assigns to it, with the patch's message and
# author.  Dates are fixed so that re-runs give identical commit hashes.
#
# Commits are built in a private index (no work-tree churn); at the end the
# work tree is moved with 'git reset --hard', which rewrites only the files
# that differ, so kbuild rebuilds stay incremental.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# The tarball and its version come from getsource.sh (Debian's
# linux-source-7.3, or LINUX_SOURCE_TARBALL).
TARBALL=$BUILD/source/linux-source.tar.xz
# Any fixed value works; it only has to never change.
FIXED_DATE="2026-11-01T12:00:00+0000"
# A repo file under one of these must be listed in patches/new-files.  tools/
# is not: files there may be repo-only (e.g. a userspace harness) or listed.
KERNEL_DIRS="include lib kernel scripts Documentation arch mm init fs drivers
	net samples security block virt crypto ipc io_uring rust sound usr certs"

export GIT_AUTHOR_DATE=$FIXED_DATE GIT_COMMITTER_DATE=$FIXED_DATE
export GIT_COMMITTER_NAME="pcpu_lookup_cache harness" GIT_COMMITTER_EMAIL="harness@localhost"
G() { git -C "$LINUX" "$@"; }

# ---------------------------------------------------------------- source
deps source
lock tree
bash "$HARNESS_DIR/getsource.sh"
version=$(cat "$BUILD/source/version")
log "tree: using $version"

if [[ ! -d $LINUX/.git ]] || [[ $(cat "$LINUX/.git/ws-base-version" 2>/dev/null) != "$version" ]] ||
   ! G rev-parse -q --verify refs/tags/base >/dev/null; then
	log "tree: extracting $TARBALL into build/linux (once per package version)"
	# Worktrees and build dirs made from an older tree are now meaningless.
	rm -rf "$LINUX" "$LINUX.tmp" "$BUILD/lint-base" "$BUILD/bisect-src" "$BUILD/bench-no-ss-int3"
	mkdir -p "$LINUX.tmp"
	xz -dc -T0 "$TARBALL" | tar -x -C "$LINUX.tmp" --strip-components=1
	[[ -f $LINUX.tmp/Makefile && -f $LINUX.tmp/tools/testing/kunit/kunit.py ]] ||
		die "$TARBALL does not look like a kernel source tree"
	git -C "$LINUX.tmp" init -q
	git -C "$LINUX.tmp" config core.autocrlf false
	git -C "$LINUX.tmp" config gc.auto 0
	git -C "$LINUX.tmp" config user.name "$GIT_COMMITTER_NAME"
	git -C "$LINUX.tmp" config user.email "$GIT_COMMITTER_EMAIL"
	# -f: take the tarball exactly as shipped, even files .gitignore names.
	git -C "$LINUX.tmp" add -A -f .
	GIT_AUTHOR_NAME="Debian ${version%% *}" GIT_AUTHOR_EMAIL="linux-source@debian.invalid" \
		git -C "$LINUX.tmp" commit -q --no-verify -m "base: $version" -m \
		"Pristine extraction of the base source: $version."
	git -C "$LINUX.tmp" tag base
	printf '%s\n' "$version" >"$LINUX.tmp/.git/ws-base-version"
	mv "$LINUX.tmp" "$LINUX"
fi

# ---------------------------------------------------------------- inputs
series=()
if [[ -f $PATCHES/series ]]; then
	while read -r p _; do
		[[ -z $p || $p == \#* ]] && continue
		[[ -f $PATCHES/$p ]] || die "patches/series lists '$p' but patches/$p does not exist"
		[[ " ${series[*]} " != *" $p "* ]] || die "patches/series lists '$p' twice"
		series+=("$p")
	done <"$PATCHES/series"
else
	log "tree: no patches/series: empty series"
fi

declare -A newfiles=() owner=()
if [[ -f $PATCHES/new-files ]]; then
	n=0
	while read -r p f rest; do
		n=$((n + 1))
		[[ -z $p || $p == \#* ]] && continue
		where="patches/new-files:$n"
		[[ -n $f && -z $rest ]] || die "$where: expected '<patch-file> <path>'"
		[[ " ${series[*]} " == *" $p "* ]] || die "$where: patch '$p' is not in patches/series"
		[[ $f != /* && $f != *..* && $f != ./* ]] || die "$where: '$f' must be a plain repo-relative path"
		[[ -f $ROOT/$f ]] || die "$where: new file '$f' (of $p) is missing from the repo"
		[[ -z ${owner[$f]:-} ]] || die "$where: '$f' is already listed for ${owner[$f]}"
		owner[$f]=$p
		newfiles[$p]+="$f "
	done <"$PATCHES/new-files"
fi

# Every file at a kernel path in the repo must be listed in new-files.
# shellcheck disable=SC2086
while IFS= read -r f; do
	[[ -f $ROOT/$f ]] || continue
	[[ -n ${owner[$f]:-} ]] ||
		die "'$f' is at a kernel path but not listed in patches/new-files (add '<patch> $f')"
done < <(cd "$ROOT" && { git ls-files -co --exclude-standard -- $KERNEL_DIRS 2>/dev/null ||
	find $KERNEL_DIRS -type f 2>/dev/null; } | sort -u)

# New files must really be new: no copies of upstream files in the repo.
for f in "${!owner[@]}"; do
	if G cat-file -e "base:$f" 2>/dev/null; then
		die "'$f' (listed for ${owner[$f]}) already exists upstream; change it with a patch instead"
	fi
done

# ---------------------------------------------------------------- stamp
stamp=$({
	printf 'version %s\n' "$version"
	cat "$0"
	for p in "${series[@]}"; do
		printf '== patch %s\n' "$p"
		cat "$PATCHES/$p"
		for f in ${newfiles[$p]:-}; do
			printf '== file %s %s\n' "$f" "$([[ -x $ROOT/$f ]] && echo 755 || echo 644)"
			cat "$ROOT/$f"
		done
	done
} | sha256sum | cut -d' ' -f1)

if [[ $(cat "$LINUX/.git/ws-stamp" 2>/dev/null) == "$stamp" &&
      $(G rev-parse HEAD) == "$(cat "$LINUX/.git/ws-head" 2>/dev/null)" ]]; then
	# --ignored: Debian's top-level .gitignore ignores everything untracked.
	# Python and checkpatch caches do not count.
	dirty=$(G status --porcelain --untracked-files=normal --ignored |
		grep -vE '__pycache__/|\.checkpatch-camelcase\.git\.' | head -20 || true)
	if [[ -z $dirty ]]; then
		log "tree up to date ($(G rev-list --count base..HEAD) patches on base)"
		exit 0
	fi
	log "tree: build/linux has local changes (generated dir; edit the repo instead); discarding:"
	printf '%s\n' "$dirty" | sed 's/^/  /'
fi
rm -f "$LINUX/.git/ws-stamp" "$LINUX/.git/ws-head"

# ---------------------------------------------------------------- apply
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GIT_INDEX_FILE=$LINUX/.git/ws-index
G read-tree base
head=$(G rev-parse base)
last="none (build/linux is pristine base)"

# Print the hunk of patch file $1 that starts at old line $3 of file $2.
show_hunk() {
	awk -v f="$2" -v l="$3" -v pf="$1" '
		/^diff --git / { in_f = ($0 == "diff --git a/" f " b/" f); show = 0 }
		show && /^(@@|diff --git )/ { show = 0 }
		in_f && $0 ~ "^@@ -" l "(,[0-9]+)? " {
			show = 1; printf "failing hunk (%s line %d):\n", pf, NR
		}
		show { print "  | " $0 }' "$PATCHES/$1"
}

fail_patch() { # $1=index $2=patch $3=error file
	local i=$1 p=$2 err=$3
	sed 's/^/  /' "$err" >&2
	grep -oE 'patch failed: [^ ]+:[0-9]+' "$err" | while read -r _ _ loc; do
		show_hunk "$p" "${loc%:*}" "${loc##*:}" >&2
	done
	unset GIT_INDEX_FILE
	G reset -q --hard "$head"
	G clean -fdqx
	cat >&2 <<-EOF
	error: patches/$p (patch $i of ${#series[@]}) does not apply to build/linux.
	build/linux is now HALF-PATCHED: last applied patch: $last.
	Patches $i..${#series[@]} are NOT applied.  Fix patches/$p and re-run
	'make tree'; it will redo the whole series from base.
	EOF
	exit 1
}

i=0
for p in "${series[@]}"; do
	i=$((i + 1))
	git mailinfo "$tmp/msg" "$tmp/diff" <"$PATCHES/$p" >"$tmp/info" ||
		die "patches/$p: cannot parse mail header"
	author=$(sed -n 's/^Author: //p' "$tmp/info")
	email=$(sed -n 's/^Email: //p' "$tmp/info")
	subject=$(sed -n 's/^Subject: //p' "$tmp/info")
	[[ -n $author && -n $email && -n $subject ]] ||
		die "patches/$p: needs 'From: Name <email>' and 'Subject: [PATCH] ...' headers"
	if grep -q '^diff --git ' "$tmp/diff"; then
		created=$(git apply --summary "$tmp/diff" | sed -n 's/^ create mode [0-7]* //p')
		[[ -z $created ]] || die "patches/$p: its diff creates $created;" \
			"new files live at their kernel path in the repo and are listed in patches/new-files"
		G apply --cached "$tmp/diff" 2>"$tmp/err" || fail_patch "$i" "$p" "$tmp/err"
	fi
	for f in ${newfiles[$p]:-}; do
		mode=100644; [[ -x $ROOT/$f ]] && mode=100755
		G update-index --add --cacheinfo "$mode,$(G hash-object -w --no-filters "$ROOT/$f"),$f"
	done
	{ printf '%s\n' "$subject"; [[ -s $tmp/msg ]] && { echo; cat "$tmp/msg"; }; } >"$tmp/commitmsg"
	head=$(GIT_AUTHOR_NAME=$author GIT_AUTHOR_EMAIL=$email \
		G commit-tree "$(G write-tree)" -p "$head" -F "$tmp/commitmsg")
	last="$i/${#series[@]} patches/$p"
	log "tree: applied $p"
done
unset GIT_INDEX_FILE

# Move the work tree; only files whose content changes are rewritten.
# clean -x: Debian's top-level .gitignore ("/*") makes every untracked file
# ignored, so a plain 'git clean -fd' would remove nothing.
G reset -q --hard "$head"
G clean -fdqx
printf '%s\n' "$head" >"$LINUX/.git/ws-head"
printf '%s\n' "$stamp" >"$LINUX/.git/ws-stamp"
log "tree: build/linux at $(G rev-parse --short HEAD), ${#series[@]} patches on base:"
G log --oneline --no-decorate base..HEAD | sed 's/^/  /'
