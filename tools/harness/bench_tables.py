# SPDX-License-Identifier: GPL-2.0
"""The 'uml-tables' and 'tables-icount' stages of 'make bench': parse the
"plc_bench:" lines of the KUnit suite pcpu_lookup_cache_bench
(lib/tests/pcpu_lookup_cache_bench_*.c, run on UML, and on x86_64 under QEMU
-icount, in kernels without the cache's test hooks), and turn them into
results.json data, target lines, report sections and a plot.

Every ratio is computed within one repetition (the variants of a scenario are
interleaved in each repetition), then summarised over repetitions as the
median with the min and max. Nothing is hard-coded: N, H, the geometries and
the tables come from the data."""

import os
import re
import sys

import bench_common

TABLE_TITLES = {"hlist64": "RCU hlist, 64 buckets",
                "hlist512": "RCU hlist, 512 buckets",
                "rht": "rhashtable", "ref": "limit reference"}

# Where the figures come from, as the target lines say it.
UML = "UML, ns"
ICOUNT = "x86_64 QEMU icount, instructions"

# The bound on a library hit against the minimal keyed lookup of the same
# total entries, and the geometries it is checked on.
MKL_BOUND = 1.5
MKL_GEOMS = ("64x4", "512x4")


def parse(path):
    """'plc_bench: kind K key value ...' lines -> {kind: [dict, ...]}."""
    out = {}
    with open(path, errors="replace") as f:
        for line in f:
            if "plc_bench:" not in line:
                continue
            toks = line.split("plc_bench:", 1)[1].split()
            if len(toks) < 2 or toks[0] != "kind":
                continue
            kind = toks[1]
            rec = {}
            rest = toks[2:]
            for i in range(0, len(rest) - 1, 2):
                rec[rest[i]] = bench_common.num(rest[i + 1])
            out.setdefault(kind, []).append(rec)
    if not out.get("lookup"):
        sys.exit("bench_tables: no 'plc_bench: kind lookup' lines in %s" % path)
    return out


summary = bench_common.spread


def is_lib(cache):
    """Whether the "cache" field of a lookup line names a library geometry
    (<sets>x<ways>), not "none" or a minimal keyed table ("mkl<entries>")."""
    return re.fullmatch(r"\d+x\d+", cache) is not None


def is_mkl(cache):
    return re.fullmatch(r"mkl\d+", cache) is not None


def capacity(geom):
    """Entries of a library geometry or of a minimal keyed table."""
    if is_mkl(geom):
        return int(geom[3:])
    s, w = geom.split("x")
    return int(s) * int(w)


def _order(item):
    """The reference first, then each table alone and behind its caches,
    each cache followed by the minimal keyed lookup of its size."""
    (table, cache), _ = item
    return (table != "ref", table,
            0 if cache == "none" else capacity(cache), is_mkl(cache), cache)


