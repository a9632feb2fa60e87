#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""entry-audit.py: find what the int3 path calls that kprobes would accept.

A kprobe on a function that the breakpoint exception calls before kprobes
can detect a recursion hits its own int3 again, without end: the bug class
of the upstream fixes at the head of the series. The blacklist cannot be
checked from the source alone, because the compiler decides which static
inline functions get an out-of-line copy (GCC does not inline instrumented
code into noinstr code; Clang's inlining differs again).

So read the built vmlinux: from the root functions (exc_int3; arm64:
el1_brk64; riscv: do_trap_break), follow every direct call and jump,
conditional ones included, through every function that kprobes refuses
(the _kprobe_blacklist section; the noinstr, kprobes, entry and irqentry
text; the static call trampolines, __SCT__*, refused by name, which are
followed to the target that the image holds). Each call
from such a function to one that kprobes would accept is an edge "caller
-> callee". Every edge must match a line of the allow list (callee and
caller as extended regexes that must match whole names, and a reason); any
other edge is printed with a call path, and the exit status is 1. So it is
if the walk was cut at its depth.

A suffixed copy (foo.part.0) counts as refused if foo is, as
within_kprobe_blacklist() decides at run time.

Not seen: calls through pointers; a static call's target at run time (the
audit follows the one in the image); the replacement code of alternatives.
Addresses, not names, identify functions: a kernel has several static
copies of some names (pfn_valid(), say).

