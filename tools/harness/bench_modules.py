# SPDX-License-Identifier: GPL-2.0
"""The 'modules' stage of 'make bench' (used by bench-report.py): the cache
in front of the module address lookup (mod_find()/__module_address(),
kernel/module/tree_lookup.c).

Inputs, written by bench.sh:
  raw/modules-kunit.txt  the KTAP diagnostic lines of the KUnit case
      module_addr_cache.mac_test_bench, "boot=<b> " in front:
        boot=1 mac_test_bench: bytes per CPU: 4240 (64x4)
        boot=1 mac_test_bench: bench: N=200 fn=__module_address off_ps=.. on_ps=.. hot=32 loops=..
  raw/modules-stack.txt  the "MODBENCH:" lines of tools/harness/modbench-run:
        MODBENCH: set=alone run=1 modules=1 bench stack_trace_save depth=16 frames=.. loops=.. off_ns=.. on_ns=..

Every ratio is cache off / cache on, taken within one measurement (the
same boot, the same hot set, interleaved or back to back); over boots or
runs the median of those ratios is reported, with the min and max. Figures
of different boots are never divided by each other. Missing data are NOT
MEASURED."""

import math
import os
import re

import bench_common

KV = re.compile(r"(\w+)=(\S+)")
TARGET_N = 200
TARGET_FN = "__module_address"
TARGET_RATIO = 5.0
FNS = ("mod_find", "__module_address", "is_module_text_address")


def _read(path):
    if not path or not os.path.exists(path):
        return []
    with open(path, errors="replace") as f:
        return f.read().splitlines()


def parse(kunit_path, stack_path):
    """{'bytes': [...], 'lookup': [...], 'stack': [...]}, a dict per line."""
    data = {"bytes": [], "lookup": [], "stack": [], "cpus": None}
    for line in _read(kunit_path):
        boot = KV.search(line)
        boot = int(boot.group(2)) if boot and boot.group(1) == "boot" else 1
        m = re.search(r"bytes per CPU: (\d+) \((\d+)x(\d+)\)", line)
        if m:
            data["bytes"].append({"boot": boot, "bytes": int(m.group(1)),
                                  "sets": int(m.group(2)),
                                  "ways": int(m.group(3))})
            continue
        if "bench: N=" in line:
            row = {k: bench_common.num(v) for k, v in
                   KV.findall(line.split("bench: ", 1)[1])}
            if {"N", "fn", "off_ps", "on_ps"} <= set(row):
                row["boot"] = boot
                data["lookup"].append(row)
    for line in _read(stack_path):
        m = re.search(r"MODBENCH-INFO: kernel \S+, (\d+) CPUs", line)
        if m:
            data["cpus"] = int(m.group(1))
        if "MODBENCH:" not in line or "stack_trace_save" not in line:
            continue
        row = {k: bench_common.num(v) for k, v in
               KV.findall(line.split("MODBENCH:", 1)[1])}
        if {"set", "run", "off_ns", "on_ns"} <= set(row):
            data["stack"].append(row)
    return data


def _ratio(off, on):
    return off / on if on else None


def sign_test(ratios):
    """One-sided sign test of "cache on is faster": the runs with an
    off/on ratio above 1 (k of n) and the probability of at least k such
    runs if on and off were alike (each run a fair coin)."""
    n = len(ratios)
    k = sum(1 for r in ratios if r > 1.0)
    p = sum(math.comb(n, i) for i in range(k, n + 1)) / 2.0 ** n if n else None
    return {"faster_runs": k, "runs": n, "p": p}


# "measurably faster": the sign test rejects "no difference" at this level
SIGN_P = 0.05


