#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# qemu-boot.sh BZIMAGE INITRD LOG [KERNEL_ARG]...
#
# Boot an x86_64 kernel with an initramfs (mkinitramfs.sh) in QEMU (the
# one getqemu.sh fetches, run first if build/qemu-x86/ holds none, or the
# host's with QEMU_X86=host): TCG (no KVM), -nographic, -no-reboot, the
# serial console in LOG (and on stdout).  Kernel arguments are
# 'console=ttyS0 panic=-1' plus the given ones; put '-- WORD...' last to
# hand the guest's /init a command.  Exits with QEMU's status: 0 once the
# guest powered off, 124 on timeout.
#
# Environment: QEMU_SMP (default 4), QEMU_MEM (default 512M),
# QEMU_ACCEL (default 'tcg'; e.g. 'tcg,thread=single'),
# QEMU_TIMEOUT seconds (default 600), QEMU_EXTRA (more QEMU options),
# QEMU_BIOS (a firmware file for -bios, e.g. qboot.rom, whose MP table
# lists every CPU, so that a kernel without ACPI brings them all up;
# default: QEMU's, SeaBIOS, whose MP table lists only the boot CPU).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kernel=${1:?usage: qemu-boot.sh BZIMAGE INITRD LOG [KERNEL_ARG]...}
initrd=${2:?usage: qemu-boot.sh BZIMAGE INITRD LOG [KERNEL_ARG]...}
logf=${3:?usage: qemu-boot.sh BZIMAGE INITRD LOG [KERNEL_ARG]...}
shift 3
[[ -f $kernel ]] || die "no kernel image $kernel"
[[ -f $initrd ]] || die "no initramfs $initrd"
mkdir -p "$(dirname "$logf")"

qemu_x86 qemu-system-x86_64 fetch || die "no qemu-system-x86_64 (QEMU_X86=host, and none on PATH)"
# -audiodev none: the guest has no sound. Without an audio backend named,
# QEMU probes the default ones, and the QEMU of getqemu.sh then tries the
# host QEMU's modules (ui-opengl.so, audio-alsa.so, audio-oss.so) and
# prints that it refuses them.
# shellcheck disable=SC2206
cmd=("${QX[@]}" -accel "${QEMU_ACCEL:-tcg}" -cpu max -smp "${QEMU_SMP:-4}"
     -m "${QEMU_MEM:-512M}" -nographic -no-reboot -monitor none -audiodev "none,id=noaudio"
     -kernel "$kernel" -initrd "$initrd"
     -append "console=ttyS0 panic=-1 $*" ${QEMU_BIOS:+-bios "$QEMU_BIOS"} ${QEMU_EXTRA:-})
log "qemu: ${cmd[*]}" | tee "$logf"
set +e
timeout --foreground -k 10 "${QEMU_TIMEOUT:-600}" "${cmd[@]}" </dev/null 2>&1 |
	tr -d '\r' | tee -a "$logf"
rc=${PIPESTATUS[0]}
set -e
[[ $rc -ne 124 ]] || log "qemu: TIMEOUT after ${QEMU_TIMEOUT:-600}s" | tee -a "$logf"
exit "$rc"
