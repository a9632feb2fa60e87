#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the raw benchmark data of 'make bench' into results.json, report.md
and PNG plots. Every number printed comes from the input files; targets that
no stage measures are reported as NOT MEASURED, never guessed."""

import argparse
import json
import os
import platform
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_kprobes  # noqa: E402  (the kprobes stage)
import bench_modules  # noqa: E402  (the modules stage)
import bench_common  # noqa: E402
import bench_tables  # noqa: E402  (the uml-tables stage)


def cg_index(cg):
    idx = {}
    for r in cg["results"]:
        idx[(r["variant"], r["table_buckets"], r["n"], r["hot"], r["dist"])] = r
    return idx


def fmt(x, nd=1):
    return ("%%.%df" % nd) % x


def target_lines(cg, tables=None):
    """(status, text) per target of the benchmark issue, but kprobes."""
    lines = []
    if not cg:
        lines += [("NOT MEASURED", text + ": no cachegrind stage in this "
                   "run") for text in (
            "at most 1 D1 miss per cached hit (cachegrind)",
            "library hit within 1.5x of the minimal keyed lookup "
            "(cachegrind, net Ir per lookup)")]
    idx = cg_index(cg) if cg else {}
    d1 = [(rec["per_lookup"]["D1mr"], v, b, n, h, d)
          for (v, b, n, h, d), rec in idx.items()
          if v.startswith("c") and rec.get("hit_ratio") == 1.0]
    if d1:
        worst = max(d1)
        lines.append(("PASS" if worst[0] <= 1.0 else "FAIL",
                      "at most 1 D1 miss per cached hit (cachegrind, "
                      "scenarios with a 100%% hit ratio): worst %s "
                      "(%s, %d buckets, N=%d, H=%d, %s)" %
                      ((fmt(worst[0], 3),) + worst[1:])))
    # The same hit target as the UML tables', in instructions: net Ir per
    # lookup of the cache over the minimal keyed lookup's, where both hit
    # every lookup (a direct-mapped table may conflict where the cache
    # does not).
    for geom in ("c64x4", "c512x4"):
        rows = [r for r in (cg or {}).get("mkl", [])
                if r["variant"] == geom and r["mkl_hit_ratio"] == 1.0]
        if not rows:
            continue
        w = max(rows, key=lambda r: r["x_mkl"])
        lines.append(("PASS" if w["x_mkl"] <= 1.5 else "FAIL",
                      "library hit within 1.5x of the minimal keyed lookup "
                      "(cachegrind, net Ir per lookup, %s against %s, "
                      "%d scenarios where both hit 100%%): worst %sx "
                      "(%s against %s Ir; %d buckets, N=%d, H=%d, %s)" %
                      (geom, w["mkl"], len(rows), fmt(w["x_mkl"], 2),
                       fmt(w["net_ir"]), fmt(w["mkl_net_ir"]),
                       w["table_buckets"], w["n"], w["hot"], w["dist"])))
    if tables:
        return bench_tables.targets(tables) + lines
    for text in ("library hit <= 1.5x the limit reference",
                 "library hit within 1.5x of the minimal keyed lookup, "
                 "worst case over all 100%-hit scenarios, on 64x4 and "
                 "512x4",
                 ">= 100x / >= 10x faster than the 64 / 512-bucket walk",
                 "rhashtable comparison", "miss path <= 1.05x the uncached "
                 "lookup"):
        lines.append(("NOT MEASURED", text + ": no uml-tables stage in "
                      "this run"))
    return lines


def zipf_dist(cg):
    dists = sorted({r["dist"] for r in cg["results"]})
    return next((d for d in dists if d.startswith("zipf")), dists[-1])


def plot(cg, out):
    """Instructions per lookup at the largest N, Zipf, per hot-set size."""
    idx = cg_index(cg)
    zipf = zipf_dist(cg)
    nmax = max(r["n"] for r in cg["results"])
    hots = sorted({r["hot"] for r in cg["results"]})
    cols = [c for c in [("table", 64), ("c64x4", 64), ("c512x4", 64),
                        ("table", 512), ("c512x4", 512)]
            if (c[0], c[1], nmax, hots[0], zipf) in idx]
    titles = {("table", 64): "hlist 64", ("c64x4", 64): "64x4 cache + hlist 64",
              ("c512x4", 64): "512x4 cache + hlist 64",
              ("table", 512): "hlist 512",
              ("c512x4", 512): "512x4 cache + hlist 512"}
    dat = os.path.join(out, "plot-ir.dat")
    with open(dat, "w") as f:
        f.write("# H " + " ".join("%s/%d" % c for c in cols) + "\n")
        for h in hots:
            row = []
            for v, b in cols:
                rec = idx.get((v, b, nmax, h, zipf))
                row.append(fmt(max(rec["per_lookup"]["Ir"], 0.1))
                           if rec else "NaN")
            f.write("%d %s\n" % (h, " ".join(row)))
    png = os.path.join(out, "ir-per-lookup.png")
    script = """
