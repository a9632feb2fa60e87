#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bisect-check: every commit base..HEAD of build/linux, oldest first,
# must build and pass the UML KUnit suite on its own.  A commit is not
# built again when its UML kernel is provably the one already built and
# passed (see below): it is then reported as skipped, not as passed.
#
# Each commit is checked out in build/linux itself (HEAD is restored at
# the end) and built incrementally in build/kunit-um, the build dir of the
# kunit stage: make rebuilds only what a commit changes, and kbuild's
# per-symbol config dependencies keep a config change to the objects that
# use the changed symbols.  (A separate worktree and build dir made the
# first commit a full build: its config differs from the kunit stage's,
# and ccache's key covers the whole generated autoconf.h.)  The tree lock
# is taken exclusively, so no other stage reads build/linux meanwhile.
# When every commit up to HEAD is checked (the last one built passed, and
# the ones after it are its UML kernel), the files that the checkouts
# rewrote get their old modification times back: their content is that of
# HEAD again, and build/kunit-um is a build of it, so no other kernel's
# build dir is rebuilt for them.  Otherwise they keep the new times, and
# the next build of each kernel recompiles what uses them.  The kunit
# stage's kernel log, build/kunit-um/test.log, is put back too.
# The UML kunitconfig is reduced to the symbols that exist at that commit,
# so commits before the one that adds our test still build and run what
# remains (KUnit core).
#
# Skipping a commit C (BISECT_SKIP=0 turns it off: every commit is built).
# Let L be the last commit built in this run; C is skipped only if
#   - L built and passed, and C's reduced kunitconfig is the same as L's;
#   - every path changed between L and C (git diff --no-renames L C) is
#     none of: a top-level file other than MAINTAINERS, CREDITS, README;
#     anything under scripts/ (except scripts/coccinelle/, which only
#     'make coccicheck' runs), tools/testing/kunit/, arch/um/, arch/x86/um/;
#     a Makefile.*, Kbuild.*, *.mk, *.include, *.config or *kunitconfig;
#     a path listed in the .cmd files of L's build dir (every source and
#     header it compiled, every -I directory, every file a command read);
#   - an added or deleted path is not in a directory that holds such a
#     file, has no base name that those files probe with __has_include, and
#     is not, relative to a directory above it that is an -I directory or
#     holds a used file, the name of a file the build found (an #include of
#     that name could find it first);
#   - a changed Makefile or Kbuild is in a directory kbuild did not enter
#     for L: it has no output in the build dir, and its parent either had
#     none either or names it only in "obj-$(CONFIG_X) += dir/" lines with
#     CONFIG_X unset (and has no subdir- line and no obj- value made
#     with $(...));
#   - if a Kconfig* that kconfig read for L (include/config/auto.conf.cmd)
#     changed, or one was added or deleted: make olddefconfig at C, started
#     from L's .config (what kunit.py does at C), gives the same .config.
# Then C's build would compile exactly L's inputs, so it is L's kernel.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

BDIR=$BUILD/kunit-um
KUNITCONFIG=${KUNITCONFIG:-$HARNESS_DIR/um.kunitconfig}
BISECT_SKIP=${BISECT_SKIP:-1}
KCHECK=$BUILD/bisect-src/kconfig-check

# used_paths: every path of the source tree named in the .cmd files of the
# build dir (sources, headers, -I directories, files a command reads),
# relative to the tree, one a line.  (Kconfig files: kconfig_read.)
used_paths() {
	local s1 s2
	s1=$(cd "$LINUX" && pwd) s2=$(realpath "$LINUX")
	{
		find "$BDIR" -name '.*.cmd' -type f -print0 | xargs -0 -r cat -- |
			tr -s ' \t\\:=,;()"'"'"'' '\n' |
			sed -E 's#^-(I|isystem|iquote|idirafter)##' |
			sed -nE "s#^($s1|$s2|\.\./linux)/+##p; s#^($s1|$s2|\.\./linux)\$#.#p"
	} | sed -E 's#^(\./)+##; s#/+$##; /^$/d' | sort -u
}

# kconfig_read: the Kconfig files kconfig read for the last build.
kconfig_read() {
	sed -nE 's#^\t([^ $]+)( \\)?$#\1#p' "$BDIR/include/config/auto.conf.cmd"
}

# has_include_names <used>: the base names that the used files probe for
# with __has_include (an added file of that name could change the build).
has_include_names() {
	(cd "$LINUX" && grep -vxF . "$1" | xargs -r -d '\n' grep -ohsE -- '__has_include *\( *[<"][^>"]+' || true) |
		sed -E 's#.*[<"]##; s#.*/##' | sort -u
}

