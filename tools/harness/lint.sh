#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make lint: every check must report nothing, except for findings listed
# (with a justification) in tools/harness/lint-exceptions.txt.
#
#   checkpatch   scripts/checkpatch.pl --strict on every exported patch
#   compile      sparse (C=2) + W=1 on each .c the series adds or modifies,
#                in the kunit-smp build dir (kernel/kcsan/ in kunit-kcsan's,
#                arch/arm64/ and mm/kasan/sw_tags.c in kunit-arm64's,
#                arch/riscv/ in kunit-riscv's: built here if those stages
#                have not run); for modified upstream files only warnings
#                that are not there at 'base' count (base is compiled only
#                when the series' version has warnings); then again, W=1
#                and sparse, in build/ftrace-x86, a kernel without KUnit,
#                for each of those files that that config compiles (code
#                under #if IS_ENABLED(CONFIG_KUNIT) hides warnings from the
#                KUnit builds: an unused static function, say); and again
#                in kunit-i386's build dir, a 32-bit kernel, for each of
#                them that it compiles (BITS_PER_LONG == 32 code)
#   handler path get_kprobe_cached(), its miss path and the fill, compiled
#                again as a CONFIG_TRACE_BRANCH_PROFILING kernel would: no
#                call to ftrace_likely_update(), which can be probed
#   kernel-doc   scripts/kernel-doc -none -Wall on each new .c/.h
#   coccinelle   our .cocci in report mode on lib/ kernel/ arch/x86/kernel/kprobes
#                (coccicheck M=<dir>, on the files there that contain
#                "pcpu_lookup_cache_": the others cannot give a report, see
#                below), plus tools/testing/pcpu_lookup_cache/cocci-selftest.sh
#
# Each finding is one line "<check>: <file>: <message>" (line numbers
# stripped); an exception is a grep -E pattern matched against that line.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

EXCEPTIONS=$HARNESS_DIR/lint-exceptions.txt
COCCI=scripts/coccinelle/api/pcpu_lookup_cache.cocci
COCCI_DIRS="lib kernel arch/x86/kernel/kprobes"
SMP=$BUILD/kunit-smp
# kernel/kcsan/ only compiles with CONFIG_KCSAN: those files are checked
# in the kunit-kcsan build dir (configured here if that stage has not run).
KCSAN=$BUILD/kunit-kcsan
# arch/arm64/ (and mm/kasan/sw_tags.c: kunit-arm64 is a KASAN_SW_TAGS
# kernel) and arch/riscv/: in those stages' build dirs.
ARM64=$BUILD/kunit-arm64
RISCV=$BUILD/kunit-riscv
# A 32-bit kernel (the library's BITS_PER_LONG == 32 code): kunit-i386's.
I386=$BUILD/kunit-i386
# A kernel without KUnit: ftracetest's (built, or brought up to date, here).
NOKUNIT=$BUILD/ftrace-x86
# Set for one call: the build whose config compiles every file (cfg_for).
LINT_CFG=
# Same layout as build/linux + build/kunit-smp, so ccache serves the base build.
BASE_SRC=$BUILD/lint-base/linux
BASE_OBJ=$BUILD/lint-base/obj

deps build lint
lock tree -s
lock kunit-smp
lock kunit-kcsan
lock kunit-arm64
lock kunit-riscv
lock kunit-i386
lock ftrace-x86
lock lint
need_tree
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
findings=$tmp/findings
: >"$findings"
# Raw tool output, for the details behind a one-line finding.
detail=$BUILD/logs/lint.log
mkdir -p "$BUILD/logs"
: >"$detail"
keep() { { echo "===== $1"; cat "$2"; } >>"$detail"; }
# A sparse that this kernel accepts (Debian 12's is too old for 7.3).
SPARSE=$(bash "$HARNESS_DIR/getsparse.sh")
log "lint: sparse: $SPARSE ($(cat "$BUILD/tools/sparse/version" 2>/dev/null || "$SPARSE" --version))"
KMAKE=(make -s "HOSTCC=$CC_CCACHE" "CHECK=$SPARSE" -j"$JOBS")
# Without -s, and with V=0 whatever KBUILD_VERBOSE says: prefetch splits
# the output at kbuild's "  CC" lines. Without the MAKEFLAGS of a 'make -s
# lint' either: kbuild reads -s there, and would print no such line.
KMAKE_LOUD=(env -u MAKEFLAGS -u MFLAGS make V=0 "HOSTCC=$CC_CCACHE" "CHECK=$SPARSE" -j"$JOBS")

