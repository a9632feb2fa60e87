# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
# Common helpers for the workspace harness; sourced by the other scripts.

HARNESS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HARNESS_DIR/../.." && pwd)
BUILD=$ROOT/build
LINUX=$BUILD/linux
PATCHES=$ROOT/patches
JOBS=${JOBS:-$(nproc)}
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-10G}
# No __pycache__ litter from kunit.py in build/linux.
export PYTHONDONTWRITEBYTECODE=1

log()  { printf '%s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die()  { printf 'error: %s\n' "$*" >&2; exit 1; }

# Install/verify host tools for the named groups (see deps.sh).
deps() { bash "$HARNESS_DIR/deps.sh" "$@"; }

# kunitconfig_args CFG [FILE]: set KC_ARGS to kunit.py's --kunitconfig
# arguments for a KUnit kernel: FILE (default: CFG.kunitconfig), and, for
# the QEMU kernels of make check, small.kunitconfig (what no test uses).
# A global, not output: a failure here must stop the caller (set -e).
kunitconfig_args() {
	local f=${2:-$HARNESS_DIR/$1.kunitconfig}
	[[ -f $f ]] || die "kunitconfig $f does not exist"
	KC_ARGS=(--kunitconfig="$(realpath "$f")")
	case $1 in
	smp|kcsan|i386|arm64|riscv|kmsan)
		KC_ARGS+=(--kunitconfig="$HARNESS_DIR/small.kunitconfig") ;;
	esac
}

# Fail unless build/linux has been produced by mktree.sh.
need_tree() {
	git -C "$LINUX" rev-parse -q --verify refs/tags/base >/dev/null 2>&1 ||
		die "build/linux does not exist yet: run 'make tree' first"
}

# ccache: paths under the repo are hashed relative to it, so a clone in
# another directory (e.g. CI) reuses the cache.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$ROOT}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
# ccache's depend mode: on a miss, ccache hashes the headers that the
# compiler's own dependency file lists (Kbuild passes -Wp,-MMD) instead of
# running the preprocessor first. A build with an empty cache then costs
# what one without ccache costs: on this project's 2-core machine, UML's
# kernel/ and mm/ (171 objects) took 84 s in depend mode, 106 and 117 s
# without it, and 87 s with no ccache. A hit is looked up as in direct
# mode, so a cache filled without depend mode still serves. -MMD lists no
# system header: not the compiler's own, which change with the compiler,
# which ccache hashes, nor, for host programs and UML's host-side objects,
# those of /usr/include. So, as with Kbuild's own rebuild rules, which
# read the same list, an upgrade of a host -dev package does not reach a
# cached object: run 'ccache -C' after one. CCACHE_NODEPEND=1 turns depend
# mode off (CCACHE_DEPEND=0 is an error to ccache).
[[ -n ${CCACHE_NODEPEND:-} ]] || export CCACHE_DEPEND=${CCACHE_DEPEND:-1}
CC_CCACHE="ccache gcc"