def analyse(raw):
    """Summaries of ns per operation and of same-repetition ratios."""
    by = {}
    for r in raw["lookup"]:
        key = (r["n"], r["hot"], r["dist"])
        by.setdefault(key, {}).setdefault((r["table"], r["cache"]), {})[
            r["rep"]] = r
    scenarios = []
    for (n, hot, dist), variants in sorted(by.items()):
        ref = variants.get(("ref", "none"), {})
        rows = []
        for (table, cache), reps in sorted(variants.items(), key=_order):
            ns = [reps[k]["ps"] / 1000.0 for k in sorted(reps)]
            row = {"table": table, "cache": cache,
                   "ns": summary(ns), "loop_ns_min": min(
                       reps[k]["loop_ns"] for k in reps)}
            if cache != "none":
                row["hit_ratio"] = summary([reps[k]["hit_permille"] / 1000.0
                                            for k in reps])
                alone = variants.get((table, "none"), {})
                sp = [alone[k]["ps"] / reps[k]["ps"] for k in reps
                      if k in alone and reps[k]["ps"]]
                if sp:
                    row["speedup_vs_table"] = summary(sp)
            if is_lib(cache):
                # the minimal keyed lookup of as many entries, same table
                mname = "mkl%d" % capacity(cache)
                mkl = variants.get((table, mname), {})
                xm = [reps[k]["ps"] / mkl[k]["ps"] for k in reps
                      if k in mkl and mkl[k]["ps"]]
                if xm:
                    row["mkl"] = mname
                    row["x_mkl"] = summary(xm)
            if table != "ref":
                rr = [reps[k]["ps"] / ref[k]["ps"] for k in reps
                      if k in ref and ref[k]["ps"]]
                if rr:
                    row["x_ref"] = summary(rr)
            rows.append(row)
        scenarios.append({"n": n, "hot": hot, "dist": dist, "rows": rows})

    miss = {}
    for r in raw.get("miss", []):
        miss.setdefault((r["table"], r["cache"], r["n"]), []).append(r)
    misses = []
    for (table, cache, n), recs in sorted(miss.items()):
        misses.append({
            "table": table, "cache": cache, "n": n,
            "uncached_ns": summary([r["uncached_ps"] / 1000.0 for r in recs]),
            "cached_ns": summary([r["cached_ps"] / 1000.0 for r in recs]),
            "ratio": summary([r["cached_ps"] / max(r["uncached_ps"], 1)
                              for r in recs]),
            "all_missed": all(r["misses"] == r["ops"] for r in recs)})

    inval = {}
    for r in raw.get("inval", []):
        inval.setdefault(r["cache"], []).append(r)
    invals = [{"cache": g, "cpus": recs[0]["cpus"], "batch": recs[0]["batch"],
               "one_ns": summary([r["one_ps"] / 1000.0 for r in recs]),
               "batch_ns": summary([r["batch_ps"] / 1000.0 for r in recs])}
              for g, recs in sorted(inval.items())]

    cost = None
    recs = raw.get("cost", [])
    if recs:
        cost = {"geometry": recs[0]["geometry"], "loops": recs[0]["loops"],
                "reps": len(recs)}
        for k in ("hit", "ref", "miss_fill"):
            cost[k + "_ns"] = summary([r[k + "_ps"] / 1000.0 for r in recs])
        cost["hit_x_ref"] = summary([r["hit_ps"] / max(r["ref_ps"], 1)
                                     for r in recs])
        off = [r for r in recs if r.get("nostats") == 1]
        if off:
            cost["hit_nostats_ns"] = summary([r["hit_nostats_ps"] / 1000.0
                                              for r in off])
            cost["nostats_x_hit"] = summary([r["hit_nostats_ps"] /
                                             max(r["hit_ps"], 1)
                                             for r in off])
    return {"config": raw.get("config", []), "notes": raw.get("note", []),
            "scenarios": scenarios, "miss_path": misses,
            "invalidate": invals, "cost": cost}


def fmt(x, nd=1):
    return ("%%.%df" % nd) % x


def _worst(items, key, high_is_bad):
    return (max if high_is_bad else min)(items, key=key)