usage: entry-audit.py VMLINUX SYSTEM_MAP ALLOW_FILE DEPTH ROOT...
"""
import bisect
import os
import re
import struct
import subprocess
import sys

SECTIONS = [('__noinstr_text_start', '__noinstr_text_end'),
            ('__kprobes_text_start', '__kprobes_text_end'),
            ('__entry_text_start', '__entry_text_end'),
            ('__irqentry_text_start', '__irqentry_text_end')]


def main():
    if len(sys.argv) < 6:
        sys.exit(__doc__.strip().splitlines()[-1])
    vml, smap, allow_file, depth = sys.argv[1:5]
    depth = int(depth)
    roots = sys.argv[5:]

    # The tools and the call instructions of the image's architecture.
    with open(vml, 'rb') as f:
        machine = struct.unpack('<H', f.read(20)[18:20])[0]
    if machine == 0xb7:  # EM_AARCH64
        objdump, nm = 'aarch64-linux-gnu-objdump', 'aarch64-linux-gnu-nm'
        call_re = r'\s(?:bl|b|b\.[a-z]+|cbn?z|tbn?z)\s+(?:[^<]*,)?([0-9a-f]+) <([^>]+)>'
    elif machine in (0x3e, 0x03):  # EM_X86_64, EM_386
        objdump, nm = 'objdump', 'nm'
        call_re = r'\s(?:call|jmp|j[a-z]{1,3})\s+([0-9a-f]+) <([^>]+)>'
    elif machine == 0xf3:  # EM_RISCV
        # jal and j (and their compressed forms), the conditional branches;
        # auipc with jalr or jr (call, tail), whose target objdump prints
        # after a '#'.
        objdump, nm = 'riscv64-linux-gnu-objdump', 'riscv64-linux-gnu-nm'
        call_re = (r'\s(?:(?:jal|j|b[a-z]{2,4})\s+(?:[^<#\n]*,)?|'
                   r'(?:jalr|jr)\s[^#\n]*#\s)([0-9a-f]+) <([^>]+)>')
    else:
        sys.exit('entry-audit: %s: ELF machine %#x is not supported' %
                 (vml, machine))

    syms = {}
    for line in open(smap):
        w = line.split()
        if len(w) >= 3:
            syms.setdefault(w[2], int(w[0], 16))
    size = {}
    out = subprocess.check_output([nm, '-S', '--defined-only', vml],
                                  text=True)
    for line in out.splitlines():
        w = line.split()
        if len(w) == 4:
            size[int(w[0], 16)] = int(w[1], 16)
    # A symbol without a size (an assembly one) ends where the next begins.
    starts = sorted(set(syms.values()))
    ranges = [(syms[s], syms[e]) for s, e in SECTIONS
              if s in syms and e in syms]

    # The blacklist: an array of unsigned longs between these two symbols.
    ptr = 8 if syms['__start_kprobe_blacklist'] > 0xffffffff else 4
    out = subprocess.check_output(
        [objdump, '-s',
         '--start-address=%#x' % syms['__start_kprobe_blacklist'],
         '--stop-address=%#x' % syms['__stop_kprobe_blacklist'], vml],
        text=True)
    data = b''
    for line in out.splitlines():
        m = re.match(r'^ ([0-9a-f]{8,16}) ((?:[0-9a-f]{8} ){0,3}[0-9a-f]{1,8})',
                     line)
        if m:
            data += bytes.fromhex(m.group(2).replace(' ', ''))
    n = len(data) // ptr
    blacklist = set(struct.unpack('<%d%s' % (n, 'Q' if ptr == 8 else 'I'),
                                  data[:n * ptr]))
    if blacklist <= {0} and machine == 0xb7:
        # A relocatable arm64 image leaves the entries zero: each is filled
        # at boot from its R_AARCH64_RELATIVE relocation, whose addend is
        # the address.
        lo = syms['__start_kprobe_blacklist']
        hi = syms['__stop_kprobe_blacklist']
        out = subprocess.check_output(['aarch64-linux-gnu-readelf', '-rW',
                                       vml], text=True)
        blacklist = set()
        for line in out.splitlines():
            w = line.split()
            if len(w) == 4 and w[2] == 'R_AARCH64_RELATIVE' and \
                    lo <= int(w[0], 16) < hi:
                blacklist.add(int(w[3], 16) % (1 << 64))
    if blacklist <= {0}:
        sys.exit('entry-audit: no kprobe blacklist found in %s' % vml)

    # The self-test of entry-audit.sh: the audit must fail when these,
    # which kprobes refuses, are taken for functions that it accepts.
    pretend = set(filter(None, os.environ.get(
        'ENTRY_AUDIT_PRETEND_PROBEABLE', '').split(',')))

    def refused_at(addr, name):
        return (addr in blacklist or name.startswith('__SCT__') or
                any(s <= addr < e for s, e in ranges))

    def refused(addr, name):
        if name in pretend:
            return False
        if refused_at(addr, name):
            return True
        # As within_kprobe_blacklist(): a compiler's suffixed copy
        # (foo.part.0, foo.constprop.0) is refused if the function that
        # kallsyms finds under the name without the suffix is.
        base = name.split('.', 1)[0]
        return (base != name and base in syms and base not in pretend and
                refused_at(syms[base], base))

    calls_of = {}

    def calls(addr):
        if addr not in calls_of:
            end = addr + size.get(addr, 0)
            sized = end != addr
            if not sized:
                i = bisect.bisect_right(starts, addr)
                end = starts[i] if i < len(starts) else addr + 1
            dis = subprocess.run(
                [objdump, '-d', '--no-show-raw-insn',
                 '--start-address=%#x' % addr, '--stop-address=%#x' % end,
                 vml], capture_output=True, text=True, check=True).stdout
            found = set()
            for a, f in re.findall(call_re, dis):
                # A target inside another function (<name+0x10>): that
                # function; inside this one: a branch, not a call.
                a = int(a, 16)
                name, _, off = f.partition('+')
                a -= int(off, 16) if off else 0
                # Without a size, a jump to where the next symbol begins
                # is the assembler's jump over padding.
                if not addr <= a < end and (sized or a != end):
                    found.add((a, name))
            calls_of[addr] = sorted(found)
        return calls_of[addr]

    rules = []
    for line in open(allow_file):
        line = line.split('#', 1)
        if not line[0].strip():
            continue
        callee, caller = line[0].split()
        rules.append([re.compile(callee), re.compile(caller),
                      line[0].strip(), 0])

    edges = {}
    cut = 0
    seen = set()
    todo = []
    for r in roots:
        if r not in syms:
            sys.exit('entry-audit: no root %s in %s' % (r, smap))
        todo.append((syms[r], r, [r]))
    while todo:
        addr, name, path = todo.pop(0)
        if addr in seen:
            continue
        seen.add(addr)
        if len(path) > depth:
            cut += 1
            continue
        # A static call trampoline is followed to the target that the
        # image holds: at run time, it and the inlined call sites may
        # hold another, which the audit cannot see.
        for ca, cn in calls(addr):
            if not refused(ca, cn):
                edges.setdefault((name, cn), path + [cn])
            else:
                todo.append((ca, cn, path + [cn]))

    bad = 0
    for (caller, callee), path in sorted(edges.items()):
        for rule in rules:
            if rule[0].fullmatch(callee) and rule[1].fullmatch(caller):
                rule[3] += 1
                break
        else:
            bad += 1
            print('entry-audit: %s: kprobes accepts %s, called by %s: %s' %
                  (vml, callee, caller, ' > '.join(path)))
    print('entry-audit: %s: %d functions walked from %s, %d calls to '
          'probeable functions, %d not allowed; %d of %d rules used here' %
          (vml, len(seen), ' '.join(roots), len(edges), bad,
           sum(1 for r in rules if r[3]), len(rules)))
    if cut:
        print('entry-audit: %s: %d functions not walked: deeper than %d' %
              (vml, cut, depth))
        bad += 1
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