# apt_unpack APTDIR DEST PKG...: download the packages PKG... (NAME or
# NAME=VERSION) through the private apt configuration that private_apt set
# up in APTDIR (PAPT) into DEST/deb, and unpack each into DEST/x with
# 'dpkg-deb -x'; nothing is installed, and DEST/deb is removed. Returns 1,
# with apt-get's log or dpkg-deb's message on stderr, if a step fails.
apt_unpack() {
	local aptdir=$1 dest=$2 deb
	shift 2
	rm -rf "$dest/deb"
	mkdir -p "$dest/deb"
	(cd "$dest/deb" && apt-get "${PAPT[@]}" download "$@") >"$aptdir/download.log" 2>&1 || {
		sed 's/^/  /' "$aptdir/download.log" >&2
		warn "apt-get download $* failed (log above)"
		return 1
	}
	for deb in "$dest"/deb/*.deb; do
		dpkg-deb -x "$deb" "$dest/x" || { warn "dpkg-deb -x $deb failed"; return 1; }
	done
	rm -rf "$dest/deb"
}

# Write build/results/$1.counts from a kunit.py stdout log ($2) and a status
# ($3: ok|fail).  Format: shell-style KEY=VALUE lines.
write_counts() {
	local name=$1 logf=$2 status=$3 line p=0 f=0 c=0 s=0 e=0 summary=0
	line=$(grep -aoE 'Ran [0-9]+ tests:.*' "$logf" 2>/dev/null | tail -1 || true)
	if [[ -n $line ]]; then
		summary=1
		[[ $line =~ passed:\ ([0-9]+) ]] && p=${BASH_REMATCH[1]}
		[[ $line =~ failed:\ ([0-9]+) ]] && f=${BASH_REMATCH[1]}
		[[ $line =~ crashed:\ ([0-9]+) ]] && c=${BASH_REMATCH[1]}
		[[ $line =~ skipped:\ ([0-9]+) ]] && s=${BASH_REMATCH[1]}
		[[ $line =~ errors:\ ([0-9]+) ]] && e=${BASH_REMATCH[1]}
	fi
	put_counts "$name" "$status" "$p" "$f" "$c" "$s" "$e" "$summary"
}

# put_counts NAME STATUS PASSED FAILED CRASHED SKIPPED ERRORS SUMMARY:
# write build/results/NAME.counts, the file check.sh totals (SUMMARY: 1 if
# the stage got as far as counting its cases, 0 if it failed before).
put_counts() {
	mkdir -p "$BUILD/results"
	printf 'status=%s\npassed=%d\nfailed=%d\ncrashed=%d\nskipped=%d\nerrors=%d\nsummary=%d\n' \
		"$2" "$3" "$4" "$5" "$6" "$7" "$8" >"$BUILD/results/$1.counts"
}

# poke_int3_oops LOG: whether every oops in the kernel log LOG is an int3
# oops ("Oops: int3:") after which, as the "Code:" line that follows the
# oops's RIP shows, RIP - 1 held a NOP that a text poke leaves
# (smp_text_poke_*(): a disabled ftrace site, "0f 1f 44 00 00", or a
# static key's 2-byte NOP, "66 90"), and no longer an int3. A CPU then
# trapped on the temporary int3 of a poke after the poke had finished,
# so that no int3 handler claimed the trap. Base 7.3.4 without the
# series does it under Debian 12's QEMU 7.2 TCG as well (4 of 26 boots of
# the bench-x86 kernel, tools/harness/bench.sh), and it did it once in
# ftracetest: kmem_cache_free+0x1, the NOP5 of an ftrace site back in
# place while fprobe events were patched. A probe that the kprobes
# handler fails to find leaves its int3 (cc) in place, and kprobes are not
# put on ftrace or static key sites: those oopses do not match, and
# neither does any other oops in the same log, nor a log in which any
# Code: line shows cc at RIP - 1 (another CPU's oops that printed no RIP
# of its own could be that). A Code: line with no <..> marker was cut
# short by another CPU's printk, which the kernel follows with the whole
# line again: it is skipped, and an oops with no whole Code: line fails.
poke_int3_oops() {
	awk '
	     function bad() { ok = 0; exit }
	     { sub(/\r$/, "") }
	     / Code: .* cc <[0-9a-f][0-9a-f]>/ || /^Code: .* cc <[0-9a-f][0-9a-f]>/ {
		bad()
	     }
	     /Oops: / {
		if ($0 !~ /Oops: int3:/)
			bad()
		n++; want_rip = 1; want_code = 0; next
	     }
	     want_rip && /RIP: / { want_rip = 0; want_code = 1; next }
	     want_code && /Code: / {
		for (i = 1; i < NF; i++)
			if ($(i + 1) ~ /^<[0-9a-f][0-9a-f]>$/)
				break
		# cut short by a message of another CPU: the kernel prints it
		# again ("** replaying previous printk message **")
		if (i >= NF)
			next
		want_code = 0
		b = $i " " substr($(i + 1), 2, 2)
		for (j = 2; j <= 4 && i + j <= NF; j++)
			b = b " " $(i + j)
		if (b !~ /^66 90( |$)/ && b != "0f 1f 44 00 00")
			bad()
		good++
	     }
	     END { exit !(ok != "0" && n > 0 && good == n) }' "$1"
}

# oops_rip LOG: where the first oops in the kernel log LOG happened, from
# the first "RIP:" line after it ("sched_clock_cpu+0x9/0x190"), or "?".
oops_rip() {
	awk '/Oops: / { o = 1 } o && match($0, /RIP: [0-9a-f]*:[^ ]*/) {
		r = substr($0, RSTART, RLENGTH); sub(/^RIP: [0-9a-f]*:/, "", r)
		print r; found = 1; exit }
	     END { if (!found) print "?" }' "$1"
}