def targets(t, where=UML):
    """(status, text) for the targets of the benchmark issue; @where says
    what the figures are (UML or ICOUNT)."""
    lines = []
    sc = t["scenarios"]
    nmax = max(s["n"] for s in sc)

    full = [(s, r) for s in sc for r in s["rows"]
            if is_lib(r["cache"]) and r["hit_ratio"]["median"] >= 0.999
            and "x_ref" in r]
    if full:
        s, r = _worst(full, lambda sr: sr[1]["x_ref"]["median"], True)
        b = min(full, key=lambda sr: sr[1]["x_ref"]["median"])
        text = ("library hit <= 1.5x the limit reference (%s, "
                "scenarios with a 100%% hit ratio, %d of them): worst %sx "
                "(%s + %s cache, N=%d, H=%d, %s: %s vs %s), best %sx" %
                (where, len(full), fmt(r["x_ref"]["median"], 2), r["table"],
                 r["cache"], s["n"], s["hot"], s["dist"],
                 fmt(r["ns"]["median"], 2),
                 fmt(next(x for x in s["rows"] if x["table"] == "ref")
                     ["ns"]["median"], 2),
                 fmt(b[1]["x_ref"]["median"], 2)))
        if t["cost"]:
            c = t["cost"]
            text += ("; unit-suite cost loops (%s, 128 keys, hit "
                     "statistics on): hit %s vs ref %s = %sx" %
                     (c["geometry"], fmt(c["hit_ns"]["median"], 2),
                      fmt(c["ref_ns"]["median"], 2),
                      fmt(c["hit_x_ref"]["median"], 2)))
        lines.append(("PASS" if r["x_ref"]["median"] <= 1.5 else "FAIL",
                      text))
    else:
        lines.append(("NOT MEASURED", "library hit <= 1.5x the limit "
                      "reference: no scenario with a 100% hit ratio"))
    lines.append(mkl_target(t, where))

    # "While H fits the cache" (the hlist targets): the cache holds the
    # whole hot set, i.e. a hit ratio of at least 99.9%; "H within the
    # cache's capacity" (the rhashtable target): H <= sets x ways. The line
    # also gives the result under the other reading.
    def fits(s, r):
        return r["hit_ratio"]["median"] >= 0.999

    def within(s, r):
        return s["hot"] <= capacity(r["cache"])

    for table, need, scope, sel, other, sel_txt, other_txt in (
            ("hlist64", 100.0, nmax, fits, within,
             "while H fits the cache (hit ratio >= 99.9%)",
             "H <= sets x ways"),
            ("hlist512", 10.0, nmax, fits, within,
             "while H fits the cache (hit ratio >= 99.9%)",
             "H <= sets x ways"),
            ("rht", 1.5, None, within, fits,
             "H within the cache's capacity (H <= sets x ways)",
             "hit ratio >= 99.9%")):
        rows = [(s, r) for s in sc for r in s["rows"]
                if r["table"] == table and is_lib(r["cache"])
                and (scope is None or s["n"] == scope)
                and "speedup_vs_table" in r]
        cands = [sr for sr in rows if sel(*sr)]
        what = ("%s at N=%d" % (TABLE_TITLES[table], nmax) if scope else
                "%s at every N" % TABLE_TITLES[table])
        if not cands:
            lines.append(("NOT MEASURED", ">= %sx faster than the %s %s: no "
                          "such scenario" % (fmt(need, 1), what, sel_txt)))
            continue
        s, r = _worst(cands, lambda sr: sr[1]["speedup_vs_table"]["median"],
                      False)
        alt = [sr for sr in rows if other(*sr)]
        extra = ""
        if alt:
            s2, r2 = _worst(alt, lambda sr: sr[1]["speedup_vs_table"]
                            ["median"], False)
            extra = ("; with %s instead (%d scenarios): worst %sx (%s, H=%d, "
                     "%s, hit ratio %s%%) -> %s" %
                     (other_txt, len(alt),
                      fmt(r2["speedup_vs_table"]["median"]), r2["cache"],
                      s2["hot"], s2["dist"],
                      fmt(100 * r2["hit_ratio"]["median"]),
                      "PASS" if r2["speedup_vs_table"]["median"] >= need
                      else "FAIL"))
        lines.append((
            "PASS" if r["speedup_vs_table"]["median"] >= need else "FAIL",
            ">= %sx faster than the %s, %s (%s, %d scenarios): worst %sx "
            "(%s cache, N=%d, H=%d, %s, hit ratio %s%%: %s vs %s, "
            "min..max %s..%sx), best %sx%s" %
            (fmt(need, 1), what, sel_txt, where, len(cands),
             fmt(r["speedup_vs_table"]["median"]), r["cache"], s["n"],
             s["hot"], s["dist"], fmt(100 * r["hit_ratio"]["median"]),
             fmt(next(x for x in s["rows"] if x["table"] == table and
                      x["cache"] == "none")["ns"]["median"], 1),
             fmt(r["ns"]["median"], 2), fmt(r["speedup_vs_table"]["min"]),
             fmt(r["speedup_vs_table"]["max"]),
             fmt(max(c[1]["speedup_vs_table"]["median"] for c in cands)),
             extra)))

    mp = [m for m in t["miss_path"] if m["n"] == nmax]
    if mp:
        w = max(mp, key=lambda m: m["ratio"]["median"])
        each = ", ".join("%s/%s %sx" % (m["table"], m["cache"],
                                        fmt(m["ratio"]["median"], 3))
                         for m in mp)
        lines.append(("PASS" if w["ratio"]["median"] <= 1.05 else "FAIL",
                      "miss path (lookup + table + fill, every lookup a "
                      "miss) <= 1.05x the uncached lookup of the same keys "
                      "(%s, N=%d): worst %sx (%s, %s cache: %s vs %s); "
                      "all: %s" %
                      (where, nmax, fmt(w["ratio"]["median"], 3), w["table"],
                       w["cache"], fmt(w["cached_ns"]["median"], 2),
                       fmt(w["uncached_ns"]["median"], 2), each)))
    else:
        lines.append(("NOT MEASURED", "miss path <= 1.05x the uncached "
                      "lookup: no miss-path line at N=%d" % nmax))
    return lines