def summarize(data):
    """results.json's "modules" section, or None without any data."""
    if not data["lookup"] and not data["stack"] and not data["bytes"]:
        return None
    out = {"bytes_per_cpu": None, "geometry": None, "hot": None,
           "loops": None, "boots": len({r["boot"] for r in data["lookup"]}),
           "stack_cpus": data["cpus"],
           "lookup": [], "stack_trace": {}}
    if data["bytes"]:
        b = data["bytes"][0]
        out["bytes_per_cpu"] = b["bytes"]
        out["geometry"] = "%dx%d" % (b["sets"], b["ways"])
    if data["lookup"]:
        out["hot"] = data["lookup"][0].get("hot")
        out["loops"] = data["lookup"][0].get("loops")
    groups = {}
    for r in data["lookup"]:
        groups.setdefault((r["N"], r["fn"]), []).append(r)
    order = {fn: i for i, fn in enumerate(FNS)}
    for (n, fn), rows in sorted(groups.items(),
                                key=lambda kv: (kv[0][0],
                                                order.get(kv[0][1], 9))):
        rows = sorted(rows, key=lambda r: r["boot"])
        per_boot = [{"boot": r["boot"], "off_ns": r["off_ps"] / 1000.0,
                     "on_ns": r["on_ps"] / 1000.0,
                     "ratio": _ratio(r["off_ps"], r["on_ps"])}
                    for r in rows]
        out["lookup"].append({
            "n": n, "fn": fn, "per_boot": per_boot,
            "off_ns": bench_common.spread([p["off_ns"] for p in per_boot]),
            "on_ns": bench_common.spread([p["on_ns"] for p in per_boot]),
            "ratio": bench_common.spread([p["ratio"] for p in per_boot
                                          if p["ratio"] is not None])})
    sets = {}
    for r in data["stack"]:
        sets.setdefault(r["set"], []).append(r)
    for name, rows in sets.items():
        rows = sorted(rows, key=lambda r: r["run"])
        runs = [{"run": r["run"], "modules": r.get("modules"),
                 "frames": r.get("frames"), "depth": r.get("depth"),
                 "loops": r.get("loops"), "off_ns": r["off_ns"],
                 "on_ns": r["on_ns"],
                 "ratio": _ratio(r["off_ns"], r["on_ns"])} for r in rows]
        ratios = [x["ratio"] for x in runs if x["ratio"] is not None]
        out["stack_trace"][name] = {
            "runs": runs,
            "modules": runs[0]["modules"], "frames": runs[0]["frames"],
            "loops": runs[0]["loops"],
            "off_ns": bench_common.spread([x["off_ns"] for x in runs]),
            "on_ns": bench_common.spread([x["on_ns"] for x in runs]),
            "ratio": bench_common.spread(ratios),
            "sign_test": sign_test(ratios)}
    return out


def f(x, nd=1):
    return "-" if x is None else ("%%.%df" % nd) % x


def _find(mb, n, fn):
    return next((r for r in mb["lookup"] if r["n"] == n and r["fn"] == fn),
                None)


SET_TEXT = {"alone": "the test module alone",
            "others": "with 7 other test modules loaded"}


def targets(mb):
    """(status, text) lines of the module address cache targets."""
    lines = []
    r = _find(mb, TARGET_N, TARGET_FN) if mb else None
    if not r or not r["ratio"]:
        lines.append(("NOT MEASURED", "module address lookup: cached "
                      "%s() >= %gx faster than the tree walk at N=%d: no "
                      "data from the modules stage" %
                      (TARGET_FN, TARGET_RATIO, TARGET_N)))
    else:
        q = r["ratio"]
        lines.append((
            "PASS" if q["median"] >= TARGET_RATIO else "FAIL",
            "module address lookup: cached %s() >= %gx faster than the "
            "tree walk at N=%d (hot set of %s text addresses, same boot): "
            "%sx (off %s ns / on %s ns; %s)" %
            (TARGET_FN, TARGET_RATIO, TARGET_N, mb["hot"], f(q["median"], 2),
             f(r["off_ns"]["median"]), f(r["on_ns"]["median"]),
             "one boot" if q["n"] == 1 else
             "median of %d boots, %s..%s" % (q["n"], f(q["min"], 2),
                                              f(q["max"], 2)))))
    st = mb["stack_trace"] if mb else {}
    if not st:
        lines.append(("NOT MEASURED", "stack_trace_save() from a 16-deep "
                      "chain in a module measurably faster with the cache "
                      "on: no data from the modules stage"))
    for name in sorted(st):
        s = st[name]
        q = s["ratio"]
        t = s["sign_test"]
        lines.append((
            "PASS" if t["p"] is not None and t["p"] < SIGN_P else "FAIL",
            "stack_trace_save() from a %s-deep chain in a module (%s; "
            "/proc/modules lists %s) measurably faster with the cache on "
            "(criterion: one-sided sign test over the runs, p < %g; off and "
            "on interleaved within each run): faster in %d of %d runs, "
            "p = %s; off/on %sx median (runs %s..%s), %s ns off, %s ns on" %
            (s["runs"][0]["depth"], SET_TEXT.get(name, name), s["modules"],
             SIGN_P, t["faster_runs"], t["runs"], f(t["p"], 4),
             f(q["median"], 3), f(q["min"], 3), f(q["max"], 3),
             f(s["off_ns"]["median"], 0), f(s["on_ns"]["median"], 0))))
    return lines