set terminal pngcairo size 900,500
set output '%s'
set title 'Instructions per lookup, N=%d objects, Zipf(1.0) over H hot keys (cachegrind)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set ylabel 'instructions per lookup (log)'
set xlabel 'hot set H'
set key top left
plot %s
""" % (png, nmax, ", ".join(
        "'%s' using %d%s title '%s'" % (dat, i + 2, ":xtic(1)" if i == 0 else "",
                                         titles[c])
        for i, c in enumerate(cols)))
    return bench_common.gnuplot(script, png)


def machine():
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpu": model, "cpus": os.cpu_count(), "host_kernel":
            platform.release()}


def config_lines(path, names):
    found = {}
    try:
        with open(path) as f:
            for line in f:
                m = re.match(r"(CONFIG_\w+)=(.*)", line.strip())
                if m and m.group(1) in names:
                    found[m.group(1)] = m.group(2)
    except OSError:
        pass
    return {n: found.get(n, "n") for n in names}


def source_version(linux):
    """The base source recorded by make tree (tools/harness/getsource.sh)."""
    try:
        with open(os.path.join(linux, "..", "source", "version")) as f:
            return f.read().strip()
    except OSError:
        return "unknown base source"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--cachegrind", required=True)
    ap.add_argument("--uml-tables")
    ap.add_argument("--config", required=True)
    ap.add_argument("--linux", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--kprobes")
    ap.add_argument("--kprobes-sweep")
    ap.add_argument("--kprobes-auto")
    ap.add_argument("--kprobes-icount-auto")
    ap.add_argument("--kprobes-icount-main")
    ap.add_argument("--tables-icount")
    ap.add_argument("--kprobes-no-ss-int3")
    ap.add_argument("--kprobes-config")
    ap.add_argument("--kprobes-arm64")
    ap.add_argument("--kprobes-arm64-config")
    ap.add_argument("--modules-kunit")
    ap.add_argument("--modules-stack")
    ap.add_argument("--boot-retries")
    a = ap.parse_args()

    # Each stage's raw file may be missing (BENCH_STAGES ran others, or the
    # stage failed): its section and targets are then NOT MEASURED.
    cg = None
    if os.path.exists(a.cachegrind):
        with open(a.cachegrind) as f:
            cg = json.load(f)
    tables = (bench_tables.analyse(bench_tables.parse(a.uml_tables))
              if a.uml_tables and os.path.exists(a.uml_tables) else None)
    targets = target_lines(cg, tables)
    # tables-icount: the same suite on x86_64, in instructions
    tic = (bench_tables.analyse(bench_tables.parse(a.tables_icount))
           if a.tables_icount and os.path.exists(a.tables_icount) else None)
    if tic:
        targets += bench_tables.icount_targets(tic)
    elif a.tables_icount:
        targets.append(("NOT MEASURED", "library hit and miss path in "
                        "x86_64 instructions (QEMU icount): no tables-icount "
                        "stage in this run"))
    kp = None
    if a.kprobes and os.path.exists(a.kprobes):
        kp = bench_kprobes.summarize(bench_kprobes.parse(
            [a.kprobes, a.kprobes_sweep]))
    kauto = None
    if a.kprobes_auto and os.path.exists(a.kprobes_auto):
        kauto = bench_kprobes.auto_summarize(
            bench_kprobes.parse([a.kprobes_auto]), kp)
    # kprobes-icount: instruction counts (QEMU -icount, 1 CPU), its auto
    # boot against the floor of its main-parameter boot
    kic = None
    if a.kprobes_icount_auto and os.path.exists(a.kprobes_icount_auto):
        kic = bench_kprobes.icount_summarize(
            bench_kprobes.parse([a.kprobes_icount_auto]),
            bench_kprobes.parse([a.kprobes_icount_main])
            if a.kprobes_icount_main else None)
    nss = None
    if kp and a.kprobes_no_ss_int3:
        nss = bench_kprobes.no_ss_compare(kp, bench_kprobes.summarize(
            bench_kprobes.parse([a.kprobes_no_ss_int3])))
    ka = None
    if a.kprobes_arm64 and os.path.exists(a.kprobes_arm64):
        ka = bench_kprobes.summarize(bench_kprobes.parse([a.kprobes_arm64]))
        if not ka["hit"]:
            ka = None
    modules_run = bool(a.modules_kunit or a.modules_stack)
    mb = (bench_modules.summarize(bench_modules.parse(a.modules_kunit,
                                                      a.modules_stack))
          if modules_run else None)
    targets = (bench_kprobes.targets(kp) +
               (bench_kprobes.auto_targets(kauto) if a.kprobes_auto
                else []) +
               (bench_kprobes.icount_targets(kic) if a.kprobes_icount_auto
                else []) +
               (bench_modules.targets(mb) if modules_run else []) + targets)
    kp_cfg = config_lines(a.kprobes_config, [
        "CONFIG_SMP", "CONFIG_PREEMPT_LAZY", "CONFIG_PREEMPT",
        "CONFIG_PREEMPT_VOLUNTARY", "CONFIG_PREEMPT_DYNAMIC",
        "CONFIG_KASAN", "CONFIG_KCSAN", "CONFIG_PROVE_LOCKING",
        "CONFIG_DEBUG_PREEMPT", "CONFIG_PCPU_LOOKUP_CACHE_KUNIT_TEST",
        "CONFIG_KPROBES", "CONFIG_OPTPROBES", "CONFIG_KPROBES_ON_FTRACE",
        "CONFIG_DYNAMIC_FTRACE", "CONFIG_MITIGATION_RETPOLINE",
        "CONFIG_X86_KERNEL_IBT"]) if a.kprobes_config else {}
    mb_cfg = config_lines(a.kprobes_config, [
        "CONFIG_SMP", "CONFIG_PREEMPT_LAZY", "CONFIG_KASAN", "CONFIG_KCSAN",
        "CONFIG_PROVE_LOCKING", "CONFIG_DEBUG_PREEMPT", "CONFIG_MODULES",
        "CONFIG_MODULES_TREE_LOOKUP", "CONFIG_MODULE_ADDR_CACHE_KUNIT_TEST",
        "CONFIG_MODULE_ADDR_CACHE_TEST_MODULES", "CONFIG_UNWINDER_ORC",
        "CONFIG_STRICT_MODULE_RWX", "CONFIG_MITIGATION_RETPOLINE"]) \
        if a.kprobes_config and modules_run else {}
    ka_cfg = config_lines(a.kprobes_arm64_config, [
        "CONFIG_SMP", "CONFIG_PREEMPT_NONE", "CONFIG_PREEMPT_VOLUNTARY",
        "CONFIG_PREEMPT", "CONFIG_PREEMPT_LAZY", "CONFIG_KASAN",
        "CONFIG_KCSAN", "CONFIG_PROVE_LOCKING", "CONFIG_DEBUG_PREEMPT",
        "CONFIG_PCPU_LOOKUP_CACHE_KUNIT_TEST", "CONFIG_KPROBES",
        "CONFIG_KPROBES_ON_FTRACE", "CONFIG_ARM64_PTR_AUTH_KERNEL",
        "CONFIG_ARM64_BTI_KERNEL"]) if a.kprobes_arm64_config else {}
    png = plot(cg, a.out) if cg else None
    tables_png = bench_tables.plot(tables, a.out) if tables else None
    kp_png = bench_kprobes.plot(kp, a.out)
    base = subprocess.run(["git", "-C", a.linux, "describe", "--always",
                           "--tags", "HEAD"], capture_output=True,
                          text=True).stdout.strip()
    cfg = config_lines(a.config, ["CONFIG_PREEMPT", "CONFIG_KASAN",
                                  "CONFIG_PROVE_LOCKING", "CONFIG_KCSAN",
                                  "CONFIG_DEBUG_KERNEL",
                                  "CONFIG_PCPU_LOOKUP_CACHE_KUNIT_TEST",
                                  "CONFIG_PCPU_LOOKUP_CACHE_BENCH"])
    results = {
        "quick": a.quick,
        "machine": machine(),
        "tree": base,
        "base_source": source_version(a.linux),
        "uml_kernel_config": cfg,
        "uml_tables": tables,
        "kprobes": kp,
        "kprobes_auto": kauto,
        "kprobes_without_0004": nss,
        "kprobes_kernel_config": kp_cfg,
        "kprobes_arm64": ka,
        "kprobes_arm64_kernel_config": ka_cfg,
        "modules": mb,
        "modules_kernel_config": mb_cfg,
        "cachegrind": {"tool": cg["tool"], "method": cg["method"],
                       "results": cg["results"]} if cg else None,
        "targets": [{"status": s, "text": t} for s, t in targets],
    }
    if a.kprobes_icount_auto:
        results["kprobes_icount"] = kic
    if a.tables_icount:
        results["tables_icount"] = tic
    # Boots that bench.sh retried because the kernel oopsed on an int3
    # before KUnit started (bench.sh: boot_oopsed_early)
    retries = []
    if a.boot_retries and os.path.exists(a.boot_retries):
        with open(a.boot_retries) as f:
            retries = [ln.strip() for ln in f if ln.strip()]
    results["boot_retries"] = retries
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)

    idx = cg_index(cg) if cg else {}
    nmax = max((r["n"] for r in cg["results"]), default=0) if cg else 0
    md = []
    md.append("# pcpu_lookup_cache benchmark report%s\n" %
              (" (BENCH_QUICK)" if a.quick else ""))
    md.append("<!-- headline -->")
    md.append("Measured by `make bench`%s on %s (%d CPUs):\n" %
              (" (quick mode)" if a.quick else "", results["machine"]["cpu"],
               results["machine"]["cpus"]))
    if tables:
        md.extend(bench_tables.headline(tables))
    zipf = zipf_dist(cg) if cg else None
    md.extend(bench_kprobes.headline(kp))
    if a.kprobes_auto:
        md.extend(bench_kprobes.auto_headline(kauto))
    if a.kprobes_icount_auto:
        md.extend(bench_kprobes.icount_headline(kic))
    if tic:
        md.extend(bench_tables.icount_headline(tic))
    md.extend(bench_kprobes.no_ss_headline(nss))
    if a.kprobes_arm64:
        md.extend(bench_kprobes.arm64_headline(ka))
    if modules_run:
        md.extend(bench_modules.headline(mb))
    for h in sorted({r["hot"] for r in cg["results"]} if cg else ()):
        t = idx.get(("table", 64, nmax, h, zipf))
        c = idx.get(("c512x4", 64, nmax, h, zipf))
        if t and c:
            md.append("- cachegrind, N=%d, Zipf over H=%d: 64-bucket hlist "
                      "%s instructions and %s D1 misses per lookup; with a "
                      "512x4 cache in front %s and %s (hit ratio %s%%)." %
                      (nmax, h, fmt(t["per_lookup"]["Ir"]),
                       fmt(t["per_lookup"]["D1mr"], 2),
                       fmt(c["per_lookup"]["Ir"]),
                       fmt(c["per_lookup"]["D1mr"], 2),
                       fmt(100 * c["hit_ratio"])))
    md.append("")
    md.append("Targets:\n")
    for s, t in targets:
        md.append("- %s: %s" % (s, t))
    md.append("<!-- /headline -->\n")

    md.append("## Machine and kernel\n")
    md.append("- CPU: %s, %d CPUs; host kernel %s" %
              (results["machine"]["cpu"], results["machine"]["cpus"],
               results["machine"]["host_kernel"]))
    md.append("- Tree: build/linux at `%s` (%s + patches/series)" %
              (base, results["base_source"]))
    md.append("- UML kernel config (tools/harness/%s, olddefconfig): " %
              ("bench-um.kunitconfig" if tables else "um.kunitconfig") +
              ", ".join("%s=%s" % kv for kv in cfg.items()))
    md.append("- Cache geometry: the UML tables and cachegrind run 64x4 (the "
              "library's recommended default) and 512x4; the kprobes stage "
              "uses the kprobes default unless its section says otherwise.")
    md.append("- Boots retried: %d. A QEMU boot whose kernel oopsed on an "
              "int3 before its test started (a static key being patched under "
              "QEMU TCG; the kernel without the series does it too, see "
              "boot_oopsed_early in tools/harness/bench.sh) is booted "
              "again, at most twice; its log is kept as "
              "`build/bench/raw/NAME-early-oops-TRY.log`.%s\n" %
              (len(retries), "".join("\n  - " + r for r in retries)))
    md.append("## How each number was measured\n")
    if tables:
        md.extend(bench_tables.method(tables, cfg))
    if cg:
        md.append("- **cachegrind**: `%s`; %s. Userspace build of "
                  "lib/pcpu_lookup_cache.c (tools/testing/pcpu_lookup_cache), "
                  "production fast path (no test hook). Deterministic: the "
                  "same binary and inputs give the same counts.\n" %
                  (cg["tool"], cg["method"]))
    else:
        md.append("- **cachegrind**: NOT MEASURED (no cachegrind stage in "
                  "this run: no %s).\n" % os.path.basename(a.cachegrind))
    md.extend(bench_kprobes.section(kp, kp_png, kp_cfg))
    if a.kprobes_auto:
        md.extend(bench_kprobes.auto_section(kauto, kp))
    md.extend(bench_kprobes.no_ss_section(nss))
    if a.kprobes_arm64:
        md.extend(bench_kprobes.arm64_section(ka, ka_cfg))
    if a.kprobes_icount_auto:
        md.extend(bench_kprobes.icount_section(kic))
    if modules_run:
        md.extend(bench_modules.section(mb, mb_cfg))
    if tables:
        md.extend(bench_tables.markdown(tables, tables_png))
    if tic:
        md.extend(bench_tables.icount_section(tic))
    md.append("## cachegrind, per lookup\n")
    if png:
        md.append("![instructions per lookup](%s)\n" % png)
    if not cg:
        md.append("NOT MEASURED: no cachegrind stage in this run.\n")
    else:
        md.append("| buckets | N | H | dist | variant | Ir | D1 misses | LL "
                  "misses | hit ratio |")
        md.append("|---|---|---|---|---|---|---|---|---|")
    for r in sorted(cg["results"] if cg else [],
                    key=lambda r: (r["n"], r["hot"], r["dist"],
                                   r["table_buckets"], r["variant"])):
        if r["variant"] == "driver":
            continue
        p = r["per_lookup"]
        md.append("| %d | %d | %d | %s | %s | %s | %s | %s | %s |" %
                  (r["table_buckets"], r["n"], r["hot"], r["dist"],
                   r["variant"], fmt(p["Ir"]), fmt(p["D1mr"], 3),
                   fmt(p["DLmr"], 3),
                   fmt(100 * r["hit_ratio"]) + "%" if "hit_ratio" in r
                   else "-"))
    md.append("")
    md.append("## Raw data\n")
    md.append("- `build/bench/cachegrind.json`, `build/bench/cachegrind.txt`")
    if tables:
        md.append("- `build/bench/raw/uml-tables.txt` (the \"plc_bench:\" "
                  "lines, one per measurement and repetition), "
                  "`build/bench/raw/uml-tables-kernel.log` (the kernel log), "
                  "`build/bench/raw/uml-tables-run.log`, "
                  "`build/bench/raw/uml-tables-build.log`, "
                  "`build/bench/plot-uml-ns-*.dat`")
    if tic:
        md.append("- `build/bench/raw/tables-icount.txt` (the \"plc_bench:\" "
                  "lines of the QEMU icount boot), "
                  "`build/bench/raw/tables-icount-kernel.log`, "
                  "`build/bench/raw/tables-icount-run.log`")
    md.append("- `build/bench/raw/kprobes-bench.txt` (main boot), "
              "`build/bench/raw/kprobes-sweep.txt` (sweep boots), "
              "`build/bench/raw/kprobes-auto.txt` (kprobe_cache=auto "
              "boot), "
              "`build/bench/raw/kprobes-no-ss-int3.txt` (kernel without "
              "0004's check), "
              "`build/bench/raw/kprobes-arm64.txt` (arm64 boot), "
              "%s"
              "`build/bench/raw/kprobes-*-kernel.log` (kernel logs), "
              "`build/bench/plot-kprobes-sweep.dat`" %
              ("`build/bench/raw/kprobes-icount-auto.txt` and "
               "`build/bench/raw/kprobes-icount-main.txt` (the QEMU icount "
               "boots), " if a.kprobes_icount_auto else ""))
    if modules_run:
        md.append("- `build/bench/raw/modules-kunit.txt` (the "
                  "\"mac_test_bench:\" lines of every KUnit boot), "
                  "`build/bench/raw/modules-kunit-*-kernel.log` (their "
                  "kernel logs), `build/bench/raw/modules-stack.txt` (the "
                  "\"MODBENCH:\" lines), "
                  "`build/bench/raw/modules-stack-console.log` (the "
                  "initramfs boot's console)")
    md.append("- `build/bench/results.json` (everything above)")
    with open(os.path.join(a.out, "report.md"), "w") as f:
        f.write("\n".join(md) + "\n")


if __name__ == "__main__":
    main()