def mkl_worst(t, geom):
    """The library rows of geometry @geom in the 100%-hit scenarios that
    have a minimal keyed lookup, as (scenario, row) pairs, and the worst
    of them against that lookup with its scenario's rows by (table,
    cache); None if there is no such row."""
    full = [(s, r) for s in t["scenarios"] for r in s["rows"]
            if r["cache"] == geom and r["hit_ratio"]["median"] >= 0.999
            and "x_mkl" in r]
    if not full:
        return None
    s, r = max(full, key=lambda sr: sr[1]["x_mkl"]["median"])
    return full, s, r, {(x["table"], x["cache"]): x for x in s["rows"]}


def mkl_target(t, where=UML):
    """(status, text): the library hit against the minimal keyed lookup of
    the same total entries, worst case over the 100%-hit scenarios of each
    geometry of MKL_GEOMS (median over repetitions of the per-repetition
    ratio)."""
    what = ("library hit within %sx of the minimal keyed lookup, worst case "
            "over all 100%%-hit scenarios, on %s" %
            (fmt(MKL_BOUND, 1), " and ".join(MKL_GEOMS)))
    parts, worst, missing = [], [], []
    for geom in MKL_GEOMS:
        w = mkl_worst(t, geom)
        if not w:
            missing.append(geom)
            continue
        full, s, r, rows = w
        m = rows[(r["table"], r["mkl"])]
        ref = rows.get(("ref", "none"))
        both = [sr for sr in full if
                {(x["table"], x["cache"]): x for x in sr[0]["rows"]}
                [(sr[1]["table"], sr[1]["mkl"])]["hit_ratio"]["median"]
                >= 0.999]
        worst.append(r["x_mkl"]["median"])
        # The per-scenario ratios (median over repetitions): all, and
        # where the minimal keyed lookup also hit every time.
        sp_full = bench_common.spread([sr[1]["x_mkl"]["median"]
                                       for sr in full])
        sp_both = bench_common.spread([sr[1]["x_mkl"]["median"]
                                       for sr in both])
        parts.append(
            "%s: worst %sx (%s, N=%d, H=%d, %s: library %s vs minimal "
            "keyed %s %s (its hit ratio %s%%) vs array read %s; "
            "min..max %s..%sx; %d scenarios, median over them %sx%s)" %
            (geom, fmt(r["x_mkl"]["median"], 2), r["table"], s["n"],
             s["hot"], s["dist"], fmt(r["ns"]["median"], 2), r["mkl"],
             fmt(m["ns"]["median"], 2), fmt(100 * m["hit_ratio"]["median"]),
             fmt(ref["ns"]["median"], 2) if ref else "-",
             fmt(r["x_mkl"]["min"], 2), fmt(r["x_mkl"]["max"], 2),
             len(full), fmt(sp_full["median"], 2),
             "; where the minimal keyed lookup also hit 100%%: %d, worst "
             "%sx, median %sx" %
             (sp_both["n"], fmt(sp_both["max"], 2),
              fmt(sp_both["median"], 2))
             if both else "; the minimal keyed lookup never hit 100%"))
    if missing:
        return ("NOT MEASURED", "%s: no 100%%-hit scenario with a minimal "
                "keyed lookup for %s%s" % (what, ", ".join(missing),
                                           ("; " + "; ".join(parts))
                                           if parts else ""))
    return ("PASS" if max(worst) <= MKL_BOUND else "FAIL",
            "%s (%s): %s" % (what, where, "; ".join(parts)))