# descended DIR: true unless kbuild provably did not enter DIR in the last
# build (so its Makefile or Kbuild was not read).
descended() {
	local d=$1 parent name f line sym
	[[ $d != . ]] || return 0
	[[ ! -e $BDIR/$d ]] || return 0
	parent=$(dirname "$d") name=$(basename "$d")
	# The top-level Makefile enters a directory only to build into it.
	[[ $parent != . ]] || return 1
	descended "$parent" || return 1
	# The parent was entered: with its continued lines joined, it must
	# have no subdir- line, no obj- or subdir- value made with $(...),
	# and name DIR only in "obj-$(CONFIG_X) += ... DIR/" lines with
	# CONFIG_X unset.
	for f in "$LINUX/$parent/Kbuild" "$LINUX/$parent/Makefile"; do
		[[ -f $f ]] || continue
		sed -e ':a' -e '/\\$/N; s/\\\n/ /; ta' "$f" >"$tmp/parent.mk"
		grep -qE '^[[:space:]]*subdir-|^[[:space:]]*(obj|subdir)-[^=]*=.*\$' "$tmp/parent.mk" && return 0
		while IFS= read -r line; do
			[[ $line =~ ^obj-\$\((CONFIG_[A-Za-z0-9_]+)\)[[:space:]]*[+:]?= ]] || return 0
			sym=${BASH_REMATCH[1]}
			grep -qE "^$sym=" "$BDIR/.config" && return 0
		done < <(grep -wF -- "$name" "$tmp/parent.mk" || true)
	done
	return 1
}

# config_same: olddefconfig at the checked-out commit, from the last
# build's .config, gives the same .config (kunit.py runs olddefconfig on
# the kept .config before each build).
config_same() {
	mkdir -p "$KCHECK"
	cp "$BDIR/.config" "$KCHECK/.config"
	(cd "$LINUX" && make ARCH=um O="$KCHECK" "CC=$CC_CCACHE" "HOSTCC=$CC_CCACHE" olddefconfig) \
		</dev/null >"$tmp/kcheck.out" 2>&1 || return 1
	cmp -s "$KCHECK/.config" "$BDIR/.config"
}

# unused_by_uml LAST C: true if C's UML build is LAST's build (see the
# header); else sets why_build.
unused_by_uml() {
	local last=$1 c=$2 st p base dir x rel kconfig=0
	why_build=''
	if ! cmp -s "$tmp/kunitconfig" "$tmp/kunitconfig.built"; then
		why_build="its reduced kunitconfig differs"
		return 1
	fi
	while IFS=$'\t' read -r st p; do
		base=${p##*/} dir=$(dirname "$p")
		case $p in
		scripts/coccinelle/*) ;;
		scripts/*|tools/testing/kunit/*|arch/um/*|arch/x86/um/*)
			why_build="$p: kbuild or kunit.py uses it"; return 1 ;;
		*/*) ;;
		MAINTAINERS|CREDITS|README) continue ;;
		*) why_build="$p: a top-level file"; return 1 ;;
		esac
		case $base in
		Kconfig*)
			# One kconfig did not read cannot change .config.
			if [[ $st != M ]] || grep -qxF -- "$p" "$tmp/kconfig_read"; then
				kconfig=1
			fi
			continue ;;
		Makefile|Kbuild)
			if descended "$dir"; then
				why_build="$p: kbuild may have read it"; return 1
			fi ;;
		Makefile.*|Kbuild.*|*.mk|*.include|*.config|*kunitconfig)
			why_build="$p: a build file"; return 1 ;;
		esac
		if grep -qxF -- "$p" "$tmp/used"; then
			why_build="$p: the UML build uses it"; return 1
		fi
		if [[ $st != M ]]; then
			# Added or deleted: not beside a file the build used
			# (a "..." include searches the includer's directory
			# first), not a name probed with __has_include, and
			# not the name, relative to an include directory above
			# it, of a file the build found elsewhere (shadowing).
			if grep -q -- "^$(printf '%s' "$dir" | sed 's/[][\.*^$]/\\&/g')/[^/]*\$" "$tmp/used" ||
			   grep -qxF -- "$dir" "$tmp/used"; then
				why_build="$p: added or deleted beside files the UML build uses"; return 1
			fi
			if grep -qxF -- "$base" "$tmp/has_include"; then
				why_build="$p: a name the build probes with __has_include"; return 1
			fi
			x=$dir
			while [[ $x != . ]]; do
				x=$(dirname "$x")
				# x: an include directory, or the directory of a
				# used file that may include "<rel>".
				if [[ $x == . ]]; then
					rel=$p
				else
					rel=${p#"$x"/}
					grep -qxF -- "$x" "$tmp/used" ||
						grep -q -- "^$(printf '%s' "$x" | sed 's/[][\.*^$]/\\&/g')/[^/]*\$" "$tmp/used" ||
						continue
				fi
				if grep -qxF -- "$rel" "$tmp/used" || grep -qF -- "/$rel" "$tmp/used"; then
					why_build="$p: added or deleted with the name of a file the UML build found through ${x}/"; return 1
				fi
			done
		fi
	done < <(git -C "$LINUX" diff --no-renames --name-status "$last" "$c")
	if [[ $kconfig -eq 1 ]] && ! config_same; then
		why_build="a Kconfig change gives another .config"; return 1
	fi
	return 0
}