# lock NAME [-s]: hold build/.lock-NAME until this script exits (exclusive,
# or shared with -s), so that concurrent make invocations do not rewrite
# build/linux or a build directory under each other.
lock() {
	local f=$BUILD/.lock-$1 fd mode=${2:--x}
	mkdir -p "$BUILD"
	exec {fd}>>"$f"
	if ! flock -n "$mode" "$fd"; then
		log "waiting for another harness run that uses ${f#$ROOT/} ..."
		flock "$mode" "$fd"
	fi
}

# kunit.py runs QEMU with "-accel kvm -accel hvf -accel tcg", and QEMU takes
# the first that initialises. On hosts where /dev/kvm exists but KVM cannot
# run the guest (this project's build machines: the guest dies at early
# boot with "KVM internal error"), that is fatal. With KUNIT_QEMU_ACCEL=tcg
# (the default) a wrapper first on PATH drops the other accelerators;
# KUNIT_QEMU_ACCEL=auto keeps kunit.py's choice. KUNIT_QEMU_TCG, read when
# QEMU runs, replaces the TCG accelerator's argument: for example
# KUNIT_QEMU_TCG=tcg,thread=single (one host thread runs every vCPU).
# Every -accel on the command line is dropped, also one in --qemu_args.
# qemu_tcg_path x86 also fetches the QEMU for x86 guests (getqemu.sh); the
# wrappers of qemu-system-x86_64 and qemu-system-i386 run what qemu_x86
# picks.
qemu_tcg_path() {
	[[ ${1:-} != x86 ]] || bash "$HARNESS_DIR/getqemu.sh" || exit 1
	[[ ${KUNIT_QEMU_ACCEL:-tcg} == tcg ]] || return 0
	local d=$BUILD/qemu-tcg q real pre QX
	mkdir -p "$d"
	for q in qemu-system-x86_64 qemu-system-i386 qemu-system-aarch64 qemu-system-riscv64; do
		pre=
		if [[ $q == qemu-system-x86_64 || $q == qemu-system-i386 ]]; then
			qemu_x86 "$q" || continue
			real=${QX[0]} pre=${QX[*]:1}
		else
			real=$(host_qemu "$q") || continue
		fi
		cat >"$d/$q.new" <<-EOF
		#!/bin/sh
		# Generated by tools/harness/lib.sh: run $q with TCG only.
		n=\$#; i=0; skip=0
		for a in "\$@"; do
			i=\$((i + 1))
			if [ \$skip = 1 ]; then
				skip=0
				[ "\$a" = tcg ] && set -- "\$@" -accel "\${KUNIT_QEMU_TCG:-tcg}"
			elif [ "\$a" = -accel ]; then
				skip=1
			else
				set -- "\$@" "\$a"
			fi
		done
		shift \$n
		echo "$real $pre \$*" >"$d/$q.last" 2>/dev/null || :
		exec $real $pre "\$@"
		EOF
		chmod +x "$d/$q.new"
		mv "$d/$q.new" "$d/$q"
	done
	case ":$PATH:" in *":$d:"*) ;; *) export PATH=$d:$PATH ;; esac
}