def headline(t):
    """Markdown bullets for the headline section."""
    md = []
    sc = t["scenarios"]
    nmax = max(s["n"] for s in sc)
    for s in sc:
        if s["n"] != nmax or s["dist"] != "zipf":
            continue
        rows = {(r["table"], r["cache"]): r for r in s["rows"]}
        ref = rows.get(("ref", "none"))
        parts = []
        for table in ("hlist64", "hlist512", "rht"):
            a = rows.get((table, "none"))
            c = rows.get((table, "64x4"))
            m = rows.get((table, "mkl256"))
            if a and c:
                parts.append("%s %s ns -> %s ns with a 64x4 cache (hit "
                             "ratio %s%%%s)" %
                             (table, fmt(a["ns"]["median"]),
                              fmt(c["ns"]["median"], 2),
                              fmt(100 * c["hit_ratio"]["median"]),
                              "; minimal keyed lookup of 256 entries %s ns, "
                              "hit ratio %s%%" %
                              (fmt(m["ns"]["median"], 2),
                               fmt(100 * m["hit_ratio"]["median"]))
                              if m else ""))
        md.append("- UML, N=%d, Zipf over H=%d, ns per lookup (median): %s; "
                  "limit reference %s ns." %
                  (nmax, s["hot"], "; ".join(parts),
                   fmt(ref["ns"]["median"], 2) if ref else "-"))
    for i in t["invalidate"]:
        md.append("- UML invalidation, %s cache, %d CPU(s): one key %s ns, "
                  "%d keys in one call %s ns." %
                  (i["cache"], i["cpus"], fmt(i["one_ns"]["median"]),
                   i["batch"], fmt(i["batch_ns"]["median"])))
    return md


def _cfg(t):
    return t["config"][0] if t["config"] else {}


def stats_state(t):
    """Whether hit statistics were on while the scenarios were timed: off
    by default; on if something else turned them on (the boot parameter
    pcpu_lookup_cache.hit_stats=1). The suite prints it from its config
    line; older runs did not, and timed with them on."""
    vals = {c.get("hit_stats") for c in t["config"]}
    if vals == {0}:
        return "off (the default)"
    if vals == {1}:
        return "on (something else turned them on)"
    if vals == {None}:
        return "on (a run from before the suite turned them off)"
    return "on in some boots and off in others"


def icount_targets(t):
    """The bounds on a hit and on the miss path, in instructions: the
    lines of targets() that do not depend on memory latency. (The
    speedups over the hash walks do: an instruction count leaves out
    the cache misses that a cached hit saves.)"""
    keep = ("library hit <= 1.5x the limit reference",
            "library hit within", "miss path")
    return [(s, x) for s, x in targets(t, ICOUNT) if x.startswith(keep)]


def icount_headline(t):
    """A headline bullet: the worst 100%-hit scenario of each geometry of
    MKL_GEOMS, in instructions."""
    parts = []
    for geom in MKL_GEOMS:
        w = mkl_worst(t, geom)
        if not w:
            continue
        _, s, r, rows = w
        parts.append("%s %s against %s for the minimal keyed lookup (%sx)" %
                     (geom, fmt(r["ns"]["median"], 2),
                      fmt(rows[(r["table"], r["mkl"])]["ns"]["median"], 2),
                      fmt(r["x_mkl"]["median"], 2)))
    if not parts:
        return []
    return ["- x86_64 kernel, QEMU icount, x86_64 instructions per lookup "
            "with every lookup a hit, loop included, worst scenario: %s; "
            "hit statistics %s." % ("; ".join(parts), stats_state(t))]


