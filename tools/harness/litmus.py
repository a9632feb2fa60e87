#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check litmus tests against the Linux-kernel memory model, with mutants.

usage: litmus.py HERD7 MODEL_DIR TEST.litmus...

HERD7 is the herd7 command (a path, or a wrapper script), MODEL_DIR the
kernel's tools/memory-model, where herd7 runs with linux-kernel.cfg.  Each
test states its outcome in its header comment ("Result: Never", as in
Documentation/litmus-tests/ and tools/memory-model/litmus-tests/); herd7
must report that outcome.

A test that says Never also has to fail without each of its barriers, or
the test would prove nothing about them: for every line that is one
barrier (smp_mb(), smp_rmb(), smp_wmb(), smp_mb__before_atomic(),
smp_mb__after_atomic(), synchronize_rcu()), a mutant with barrier() in
its place, and for every rcu_assign_pointer(), one with a plain
WRITE_ONCE(), must be allowed the outcome (herd7: Sometimes or Always).
barrier(), a compiler barrier, orders no marked access in the model, and
keeps the line a statement (the body of an if, say).  A barrier whose
removal leaves the outcome forbidden is reported as not needed, and the
check fails: the test, or the code it models, has a barrier that it does
not account for.  Only those lines are mutated: barriers within a line of
other code, acquire and release, fully ordered RMWs and locks are not;
and no mutant can show that a model orders more than the code it
describes, which stays a matter of review.

Prints one line per herd7 run, "ok ..." or "FAIL ...", then a last line
"N passed, N failed" (each run one case), from which litmus.sh writes the
counts of make check's totals.  Exits 1 if any run failed.
"""
import os
import re
import subprocess
import sys
import tempfile

BARRIER = re.compile(r'^\s*(smp_mb|smp_rmb|smp_wmb|smp_mb__before_atomic|'
                     r'smp_mb__after_atomic|synchronize_rcu)\(\);\s*$')
RESULT = re.compile(r'^\s*\*\s*Result:\s*(Never|Sometimes|Always)\b', re.M)
OBSERVATION = re.compile(r'^Observation\s+\S+\s+(Never|Sometimes|Always)\b',
                         re.M)


def herd(herd7, model, path):
    """The outcome that herd7 reports for the litmus test at path."""
    try:
        p = subprocess.run(herd7 + ['-conf', 'linux-kernel.cfg', path],
                           cwd=model, capture_output=True, text=True,
                           timeout=600)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, str(e)
    m = OBSERVATION.search(p.stdout)
    if p.returncode != 0 or not m:
        return None, (p.stdout + p.stderr).strip()
    return m.group(1), ''


def mutants(lines):
    """(description, lines) for each barrier taken out or weakened."""
    # The code: what follows the header comment, which names barriers too.
    start = next((k + 1 for k, line in enumerate(lines)
                  if line.strip() == '*)'), 0)
    for i in range(start, len(lines)):
        if BARRIER.match(lines[i]):
            desc = 'without line %d (%s)' % (i + 1, lines[i].strip())
            indent = lines[i][:len(lines[i]) - len(lines[i].lstrip())]
            yield desc, lines[:i] + [indent + 'barrier();'] + lines[i + 1:]
        elif 'rcu_assign_pointer(' in lines[i]:
            desc = 'with line %d a plain WRITE_ONCE()' % (i + 1)
            yield desc, (lines[:i] +
                         [lines[i].replace('rcu_assign_pointer(',
                                           'WRITE_ONCE(')] +
                         lines[i + 1:])


def main(argv):
    if len(argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    herd7, model, tests = [argv[1]], argv[2], argv[3:]
    passed = failed = 0

    def report(ok, name, text):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
        print('%s %s: %s' % ('ok' if ok else 'FAIL', name, text))

    with tempfile.TemporaryDirectory() as tmp:
        for path in tests:
            name = os.path.basename(path)
            with open(path) as f:
                text = f.read()
            m = RESULT.search(text)
            if not m:
                report(False, name, 'no "Result:" line in its header comment')
                continue
            want = m.group(1)
            got, err = herd(herd7, model, os.path.abspath(path))
            if got is None:
                report(False, name, 'herd7 failed: %s' % err)
                continue
            report(got == want, name,
                   '%s, as the test states' % got if got == want else
                   '%s, but the test states %s' % (got, want))
            # Mutants of a test that fails already would prove nothing.
            if got != want or want != 'Never':
                continue
            lines = text.split('\n')
            n = 0
            for desc, mutant in mutants(lines):
                n += 1
                mpath = os.path.join(tmp, '%d-%s' % (n, name))
                with open(mpath, 'w') as f:
                    f.write('\n'.join(mutant))
                got, err = herd(herd7, model, mpath)
                if got is None:
                    report(False, '%s %s' % (name, desc),
                           'herd7 failed: %s' % err)
                elif got == 'Never':
                    report(False, '%s %s' % (name, desc),
                           'still Never: the test does not need it')
                else:
                    report(True, '%s %s' % (name, desc),
                           '%s: needed' % got)
            if not n:
                report(False, name, 'says Never but has no barrier to take out')

    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