# Strip line/column numbers from compiler-style "file:12:3: ..." lines.
strip_lines() { sed -E 's/^([^: ]+):[0-9]+(:[0-9]+(-[0-9]+)?)?: */\1: /'; }

# Files of the series: new files (from patches/new-files), and upstream
# files modified by the patches' diffs.
new_files=$(grep -vE '^\s*(#|$)' "$PATCHES/new-files" 2>/dev/null | awk '{print $2}' | sort -u || true)
modified=$(git -C "$LINUX" diff --name-only --diff-filter=M base HEAD | sort -u)
kernel_c() { grep -E '\.c$' | grep -vE '^(tools|scripts|Documentation|usr|samples)/' || true; }
new_c=$(printf '%s\n' "$new_files" | kernel_c)
mod_c=$(printf '%s\n' "$modified" | kernel_c)
# KMSAN's runtime (mm/kmsan/) compiles only with Clang and CONFIG_KMSAN,
# and the sparse and W=1 builds here are GCC's: make kunit-kmsan compiles
# it, and fails on any Clang warning.
clang_only='^mm/kmsan/'
for c in $(printf '%s\n' $new_c $mod_c | grep -E "$clang_only" || true); do
	log "lint: NOTICE: $c: KMSAN's runtime compiles only with Clang: not checked here (make kunit-kmsan builds it)"
done
new_c=$(printf '%s\n' $new_c | grep -vE "$clang_only" || true)
mod_c=$(printf '%s\n' $mod_c | grep -vE "$clang_only" || true)