def icount_section(t):
    """Markdown: the library's hit and miss path in the x86_64 kernel,
    counted in instructions (the tables-icount stage)."""
    c = _cfg(t)
    md = ["## Library hit and miss path on x86_64, counted in instructions "
          "(QEMU icount)\n",
          "The uml-tables suite again, on the non-debug bench-x86 kernel "
          "(static keys as patched jumps; no test hook) under QEMU TCG with "
          "`-smp 1 -icount shift=0,sleep=off`: the guest clock advances 1 ns "
          "per instruction, so the figures below are x86_64 instructions per "
          "lookup, loop included, the same from run to run. No cache-miss "
          "cost is in them. `pcpu_lookup_cache_bench.scale=%s reps=%s`; hit "
          "statistics %s in the timed scenario passes.\n" %
          (c.get("scale", "?"), c.get("reps", "?"), stats_state(t)),
          "| geometry | scenarios with 100% hits | library, worst | minimal "
          "keyed lookup, same scenario | array read | x mkl |",
          "|---|---|---|---|---|---|"]
    for geom in MKL_GEOMS:
        w = mkl_worst(t, geom)
        if not w:
            md.append("| %s | 0 | - | - | - | - |" % geom)
            continue
        full, s, r, rows = w
        m = rows[(r["table"], r["mkl"])]
        ref = rows.get(("ref", "none"))
        md.append("| %s | %d | %s (%s, N=%d, H=%d, %s) | %s | %s | %sx |" %
                  (geom, len(full), fmt(r["ns"]["median"], 2), r["table"],
                   s["n"], s["hot"], s["dist"], fmt(m["ns"]["median"], 2),
                   fmt(ref["ns"]["median"], 2) if ref else "-",
                   fmt(r["x_mkl"]["median"], 2)))
    md.append("")
    if t["cost"]:
        co = t["cost"]
        md.append("Unit-suite cost loops (%s, 128 keys): hit %s instructions "
                  "with hit statistics on, %s with them off; array read %s; "
                  "miss + fill on a 1x1 cache %s.\n" %
                  (co["geometry"], fmt(co["hit_ns"]["median"], 2),
                   fmt(co["hit_nostats_ns"]["median"], 2)
                   if co.get("hit_nostats_ns") else "-",
                   fmt(co["ref_ns"]["median"], 2),
                   fmt(co["miss_fill_ns"]["median"], 2)))
    nmax = max(s["n"] for s in t["scenarios"])
    mp = [m for m in t["miss_path"] if m["n"] == nmax]
    if mp:
        md.append("Miss path at N=%d, instructions per lookup (lookup + "
                  "table + fill against the table alone): %s.\n" %
                  (nmax, "; ".join(
                      "%s/%s %s vs %s (+%s)" %
                      (m["table"], m["cache"],
                       fmt(m["cached_ns"]["median"], 1),
                       fmt(m["uncached_ns"]["median"], 1),
                       fmt(m["cached_ns"]["median"] -
                           m["uncached_ns"]["median"], 1)) for m in mp)))
    return md


def method(t, kernel_cfg):
    c = _cfg(t)
    return [
        "- **UML tables (ns)**: KUnit suite `pcpu_lookup_cache_bench` "
        "(lib/tests/pcpu_lookup_cache_bench_*.c, patch 0012) on UML, in a "
        "kernel built from `tools/harness/bench-um.kunitconfig`: "
        "CONFIG_PCPU_LOOKUP_CACHE_KUNIT_TEST is off, so the lookup has no "
        "test hook and the fast path is the production one (%s). One boot, "
        "`pcpu_lookup_cache_bench.scale=%s reps=%s`; seed %s; %s CPU(s)." %
        (", ".join("%s=%s" % kv for kv in kernel_cfg.items()),
         c.get("scale", "?"), c.get("reps", "?"), c.get("seed", "?"),
         c.get("cpus", "?")),
        "- Tables, over the same N objects of %s bytes (list nodes and key "
        "in the first cache line, like struct kprobe), allocated and "
        "inserted at the head in random order, keys spread like text "
        "addresses (one per KiB): an RCU hlist hashed with "
        "`hash_ptr(key, 6)` (64 buckets, as kprobes in 6.12) and with "
        "`hash_ptr(key, 9)` (512 buckets), walked with "
        "`hlist_for_each_entry_rcu()` in an out-of-line function like "
        "`get_kprobe()`; an rhashtable (`rhashtable_lookup()`, "
        "8-byte key, default hash, sized for N). All under "
        "`rcu_read_lock()` with preemption disabled." % c.get("obj_bytes",
                                                              "?"),
        "- Cached variants: `pcpu_lookup_cache_lookup()`, on a miss the "
        "table lookup and `pcpu_lookup_cache_fill()`, for each geometry.",
        "- Two references, measured in the same interleaved loop: the "
        "**limit reference** (`ref`, \"array read\"), a read of this "
        "CPU's precomputed array slot for the same access (same sequence "
        "array): no key, no hash, a floor that no keyed lookup reaches; "
        "and the **minimal keyed lookup** (`mkl256`, `mkl2048`) in front "
        "of each table: a direct-mapped per-CPU table with as many entries "
        "as the 64x4 and the 512x4 cache, the slot picked with the "
        "library's hash (`hash_long(key, log2(entries) + 16)`, low "
        "log2(entries) bits, as `__pcpu_lookup_cache_set_index()` picks a "
        "set), one key compare and one value load, no statistics, no "
        "retry; on a mismatch the table lookup and plain stores of key "
        "and value into the slot. Its tables are emptied where the cache "
        "is flushed; its hit ratio is counted in one more checking pass "
        "after the timed passes (each warm pass leaves the table as it "
        "found it), so it includes the conflicts of a direct-mapped table. "
        "\"x mkl\" is a library hit against the minimal keyed lookup of "
        "the same total entries and table.",
        "- Sequences: for each N and H, H keys drawn at random from N, %s "
        "accesses per pass, uniform or Zipf(1.0) over ranks (integer CDF); "
        "every variant runs the same sequence. Each measurement flushes the "
        "cache, runs one untimed pass that checks every result against the "
        "expected object and one that calibrates, then times whole passes "
        "with `ktime_get_ns()` for at least %s us (smallest clock step seen: %s ns; shortest loop "
        "in this run: see loop_ns in the raw data); the sum of all results "
        "must match. The timed passes run with hit statistics %s; the hit "
        "ratio counts a miss for each fill, kept or dropped, in the cache's "
        "per-CPU counters over the timed passes (every miss fills). "
        "Variants are interleaved within each "
        "repetition, their order rotating by one each repetition; ratios "
        "are taken within a repetition, then the median (min..max) over "
        "repetitions is shown." % (c.get("seq_len", "?"),
                                   c.get("target_us", "?"),
                                   c.get("clock_step_ns", "?"),
                                   stats_state(t)),
        "- Miss path: 2 x ways of the N keys that map to one set, in turn, "
        "so round-robin replacement misses every time (checked: one fill "
        "per lookup); "
        "lookup + table + fill against the table alone on the same keys, "
        "interleaved. Invalidation: %s keys cached on this CPU, then "
        "`pcpu_lookup_cache_invalidate()` of each, or one "
        "`pcpu_lookup_cache_invalidate_many()` of all (refilled untimed "
        "between)." % (t["invalidate"][0]["batch"] if t["invalidate"]
                       else "?"),
    ]