def headline(mb):
    md = []
    if not mb:
        md.append("- Module address lookup cache: NOT MEASURED (no figures "
                  "from the modules stage; see the make bench output).")
        return md
    r = _find(mb, TARGET_N, TARGET_FN)
    parts = []
    if r and r["ratio"]:
        q = r["ratio"]
        parts.append("`%s()` at N=%d synthetic modules, tree walk / cached "
                     "%sx (%s ns off, %s ns on; target >= %gx: %s)" %
                     (TARGET_FN, TARGET_N, f(q["median"], 2),
                      f(r["off_ns"]["median"]), f(r["on_ns"]["median"]),
                      TARGET_RATIO,
                      "PASS" if q["median"] >= TARGET_RATIO else "FAIL"))
    for name in ("alone", "others"):
        s = mb["stack_trace"].get(name)
        if s and s["ratio"]:
            parts.append("`stack_trace_save()` from a %s-deep chain in a "
                         "module (%s; /proc/modules lists %s) off/on %sx (%s "
                         "ns off, %s ns on; faster in %d of %d runs)" % (s["runs"][0]["depth"],
                                  SET_TEXT.get(name, name), s["modules"],
                                  f(s["ratio"]["median"], 3),
                                  f(s["off_ns"]["median"], 0),
                                  f(s["on_ns"]["median"], 0),
                                  s["sign_test"]["faster_runs"],
                                  s["sign_test"]["runs"]))
    if mb.get("bytes_per_cpu"):
        parts.append("%s bytes per CPU (%s)" % (mb["bytes_per_cpu"],
                                                mb["geometry"]))
    md.append("- Module address lookup cache (x86_64 QEMU TCG, -smp 4, "
              "non-debug; off/on ratios within one boot): %s." %
              ("; ".join(parts) if parts else "NOT MEASURED"))
    return md