deps build
lock tree
lock kunit-um
lock bisect
need_tree
mkdir -p "$BUILD/logs" "$BUILD/results" "$BDIR"
rm -f "$BUILD/results/bisect.counts"
logf=$BUILD/logs/bisect-check.log
: >"$logf"
tmp=$(mktemp -d)
# build/linux goes back to where it was (make tree's branch and commit),
# also when a step fails.
orig_ref=$(git -C "$LINUX" symbolic-ref -q HEAD || git -C "$LINUX" rev-parse HEAD)
orig_ref=${orig_ref#refs/heads/}
# The modification times of the files that a commit of the series changes
# (see the header); one that is not at HEAD has none.
git -C "$LINUX" log --no-renames --name-only --format= base..HEAD | sort -u |
	(cd "$LINUX" || exit 1; xargs -r -d '\n' stat -c '%.9Y %n' -- 2>/dev/null || true) >"$tmp/mtimes"
restore_mtimes=0
[[ ! -f $BDIR/test.log ]] || cp "$BDIR/test.log" "$tmp/kunit-test.log"
restore_tree() {
	local t f
	if ! git -C "$LINUX" checkout -q -f "$orig_ref" || ! git -C "$LINUX" clean -fdqx; then
		warn "bisect-check: could not check $orig_ref out again in build/linux: run 'make tree'"
		restore_mtimes=0
	fi
	if [[ $restore_mtimes == 1 ]]; then
		while read -r t f; do
			touch -m -d "@$t" -- "$LINUX/$f"
		done <"$tmp/mtimes"
	fi
	[[ ! -f $tmp/kunit-test.log ]] || cp "$tmp/kunit-test.log" "$BDIR/test.log"
	rm -rf "$tmp"
}
trap restore_tree EXIT
# bash runs a trap only once the command in the foreground (kunit.py and
# its make) has ended. Without these, a TERM or HUP to this shell alone
# would run the EXIT trap at once and check HEAD out under a build that
# is still compiling an older commit into build/kunit-um; and kunit.py
# exits normally on SIGINT, so the loop would go on to the next commit.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
# The worktree and build dir of earlier versions of this script.
if [[ -e $BUILD/bisect-src/linux || -e $BUILD/bisect-src/kunit-bisect ]]; then
	rm -rf "$BUILD/bisect-src/linux" "$BUILD/bisect-src/kunit-bisect"
	git -C "$LINUX" worktree prune
fi

mapfile -t commits < <(git -C "$LINUX" rev-list --reverse base..HEAD)
if [[ ${#commits[@]} -eq 0 ]]; then
	log "bisect-check: the series is empty: nothing to check"
	write_counts bisect /dev/null ok
	exit 0
fi

P=0 F=0 C=0 S=0 bad=()
i=0
# last_ok: the last commit built, if it passed; used_for: the commit whose
# build $tmp/used describes.  unchanged: the commits not built again.
last_ok='' used_for='' unchanged=()
for c in "${commits[@]}"; do
	i=$((i + 1))
	subject=$(git -C "$LINUX" log -1 --format=%s "$c")
	name="[$i/${#commits[@]}] $(git -C "$LINUX" rev-parse --short "$c") $subject"
	log "bisect-check: $name"
	git -C "$LINUX" checkout -q --detach -f "$c"
	git -C "$LINUX" clean -fdqx

	# Keep only the options whose symbol exists at this commit.
	: >"$tmp/kunitconfig"
	while IFS= read -r line; do
		if [[ $line =~ ^CONFIG_([A-Za-z0-9_]+)= ]]; then
			sym=${BASH_REMATCH[1]}
			if ! grep -rqE --include='Kconfig*' "^\s*(menu)?config $sym\s*$" "$LINUX"; then
				log "  (CONFIG_$sym does not exist at this commit: dropped)"
				continue
			fi
		fi
		printf '%s\n' "$line" >>"$tmp/kunitconfig"
	done <"$KUNITCONFIG"
	if ! grep -qE '^CONFIG_[A-Z0-9_]+_KUNIT_TEST=y' "$tmp/kunitconfig"; then
		# Before our suite exists: run the KUnit core self-tests, so the
		# commit is still booted and kunit.py has tests to report.
		log "  (no test suite of ours at this commit: running the KUnit core tests)"
		echo 'CONFIG_KUNIT_TEST=y' >>"$tmp/kunitconfig"
	fi

	if [[ $BISECT_SKIP != 0 && -n $last_ok ]]; then
		if [[ $used_for != "$last_ok" ]]; then
			used_paths >"$tmp/used"
			has_include_names "$tmp/used" >"$tmp/has_include"
			kconfig_read >"$tmp/kconfig_read"
			used_for=$last_ok
		fi
		if unused_by_uml "$last_ok" "$c"; then
			msg="skipped: changes no file the UML build uses: $(git -C "$LINUX" diff-tree --no-commit-id --name-only -r "$c" | paste -sd' ')"
			msg+=" (checked: every path changed since $(git -C "$LINUX" rev-parse --short "$last_ok"), the last commit built, which passed: its UML kernel is this one's)"
			log "  $msg"
			{ echo "=== $name"; echo "$msg"; } >>"$logf"
			unchanged+=("$name")
			continue
		fi
		log "  (built: $why_build)"
	fi

	rm -f "$BDIR/test.log"
	set +e
	(cd "$LINUX" && python3 tools/testing/kunit/kunit.py run --arch=um --build_dir="$BDIR" \
		--kunitconfig="$tmp/kunitconfig" --jobs="$JOBS" --timeout=600 \
		--kernel_args=ncpus=4 --kernel_args=seccomp=on --make_options="CC=$CC_CCACHE") </dev/null >"$tmp/out" 2>&1
	rc=$?
	set -e
	{ echo "=== $name"; cat "$tmp/out"; } >>"$logf"
	write_counts "bisect-$i" "$tmp/out" ok
	passed=0 failed=0 crashed=0 skipped=0 errors=0
	# shellcheck disable=SC1090
	. "$BUILD/results/bisect-$i.counts"
	rm -f "$BUILD/results/bisect-$i.counts"
	P=$((P + passed)) F=$((F + failed)) C=$((C + crashed)) S=$((S + skipped))
	summary_line=$(grep -aoE 'Ran [0-9]+ tests:.*' "$tmp/out" | tail -1 || true)
	why=
	if [[ -z $summary_line ]]; then
		why="no test summary (build failure?)"
	elif [[ $rc -ne 0 || $failed -ne 0 || $crashed -ne 0 || $errors -ne 0 ]]; then
		why="tests failed: $summary_line"
	elif [[ -f $BDIR/test.log ]] && ! bash "$HARNESS_DIR/splat-check.sh" "$BDIR/test.log"; then
		why="kernel splat in the log"
	fi
	if [[ -n $why ]]; then
		log "  FAIL: $why"
		grep -aE 'ERROR|error:|FAILED|not ok' "$tmp/out" | head -20 | sed 's/^/    /' || true
		bad+=("$name: $why")
		last_ok=
	else
		log "  ok: $summary_line"
		last_ok=$c
		cp "$tmp/kunitconfig" "$tmp/kunitconfig.built"
	fi
done
# Every commit checked, and build/kunit-um is the last one's UML kernel
# (built and passed, or proven the same as one that did).
[[ -z $last_ok ]] || restore_mtimes=1
nbuilt=$((${#commits[@]} - ${#unchanged[@]}))

status=ok
[[ ${#bad[@]} -eq 0 ]] || status=fail
put_counts bisect "$status" "$P" "$F" "$C" "$S" 0 1
log "bisect-check: log in ${logf#$ROOT/}"
log "bisect-check: $nbuilt built, ${#unchanged[@]} skipped as unchanged for UML"
[[ ${#unchanged[@]} -eq 0 ]] || printf "  skipped: %s\n" "${unchanged[@]}"
if [[ $status != ok ]]; then
	log "bisect-check: FAIL at ${#bad[@]} of ${#commits[@]} commits:"
	printf "  %s\n" "${bad[@]}"
	exit 1
fi
log "bisect-check: OK: all ${#commits[@]} commits pass: $nbuilt built and booted ($P passed, $S skipped), ${#unchanged[@]} not built again (their UML kernel is that of an earlier commit that passed)"