def _s(x, nd=2):
    return "%s (%s..%s)" % (fmt(x["median"], nd), fmt(x["min"], nd),
                            fmt(x["max"], nd))


def markdown(t, png):
    md = ["## Library against its backing tables on UML (ns)\n"]
    if png:
        md.append("![ns per lookup](%s)\n" % png)
    md.append("ns per lookup: median (min..max) over repetitions; "
              "\"x ref\" is the cost over the limit reference (array "
              "read), \"x mkl\" a library row's cost over the minimal "
              "keyed lookup of the same total entries (`mkl256` for 64x4, "
              "`mkl2048` for 512x4) on the same table, and \"speedup\" "
              "the table alone over the variant, all per repetition. "
              "`mklN` rows are the minimal keyed lookup (hit ratio: of a "
              "warm pass).\n")
    for s in t["scenarios"]:
        md.append("### N=%d, H=%d, %s\n" % (s["n"], s["hot"], s["dist"]))
        md.append("| table | cache | ns/lookup | x ref | x mkl | speedup "
                  "vs table alone | hit ratio |")
        md.append("|---|---|---|---|---|---|---|")
        for r in s["rows"]:
            md.append("| %s | %s | %s | %s | %s | %s | %s |" % (
                r["table"], r["cache"], _s(r["ns"]),
                _s(r["x_ref"]) if "x_ref" in r else "-",
                _s(r["x_mkl"]) if "x_mkl" in r else "-",
                _s(r["speedup_vs_table"], 1) if "speedup_vs_table" in r
                else "-",
                fmt(100 * r["hit_ratio"]["median"]) + "%"
                if "hit_ratio" in r else "-"))
        md.append("")
    md.append("### Miss path\n")
    md.append("| N | table | cache | uncached ns | miss+fill ns | ratio | "
              "every lookup missed |")
    md.append("|---|---|---|---|---|---|---|")
    for m in t["miss_path"]:
        md.append("| %d | %s | %s | %s | %s | %s | %s |" % (
            m["n"], m["table"], m["cache"], _s(m["uncached_ns"]),
            _s(m["cached_ns"]), _s(m["ratio"], 3),
            "yes" if m["all_missed"] else "NO"))
    md.append("")
    md.append("### Invalidation\n")
    md.append("| cache | CPUs | one key, ns/call | batch | batch, ns/call |")
    md.append("|---|---|---|---|---|")
    for i in t["invalidate"]:
        md.append("| %s | %d | %s | %d | %s |" % (
            i["cache"], i["cpus"], _s(i["one_ns"], 1), i["batch"],
            _s(i["batch_ns"], 1)))
    md.append("")
    if t["cost"]:
        c = t["cost"]
        md.append("### The unit suite's cost loops, without test hooks\n")
        md.append("%s cache, 128 keys that fit, %d lookups per loop, %d "
                  "repetitions: hit %s ns, limit reference %s ns (hit/ref "
                  "%sx), miss + fill on a 1x1 cache %s ns.\n" %
                  (c["geometry"], c["loops"], c["reps"], _s(c["hit_ns"]),
                   _s(c["ref_ns"]), _s(c["hit_x_ref"]),
                   _s(c["miss_fill_ns"])))
        if c.get("hit_nostats_ns"):
            md.append("The same hits with hit statistics off (contract "
                      "point 7, the default): %s ns, %sx the hit with them "
                      "on. The other figures of this section are measured "
                      "with them on; the scenario tables and the miss path "
                      "with them %s.\n" %
                      (_s(c["hit_nostats_ns"]), _s(c["nostats_x_hit"]),
                       stats_state(t)))
    for n in t["notes"]:
        md.append("Note: %s\n" % " ".join("%s %s" % kv for kv in n.items()))
    return md