def section(mb, cfg):
    """The report.md section."""
    md = ["## Module address lookup cache (x86_64 QEMU TCG)\n"]
    if not mb:
        md.append("NOT MEASURED: the modules stage of make bench failed or "
                  "printed no figures (see the make bench output and "
                  "`build/bench/raw/modules-*`).\n")
        return md
    md.append("The per-CPU cache in front of `mod_find()` "
              "(kernel/module/tree_lookup.c), %s (%s bytes per CPU: "
              "`pcpu_lookup_cache_cpu_bytes()`, the default geometry, as "
              "the KUnit case prints it). Kernel: the non-debug bench "
              "kernel of the kprobes stage (tools/harness/"
              "bench-x86.kunitconfig, build/bench-x86; no KASAN, KCSAN, "
              "lockdep, DEBUG_PREEMPT) with CONFIG_MODULES, "
              "CONFIG_MODULE_ADDR_CACHE_KUNIT_TEST and the test modules; "
              "QEMU TCG (no KVM), `-smp 4`, on a host of %s CPUs that "
              "other jobs may share. TCG timings: only the off/on ratios "
              "within one boot mean much. TCG emulates no cache hierarchy "
              "of the guest: every guest load costs the translated code's "
              "softmmu lookup, and only what the host's own caches make of "
              "it, so the cache misses of the tree walk on real hardware "
              "(what the cache is meant to save) are not reproduced one "
              "for one.\n" %
              (mb["geometry"], mb["bytes_per_cpu"], os.cpu_count()))
    if cfg:
        md.append("Kernel config: " + ", ".join("%s=%s" % kv
                                                 for kv in cfg.items()) +
                  "\n")
    md.append("### Lookup cost, synthetic modules\n")
    md.append("KUnit case `module_addr_cache.mac_test_bench` "
              "(`addr_cache_kunit.bench=1`, kunit.py exec, %s boot%s): "
              "N = 50, then 200, then 500 fake modules in the real module "
              "tree (each a text, a rodata and a data region: 3 tree nodes; "
              "inserted in a shuffled address order, as modules load), a "
              "hot set of %s random text addresses in random modules of "
              "the N, looked up %s times each on one CPU with preemption "
              "off, through `mod_find()`, `__module_address()` and "
              "`is_module_text_address()`. For each N and function: the "
              "cache off (the tree walk: `static_branch_disable()`), one "
              "untimed pass, one timed; then on, one untimed pass (fills "
              "the cache), one timed. ns per lookup; off/on within the "
              "same boot and hot set.\n" %
              (mb["boots"], "" if mb["boots"] == 1 else "s, one figure each",
               mb["hot"], mb["loops"]))
    md.append("| N | function | ns off (median) | ns on (median) | off/on "
              "median | min | max | boots |")
    md.append("|---|---|---|---|---|---|---|---|")
    for r in mb["lookup"]:
        q = r["ratio"] or {}
        md.append("| %d | `%s()` | %s | %s | %s | %s | %s | %s |" %
                  (r["n"], r["fn"], f(r["off_ns"]["median"]),
                   f(r["on_ns"]["median"]), f(q.get("median"), 2),
                   f(q.get("min"), 2), f(q.get("max"), 2), q.get("n", 0)))
    md.append("")
    if mb["boots"] > 1:
        md.append("Per boot (ns off / ns on):\n")
        md.append("| N | function | " + " | ".join(
            "boot %d" % b for b in range(1, mb["boots"] + 1)) + " |")
        md.append("|---|---|" + "---|" * mb["boots"])
        for r in mb["lookup"]:
            by = {p["boot"]: p for p in r["per_boot"]}
            md.append("| %d | `%s()` | %s |" % (r["n"], r["fn"], " | ".join(
                "%s / %s" % (f(by[b]["off_ns"]), f(by[b]["on_ns"]))
                if b in by else "-" for b in range(1, mb["boots"] + 1))))
        md.append("")
    md.append("### stack_trace_save() end to end\n")
    loops = [x["loops"] for s in mb["stack_trace"].values()
             for x in s["runs"] if isinstance(x["loops"], int)]
    stack_loops = loops[0] // 4 if loops else "?"
    md.append("One boot of the same kernel with an initramfs "
              "(tools/harness/mkinitramfs.sh: busybox-static, kmod's insmod "
              "and rmmod, the modules installed stripped) and "
              "tools/harness/modbench-run; kernel arguments `kunit.enable=0`"
              " (no KUnit suite runs), %s vCPUs, QEMU `-cpu max`. Each run is `insmod "
              "mod_addr_cache_test_0.ko bench=%s` and an rmmod: the "
              "module's init calls `stack_trace_save()` from the bottom of "
              "a 16-deep chain of calls of its own (a noinline function that calls itself, not a tail call) (ORC unwinder; "
              "each module frame is looked up with `__module_address()` "
              "for its ORC table and with `is_module_text_address()`), "
              "16 untimed calls then %s timed ones per half-round, cache "
              "off then on, 4 rounds interleaved, in process context on "
              "whichever CPU runs insmod; ns per call = the total over "
              "the 4 rounds / (4 x %s). Two sets of runs: the test module "
              "alone, and with mod_addr_cache_test_1..7 loaded as well "
              "(\"modules\" counts /proc/modules during the run). Every "
              "ratio is within one run.\n" %
              (mb.get("stack_cpus") or "?", stack_loops, stack_loops,
               stack_loops))
    md.append("| set | run | modules | frames | calls per state | ns off | "
              "ns on | off/on |")
    md.append("|---|---|---|---|---|---|---|---|")
    for name in sorted(mb["stack_trace"]):
        s = mb["stack_trace"][name]
        for x in s["runs"]:
            md.append("| %s | %s | %s | %s | %s | %s | %s | %s |" %
                      (name, x["run"], x["modules"], x["frames"],
                       x["loops"], x["off_ns"], x["on_ns"],
                       f(x["ratio"], 3)))
        q = s["ratio"]
        md.append("| %s | median | %s | %s | | %s | %s | %s (%s..%s) |" %
                  (name, s["modules"], s["frames"],
                   f(s["off_ns"]["median"], 0), f(s["on_ns"]["median"], 0),
                   f(q["median"], 3), f(q["min"], 3), f(q["max"], 3)))
    md.append("")
    for name in sorted(mb["stack_trace"]):
        t = mb["stack_trace"][name]["sign_test"]
        md.append("- %s: cache on faster in %d of %d runs; one-sided sign "
                  "test p = %s (\"measurably faster\" in the targets: p < "
                  "%g)." % (name, t["faster_runs"], t["runs"], f(t["p"], 4),
                            SIGN_P))
    md.append("")
    return md