# ------------------------------------------------------------ checkpatch
log "lint: checkpatch --strict"
npatches=$(git -C "$LINUX" rev-list --count base..HEAD)
if [[ $npatches -gt 0 ]]; then
	git -C "$LINUX" format-patch -q -o "$tmp/fp" base..HEAD
	names=()
	while read -r p _; do [[ -z $p || $p == \#* ]] || names+=("$p"); done <"$PATCHES/series"
	# checkpatch_each N PATCH...: checkpatch each PATCH into PATCH.out, N
	# at a time (checkpatch uses one CPU; the largest patches take 10 to
	# 20 s each). Debian's python3 first: spdxcheck.py needs its
	# python3-ply and python3-git.
	checkpatch_each() {
		local n=$1
		shift
		[[ $# -gt 0 ]] || return 0
		# shellcheck disable=SC2016
		printf '%s\0' "$@" |
			(cd "$LINUX" && PATH=/usr/bin:$PATH xargs -0 -n1 -P"$n" sh -c \
				'./scripts/checkpatch.pl --strict --show-types --color=never "$1" >"$1.out" 2>&1 || true' _)
	}
	checkpatch_each "$JOBS" "$tmp"/fp/*.patch
	# checkpatch caches the CamelCase words of include/ in a file of the
	# tree, written by the first run that needs them while others may
	# read it: a run that read it half written can report a CamelCase
	# word wrongly. So the patches with such a report are checked again,
	# one at a time.
	mapfile -t again < <(grep -l 'CAMELCASE' "$tmp"/fp/*.patch.out | sed 's/\.out$//' || true)
	checkpatch_each 1 "${again[@]}"
	rm -f "$LINUX"/.checkpatch-camelcase.*
	i=0
	for f in "$tmp"/fp/*.patch; do
		name=${names[$i]:-$(basename "$f")}
		i=$((i + 1))
		mv "$f.out" "$tmp/cp.out"
		keep "checkpatch $name" "$tmp/cp.out"
		if grep -q '^Traceback' "$tmp/cp.out"; then
			echo "checkpatch: $name: -: a checkpatch helper script failed: $(grep -m1 -E '^[A-Za-z]+Error' "$tmp/cp.out")" >>"$findings"
		fi
		awk -v p="$name" '
			function flush() { if (msg != "") print "checkpatch: " p ": " file ": " msg; msg = "" }
			/^(ERROR|WARNING|CHECK):[A-Z0-9_]+: / { flush(); msg = $0; file = "-"; next }
			msg != "" && /^#[0-9]+: FILE: / { f = $3; sub(/:[0-9]+:$/, "", f); file = f; flush(); next }
			msg != "" && /^#[0-9]+: / { flush(); next }
			END { flush() }' "$tmp/cp.out" >>"$findings"
		grep -qE '^total: ' "$tmp/cp.out" ||
			{ echo "checkpatch: $name: -: checkpatch did not run:"; head -5 "$tmp/cp.out"; } >>"$findings"
	done
else
	log "lint: no patches in the series"
fi

# ------------------------------------------------------------ compile
# cfg_for FILE: the KUnit build whose config compiles FILE (smp, kcsan,
# arm64 or riscv); arch_for FILE: its architecture; obj_for FILE: its
# build dir; base_for FILE: that dir's twin for the base tree.
# kmake_args ARCH: make's arguments for an architecture.
cfg_for() {
	[[ -z $LINT_CFG ]] || { echo "$LINT_CFG"; return; }
	case $1 in
	kernel/kcsan/*) echo kcsan ;;
	arch/arm64/*|mm/kasan/sw_tags.c) echo arm64 ;;
	arch/riscv/*) echo riscv ;;
	*) echo smp ;;
	esac
}
arch_for() {
	case $(cfg_for "$1") in
	arm64) echo arm64 ;;
	riscv) echo riscv ;;
	i386) echo i386 ;;
	*) echo x86_64 ;;
	esac
}
obj_for() {
	case $(cfg_for "$1") in
	kcsan) echo "$KCSAN" ;;
	arm64) echo "$ARM64" ;;
	riscv) echo "$RISCV" ;;
	i386) echo "$I386" ;;
	nokunit) echo "$NOKUNIT" ;;
	*) echo "$SMP" ;;
	esac
}
base_for() {
	local cfg
	cfg=$(cfg_for "$1")
	if [[ $cfg == smp ]]; then echo "$BASE_OBJ"; else echo "$BASE_OBJ-$cfg"; fi
}
kmake_args() {
	case $1 in
	arm64) echo "ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-" ;;
	riscv) echo "ARCH=riscv CROSS_COMPILE=riscv64-linux-gnu-" ;;
	i386) echo "ARCH=i386" ;;
	*) echo "ARCH=x86_64" ;;
	esac
}
cross_of() { kmake_args "$1" | sed -n 's/.*CROSS_COMPILE=//p'; }

# The directory where prefetch files its output for SRC and OBJ ($1, $2).
prefetch_dir() { echo "$tmp/pf/$(printf '%s|%s' "$1" "$2" | md5sum | cut -c1-16)"; }

# prefetch SRC OBJ FILE...: compile every FILE (foo.c) with sparse + W=1
# in one make run, for compile_warnings to take each one's output from
# instead of compiling it on its own. A make run per object spent about
# 2.3 s before it compiled anything, on each of some 60 objects a lint run
# compiles, and it compiled one object at a time. With --output-sync=
# target, each object's output comes in one piece: kbuild's "  CC" line,
# gcc's diagnostics, then "  CHECK" and sparse's (no -s: those lines
# delimit the pieces). -k: a file that does not compile does not stop the
# others; its missing .o tells which. A file that compiled but has no
# piece (no header line was seen for it) is left to compile_warnings to
# compile on its own. The FILEs must share one architecture (arch_for).
prefetch() {
	local src=$1 obj=$2 c a d p objs=()
	shift 2
	[[ $# -gt 0 ]] || return 0
	a=$(arch_for "$1")
	d=$(prefetch_dir "$src" "$obj")
	rm -rf "$d"
	mkdir -p "$d"
	for c in "$@"; do
		rm -f "$obj/${c%.c}.o"
		objs+=("${c%.c}.o")
		printf '%s\n' "$c" >>"$d/list"
	done
	# shellcheck disable=SC2046
	"${KMAKE_LOUD[@]}" $(kmake_args "$a") "CC=ccache $(cross_of "$a")gcc" \
		-k --output-sync=target -C "$src" O="$obj" C=2 W=1 "${objs[@]}" \
		>"$d/all.out" 2>&1 || true
	keep "compile in one make run, in $obj: $*" "$d/all.out"
	# Each file's piece in $d/<file with / as %>; lines outside any
	# file's piece (other targets, make's own) in $d/rest.
	awk -v d="$d" '
		FILENAME == d "/list" { want[$0] = 1; next }
		/^  [A-Z][A-Z0-9_]*( \[M\])? +[^ ]+ *$/ {
			f = $NF; sub(/\.[oc]$/, ".c", f)
			cur = (f in want) ? f : ""
			if (cur != "" && !(cur in seen)) {
				seen[cur] = 1
				print cur > (d "/seen")
			}
			next
		}
		{
			out = cur
			gsub("/", "%", out)
			print > (d "/" (cur == "" ? "rest" : out))
		}
	' "$d/list" "$d/all.out"
	touch "$d/seen" "$d/rest"
	for c in "$@"; do
		p=$d/${c//\//%}
		touch "$p"
		if [[ -f $obj/${c%.c}.o ]] && ! grep -qxF "$c" "$d/seen"; then
			log "lint: NOTICE: $c: no kbuild output for it in the make run of ${obj#"$ROOT"/}: compiled on its own"
			rm -f "$p"
			continue
		fi
		# The kernel silently skips sparse if checker-valid.sh
		# rejects it: make says so once, for every file.
		grep -h 'is not available or not up to date' "$d/all.out" >>"$p" || true
		if [[ ! -f $obj/${c%.c}.o ]]; then
			echo "$c: error: compiling ${c%.c}.o failed (see below)" >>"$p"
			# The cause may be outside the file's piece (make's
			# "No rule to make target", a failed prepare step).
			{ echo "(the last lines of the make run outside any file's piece:)"; tail -15 "$d/rest"; } >>"$p"
		fi
		mv "$p" "$p.out"
	done
}

# Compile one object with sparse + W=1 and print its warnings, stripped;
# or take its output from prefetch, if prefetch compiled it in that build.
# $1 = source tree, $2 = O= dir, $3 = foo.c
compile_warnings() {
	local src=$1 obj=$2 c=$3 o=${3%.c}.o a pf
	pf=$(prefetch_dir "$src" "$obj")/${c//\//%}.out
	if [[ -f $pf ]]; then
		mv "$pf" "$tmp/cc.out"
	else
		a=$(arch_for "$c")
		rm -f "$obj/$o"
		# shellcheck disable=SC2046
		"${KMAKE[@]}" $(kmake_args "$a") "CC=ccache $(cross_of "$a")gcc" \
			-C "$src" O="$obj" C=2 W=1 "$o" >"$tmp/cc.out" 2>&1 ||
			echo "$c: error: compiling $o failed (see below)" >>"$tmp/cc.out"
	fi
	keep "compile $c in $obj" "$tmp/cc.out"
	# The kernel silently skips sparse if checker-valid.sh rejects it.
	if grep -q 'is not available or not up to date' "$tmp/cc.out"; then
		echo "$c: error: sparse did not run: $(grep -m1 'not up to date' "$tmp/cc.out")"
	fi
	# gcc (via ccache) names sources ../linux/..., sparse by absolute path.
	grep -aE '^[^ :]+:([0-9]+:)*[0-9]* ?(warning|error): |: error: compiling' "$tmp/cc.out" |
		sed -E "s#^(\.\./linux/|$(realpath "$src")/)##" | strip_lines | sort -u || true
	if grep -q ': error: compiling' "$tmp/cc.out"; then tail -20 "$tmp/cc.out" | sed 's/^/    /' >&2; fi
}

# need_built DIR ARCH CFG: build the kernel of a KUnit stage in DIR, from
# CFG.kunitconfig (kunitconfig_args), if that stage has not run (a single
# object needs a prepared tree).
need_built() {
	local dir=$1 a=$2 cfg=$3 cross
	[[ ! -f $dir/.config || ! -f $dir/vmlinux ]] || return 0
	cross=$(cross_of "$a")
	log "lint: ${dir#$ROOT/} is not built: building it ($cfg.kunitconfig)"
	mkdir -p "$dir"
	kunitconfig_args "$cfg"
	# shellcheck disable=SC2046
	(cd "$LINUX" && python3 tools/testing/kunit/kunit.py build --arch="$a" \
		--build_dir="$dir" "${KC_ARGS[@]}" --jobs="$JOBS" \
		--make_options="CC=ccache ${cross}gcc" --make_options="HOSTCC=$CC_CCACHE" \
		${cross:+--cross_compile="$cross"}) </dev/null >"$tmp/kbuild.out" 2>&1 ||
		{ tail -20 "$tmp/kbuild.out" >&2; die "lint: building ${dir#$ROOT/} failed"; }
}

# check_modified FILE: compile a modified upstream file and print, as
# findings, only the warnings that the base tree (same config: LINT_CFG as
# for the caller) does not have.
check_modified() {
	local c=$1 o b a
	compile_warnings "$LINUX" "$(obj_for "$c")" "$c" >"$tmp/new.w"
	: >"$tmp/base.w"
	# The base twin (same config, base tree) only if there is
	# something to compare: a clean file has nothing new.
	if [[ -s $tmp/new.w ]] && ! grep -q ': error: compiling' "$tmp/new.w"; then
		o=$(obj_for "$c") b=$(base_for "$c")
		mkdir -p "$b"
		if ! cmp -s "$o/.config" "$b/.config.lint" 2>/dev/null; then
			cp "$o/.config" "$b/.config"
			cp "$o/.config" "$b/.config.lint"
			a=$(arch_for "$c")
			# shellcheck disable=SC2046
			"${KMAKE[@]}" $(kmake_args "$a") "CC=ccache $(cross_of "$a")gcc" \
				-C "$BASE_SRC" O="$b" olddefconfig >"$tmp/olddef.out" 2>&1
			keep "olddefconfig in $b" "$tmp/olddef.out"
		fi
		compile_warnings "$BASE_SRC" "$b" "$c" >"$tmp/base.w"
	fi
	comm -23 "$tmp/new.w" "$tmp/base.w" | sed 's/^/compile: /'
	# A file that compiles in neither tree was not checked at all.
	if grep -q ': error: compiling' "$tmp/new.w"; then
		echo "compile: $c: error: does not compile in $(obj_for "$c"), so sparse and W=1 did not check it"
	fi
}

# compiled_in DIR FILE: whether the build in DIR compiles FILE (foo.c):
# it has the object's .cmd file (compile_warnings removes the .o, not it).
compiled_in() {
	local o=${2%.c}.o
	[[ -f $1/$(dirname "$o")/.$(basename "$o").cmd ]]
}

# recheck CFG DIR WHERE CONFIG FILE...: sparse + W=1 on each FILE again, in
# the build dir DIR of config CFG, if that build compiles it (its .cmd
# file: compile_warnings removes the .o, not it); a warning that an
# earlier build already gave is one finding.
recheck() {
	local cfg=$1 dir=$2 where=$3 config=$4 c out=$tmp/recheck built=()
	shift 4
	: >"$out"
	for c in "$@"; do
		! compiled_in "$dir" "$c" || built+=("$c")
	done
	LINT_CFG=$cfg prefetch "$LINUX" "$dir" "${built[@]}"
	for c in "$@"; do
		if ! compiled_in "$dir" "$c"; then
			[[ $c =~ $test_re ]] ||
				log "lint: NOTICE: $c: not compiled $where $config: not checked there"
			continue
		fi
		if printf '%s\n' $new_c | grep -qxF "$c"; then
			log "lint: sparse + W=1 $where: $c (new: every warning counts)"
			LINT_CFG=$cfg compile_warnings "$LINUX" "$dir" "$c" |
				sed 's/^/compile: /' >>"$out"
		else
			log "lint: sparse + W=1 $where: $c (modified: only warnings not present at base count)"
			LINT_CFG=$cfg check_modified "$c" >>"$out"
		fi
	done
	grep -vxF -f "$findings" "$out" >>"$findings" || true
}

if [[ -n $new_c || -n $mod_c ]]; then
	if [[ ! -f $SMP/.config ]]; then
		log "lint: $SMP is not configured: building kunit-smp first"
		kunitconfig_args smp
		(cd "$LINUX" && python3 tools/testing/kunit/kunit.py build --arch=x86_64 \
			--build_dir="$SMP" "${KC_ARGS[@]}" \
			--jobs="$JOBS" --make_options="CC=$CC_CCACHE" --make_options="HOSTCC=$CC_CCACHE") </dev/null
	fi
	if printf '%s\n' $new_c $mod_c | grep -qE '^(arch/arm64/|mm/kasan/sw_tags\.c$)'; then
		deps cross-arm64
		need_built "$ARM64" arm64 arm64
	fi
	if printf '%s\n' $new_c $mod_c | grep -q '^arch/riscv/'; then
		deps cross-riscv
		need_built "$RISCV" riscv riscv
	fi
	if printf '%s\n' $new_c $mod_c | grep -q '^kernel/kcsan/' && [[ ! -f $KCSAN/.config ]]; then
		log "lint: $KCSAN is not configured: configuring it (kcsan.kunitconfig)"
		mkdir -p "$KCSAN"
		kunitconfig_args kcsan
		(cd "$LINUX" && python3 tools/testing/kunit/kunit.py config --arch=x86_64 \
			--build_dir="$KCSAN" "${KC_ARGS[@]}" \
			--make_options="CC=$CC_CCACHE" --make_options="HOSTCC=$CC_CCACHE") </dev/null >/dev/null
	fi
	# One make run per build dir (prefetch); the loops below then take
	# each file's output from it.
	declare -A group=()
	for c in $new_c $mod_c; do
		d=$(obj_for "$c")
		group[$d]+=" $c"
	done
	for d in "${!group[@]}"; do
		# shellcheck disable=SC2086
		prefetch "$LINUX" "$d" ${group[$d]}
	done
	for c in $new_c; do
		log "lint: sparse + W=1: $c (new: every warning counts)"
		compile_warnings "$LINUX" "$(obj_for "$c")" "$c" | sed 's/^/compile: /' >>"$findings"
	done
	if [[ -n $mod_c ]]; then
		if [[ -e $BASE_SRC/.git ]]; then
			git -C "$BASE_SRC" checkout -q -f --detach base
		else
			rm -rf "$BASE_SRC"
			git -C "$LINUX" worktree prune
			git -C "$LINUX" worktree add -q --detach "$BASE_SRC" base
		fi
	fi
	for c in $mod_c; do
		log "lint: sparse + W=1: $c (modified: only warnings not present at base count)"
		check_modified "$c" >>"$findings"
	done
	# The same files again in a kernel without KUnit: the x86 ones that
	# its config compiles. Bring that kernel up to date first (make does
	# nothing if ftracetest just built it), so that which files it
	# compiles is read off a build of this tree.
	test_re='(^|/)tests?/|_kunit'
	nk_c=
	for c in $new_c $mod_c; do
		[[ $(cfg_for "$c") == smp ]] && nk_c+=" $c"
	done
	if [[ -n $nk_c ]]; then
		log "lint: building ${NOKUNIT#$ROOT/} (ftrace-x86.config, no KUnit), if not up to date"
		bash "$HARNESS_DIR/kbuild.sh" "$NOKUNIT" "$HARNESS_DIR/ftrace-x86.config" >"$tmp/kbuild.out" 2>&1 ||
			{ tail -20 "$tmp/kbuild.out" >&2; die "lint: building ${NOKUNIT#$ROOT/} failed"; }
	fi
	recheck nokunit "$NOKUNIT" "without KUnit" "(ftrace-x86.config)" $nk_c
	# And in a 32-bit kernel: kunit-i386's (built here if that stage has
	# not run).
	if [[ -n $nk_c ]]; then
		need_built "$I386" i386 i386
		recheck i386 "$I386" "on i386" "(i386.kunitconfig)" $nk_c
	fi
else
	log "lint: no kernel .c files added or modified: nothing to compile"
fi

# ------------------------------------------------------------ handler path
# What a kprobe hit runs before its handler (get_kprobe_cached(), with the
# library's lookup inlined, its miss path and the fill) may call nothing
# that can be probed: a probe there would recurse. With
# CONFIG_TRACE_BRANCH_PROFILING, likely() and unlikely() call
# ftrace_likely_update(), which can be probed. No KUnit kernel has that
# option (every branch hint would call out), so these objects are compiled
# once more, with kunit-smp's own commands and the option defined, as such
# a kernel compiles them, and the functions must not call it: nor their
# copies that GCC splits off (fn.part.0, fn.isra.0, fn.cold, ...), nor
# the functions of the same object that they call directly. (arch/x86
# and arm64 build their handlers without it. The module address lookup
# is not checked: upstream's latch tree walk in it already calls it.)
handler_path=(
	"kernel/kprobes.o get_kprobe_cached get_kprobe_cached_miss"
	"lib/pcpu_lookup_cache.o pcpu_lookup_cache_fill"
)
log "lint: handler path: no branch profiler call (CONFIG_TRACE_BRANCH_PROFILING)"
for hp in "${handler_path[@]}"; do
	read -r o fns <<<"$hp"
	read -ra todo <<<"$fns"
	cmdf=$SMP/$(dirname "$o")/.$(basename "$o").cmd
	cmd=$(sed -n 's/^savedcmd_[^ ]* := //p' "$cmdf" 2>/dev/null || true)
	if [[ $cmd != *" -o $o "* ]]; then
		echo "handler-path: $o: no compile command in ${cmdf#$ROOT/}" >>"$findings"
		continue
	fi
	cmd=${cmd/ -o $o / -o $tmp/hp.o }
	cmd=$(printf '%s\n' "$cmd" | sed -E 's/ -Wp,-MMD,[^ ]+//')
	if ! (cd "$SMP" && eval "$cmd -DCONFIG_TRACE_BRANCH_PROFILING") >"$tmp/hp.out" 2>&1; then
		keep "handler path: $o" "$tmp/hp.out"
		echo "handler-path: $o: does not compile with CONFIG_TRACE_BRANCH_PROFILING" >>"$findings"
		continue
	fi
	# Whole output files, not pipes into grep -q (pipefail).
	objdump -dr --no-show-raw-insn "$tmp/hp.o" >"$tmp/hp.dis"
	# The functions it defines, for the callees below.
	sed -nE 's/^[0-9a-f]+ <([^>]+)>:$/\1/p' "$tmp/hp.dis" >"$tmp/hp.defs"
	# The check must see the calls it looks for, where the object is not
	# built without them.
	grep -q 'DISABLE_BRANCH_PROFILING' <<<"$cmd" ||
		grep -q 'ftrace_likely_update' "$tmp/hp.dis" ||
		echo "handler-path: $o: no branch profiler call anywhere in it: the check does not work" >>"$findings"
	declare -A seen=()
	while [[ ${#todo[@]} -gt 0 ]]; do
		fn=${todo[0]}
		todo=("${todo[@]:1}")
		[[ -z ${seen[$fn]:-} ]] || continue
		seen[$fn]=1
		# fn and its split-off copies, up to the next function.
		awk -v f="$fn" '/^[0-9a-f]+ <.*>:$/ {
				n = $2; sub(/^</, "", n); sub(/>:$/, "", n)
				on = n == f || index(n, f ".") == 1; next
			} on' "$tmp/hp.dis" >"$tmp/hp.fn"
		if [[ ! -s $tmp/hp.fn ]]; then
			# The named ones must be there; a callee found below is.
			echo "handler-path: $o: $fn: not in the object" >>"$findings"
			continue
		fi
		if grep -q 'ftrace_likely_update' "$tmp/hp.fn"; then
			echo "handler-path: $o: $fn calls ftrace_likely_update() with CONFIG_TRACE_BRANCH_PROFILING" >>"$findings"
		fi
		# Direct calls and jumps to functions of this object: to a
		# local one, no relocation and a target with no offset; to a
		# global one (get_kprobe()), a PLT32 relocation against a
		# function that the object defines.
		while read -r callee; do
			todo+=("${callee%%.*}")
		done < <({ sed -nE 's/.*\s(call|jmp)\s+[0-9a-f]+ <([^+>]+)>$/\2/p' "$tmp/hp.fn"
			sed -nE 's/.*\sR_X86_64_PLT32\s+([^+-]+)-0x4$/\1/p' "$tmp/hp.fn" |
				grep -xF -f "$tmp/hp.defs" || true; } | sort -u)
	done
	unset seen
done

# ------------------------------------------------------------ kernel-doc
log "lint: kernel-doc -none -Wall"
# Without KBUILD_VERBOSE: at 1, kernel-doc prints an Info line per comment.
for f in $(printf '%s\n' "$new_files" | grep -E '\.[ch]$' || true); do
	(cd "$LINUX" && env -u KBUILD_VERBOSE ./scripts/kernel-doc -none -Wall "$f") 2>&1 | strip_lines |
		sed -E 's/^(warning|error): /-: \1: /; s/^/kernel-doc: /' >>"$findings" || true
done

# ------------------------------------------------------------ coccinelle
# coccicheck M=<dir> runs spatch on every .c and .h under the directory
# (--dir), mostly on files that cannot give a report: every report of the
# .cocci is a call of one of its pcpu_lookup_cache_*() functions, matched
# by name in the file itself (--no-includes: spatch reads no other file
# and expands no macro), and spatch takes each file of --dir on its own.
# So only the files that contain "pcpu_lookup_cache_" are checked: the
# same coccicheck command, through a spatch wrapper that replaces its
# "--dir DIR" with those files, one file a group as --dir does
# (--file-groups).  The reports are the same, with the same file names.
# No upstream file contains the string: only files the series adds or
# changes do.
if [[ -f $LINUX/$COCCI ]]; then
	cat >"$tmp/spatch" <<-EOF
	#!/bin/bash
	# Generated by tools/harness/lint.sh: spatch with "--dir DIR" replaced
	# by "--file-groups \$COCCI_GROUPS".
	a=()
	while [[ \$# -gt 0 ]]; do
		if [[ \$1 == --dir ]]; then a+=(--file-groups "\$COCCI_GROUPS"); shift 2; continue; fi
		a+=("\$1"); shift
	done
	exec $(command -v spatch) "\${a[@]}"
	EOF
	chmod +x "$tmp/spatch"
	for d in $COCCI_DIRS; do
		# As coccicheck's spatch sees them: relative to M=<dir>.
		(cd "$LINUX/$d" && { grep -rlF --include='*.c' --include='*.h' 'pcpu_lookup_cache_' . || true; }) |
			sort | sed 's/$/\n/' >"$tmp/cocci-groups"
		files=$(grep . "$tmp/cocci-groups" | sed 's#^\./##' | paste -sd' ' || true)
		if [[ -z $files ]]; then
			log "lint: coccicheck $COCCI M=$d: no file there contains \"pcpu_lookup_cache_\": nothing to report"
			continue
		fi
		log "lint: coccicheck $COCCI M=$d: $files"
		if ! COCCI_GROUPS=$tmp/cocci-groups SPATCH=$tmp/spatch \
			make -s -C "$LINUX" coccicheck MODE=report COCCI="$LINUX/$COCCI" M="$d" J="$JOBS" \
			>"$tmp/cocci.out" 2>&1; then
			echo "coccinelle: $d: coccicheck failed: $(tail -3 "$tmp/cocci.out" | tr '\n' ' ')" >>"$findings"
		fi
		keep "coccicheck M=$d" "$tmp/cocci.out"
		grep -aE '^[^ :]+:[0-9]+:[0-9-]+: ' "$tmp/cocci.out" | strip_lines |
			sed 's/^/coccinelle: /' >>"$findings" || true
	done
else
	log "lint: NOTICE: $COCCI does not exist yet: coccicheck skipped"
fi
selftest=$ROOT/tools/testing/pcpu_lookup_cache/cocci-selftest.sh
if [[ -f $selftest ]]; then
	log "lint: cocci self-test (${selftest#$ROOT/})"
	bash "$selftest" >"$tmp/st.out" 2>&1 ||
		{ sed 's/^/    /' "$tmp/st.out"; echo "cocci-selftest: ${selftest#$ROOT/}: failed"; } >>"$findings"
	keep "cocci self-test" "$tmp/st.out"
else
	log "lint: NOTICE: ${selftest#$ROOT/} does not exist yet: self-test skipped"
fi

# ------------------------------------------------------------ verdict
# Exceptions: "<grep -E pattern> # <justification>".
: >"$tmp/patterns"
if [[ -f $EXCEPTIONS ]]; then
	n=0
	while IFS= read -r line; do
		n=$((n + 1))
		[[ $line =~ ^[[:space:]]*(#|$) ]] && continue
		[[ $line == *' # '* ]] || die "lint-exceptions.txt:$n: needs '<pattern> # <justification>'"
		pat=${line%% # *}
		[[ -n ${line#* # } ]] || die "lint-exceptions.txt:$n: empty justification"
		printf '%s\n' "$pat" >>"$tmp/patterns"
	done <"$EXCEPTIONS"
fi
report=$(grep -v '^    ' "$findings" || true)
if [[ -s $tmp/patterns ]]; then
	excepted=$(printf '%s\n' "$report" | grep -Ef "$tmp/patterns" || true)
	report=$(printf '%s\n' "$report" | grep -vEf "$tmp/patterns" || true)
	[[ -z $excepted ]] || { log "lint: excepted (see lint-exceptions.txt):"; printf '%s\n' "$excepted" | sed 's/^/  /'; }
	while IFS= read -r pat; do
		grep -qE -- "$pat" "$findings" || warn "lint-exceptions.txt: unused exception: $pat"
	done <"$tmp/patterns"
fi
report=$(printf '%s\n' "$report" | sed '/^$/d')
if [[ -n $report ]]; then
	log "lint: FAIL: $(printf '%s\n' "$report" | wc -l) finding(s) (raw tool output: ${detail#$ROOT/}):"
	printf '%s\n' "$report" | sed 's/^/  /'
	grep '^    ' "$findings" || true
	exit 1
fi
log "lint: OK (0 findings)"