def plot(t, out):
    """ns per lookup against H at the largest N, both distributions."""
    sc = t["scenarios"]
    nmax = max(s["n"] for s in sc)
    cols = sorted({(r["table"], r["cache"]) for s in sc for r in s["rows"]},
                  key=lambda c: (c[0] != "ref", c[0], c[1] != "none",
                                 is_mkl(c[1]), c[1]))
    dats = []
    for dist in ("uniform", "zipf"):
        dat = os.path.join(out, "plot-uml-ns-%s.dat" % dist)
        with open(dat, "w") as f:
            f.write("# H " + " ".join("%s/%s" % c for c in cols) + "\n")
            for s in sc:
                if s["n"] != nmax or s["dist"] != dist:
                    continue
                rows = {(r["table"], r["cache"]): r for r in s["rows"]}
                f.write("%d %s\n" % (s["hot"], " ".join(
                    fmt(rows[c]["ns"]["median"], 3) if c in rows else "NaN"
                    for c in cols)))
        dats.append((dist, dat))
    png = os.path.join(out, "uml-ns-per-lookup.png")
    colours = {"ref": "black", "hlist64": "dark-red", "hlist512": "blue",
               "rht": "dark-green"}
    dashes = {"none": 1, "64x4": 2, "512x4": 3, "mkl256": 4, "mkl2048": 5}
    plots = []
    for dist, dat in dats:
        plots.append("set title 'N=%d, %s access'\nplot %s\n" % (
            nmax, "Zipf(1.0)" if dist == "zipf" else "uniform",
            ", ".join("'%s' using 1:%d with linespoints lw 2 lc rgb '%s' "
                      "dt %d pt %d title '%s'" %
                      (dat, i + 2, colours.get(c[0], "gray"),
                       dashes.get(c[1], 4), 5 + 2 * (i % 4),
                       c[0] if c[1] == "none" else
                       "%s + minimal keyed %s" % (c[0], c[1][3:])
                       if is_mkl(c[1]) else "%s + %s cache" % c)
                      for i, c in enumerate(cols))))
    script = """
set terminal pngcairo size 1300,620 noenhanced
set output '%s'
set multiplot layout 1,2 title 'ns per lookup on UML (pcpu_lookup_cache_bench, medians); solid: table alone, dashed: 64x4 cache, dotted: 512x4 cache, dash-dot: minimal keyed lookup'
set logscale xy
set xlabel 'hot set H (keys)'
set ylabel 'ns per lookup (log)'
set key outside bottom center horizontal maxrows 6 font ',9'
set grid
%s
unset multiplot
""" % (png, "".join(plots))
    return bench_common.gnuplot(script, png)