# host_qemu NAME: print the path of the host's NAME, found on PATH without
# the TCG wrappers' directory; return 1 if there is none.
host_qemu() {
	PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "$BUILD/qemu-tcg" | paste -sd:) \
		command -v "$1"
}

# qemu_x86 NAME [fetch]: set QX to the command that runs NAME
# (qemu-system-x86_64 or qemu-system-i386) without the TCG wrapper. Unless
# QEMU_X86=host, that is the QEMU that getqemu.sh put in build/qemu-x86/,
# with -L for its firmware; with 'fetch', getqemu.sh first fetches it if it
# is not there (the stages run getqemu.sh once themselves, which also
# replaces an outdated one). Otherwise it is the host's. Returns 1 if
# there is none.
qemu_x86() {
	local q=$BUILD/qemu-x86 p
	if [[ ${QEMU_X86:-fetch} != host ]]; then
		[[ ${2:-} != fetch || -f $q/version ]] || bash "$HARNESS_DIR/getqemu.sh" || exit 1
		if [[ -f $q/version ]]; then
			QX=("$q/x/usr/bin/$1" -L "$q/x/usr/share/qemu")
			return 0
		fi
	fi
	p=$(host_qemu "$1") || return 1
	QX=("$p")
}

# private_apt DIR SUITE TYPE: set PAPT, the apt-get/apt-cache options of a
# private apt configuration in DIR (sources list, state, cache) with one
# line "TYPE <mirror> SUITE main" (TYPE: deb or deb-src), and refresh its
# index once a day. It leaves the host's apt configuration alone: the
# mirror is the Debian archive the host is configured with (read from
# 'apt-get indextargets'), so no host name is written into the repository.
# Returns 1 with a message on stderr if there is no mirror or the update
# fails.
private_apt() {
	local dir=$1 suite=$2 type=$3 mirror keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	command -v apt-get >/dev/null ||
		{ warn "apt-get is not installed"; return 1; }
	[[ -f $keyring ]] ||
		{ warn "$keyring is missing (package debian-archive-keyring)"; return 1; }
	# The host's own archive mirror (not the security archive): the
	# Repo-URI of a 'deb' target whose release is not a -security one.
	mirror=$(apt-get indextargets --format '$(TARGET_OF) $(REPO_URI) $(RELEASE) $(LABEL)' 2>/dev/null |
		awk '$1 == "deb" && $3 !~ /-security$/ && $4 != "Debian-Security" && $2 ~ /\/debian\/?$/ { print $2; exit }')
	[[ -n $mirror ]] || {
		warn "cannot find a Debian archive mirror in the host's apt sources (apt-get indextargets lists no 'deb' source ending in /debian)"
		return 1
	}
	PAPT=(-o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
	      -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache"
	      -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
	      -o Dir::State::status=/var/lib/dpkg/status -o APT::Sandbox::User=root
	      -o Acquire::Languages=none -q)
	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
	printf '%s [signed-by=%s] %s %s main\n' "$type" "$keyring" "$mirror" "$suite" >"$dir/sources.list.new"
	if ! cmp -s "$dir/sources.list.new" "$dir/sources.list" ||
	   [[ -z $(find "$dir/updated" -mmin -1440 2>/dev/null) ]]; then
		mv "$dir/sources.list.new" "$dir/sources.list"
		log "apt: update of a private index of $suite ($type) in ${dir#$ROOT/}/"
		apt-get "${PAPT[@]}" update >"$dir/update.log" 2>&1 || {
			sed 's/^/  /' "$dir/update.log" >&2
			warn "apt-get update of suite $suite ($type) failed (log above)"
			return 1
		}
		touch "$dir/updated"
	fi
	rm -f "$dir/sources.list.new"
}
