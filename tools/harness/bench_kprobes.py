# SPDX-License-Identifier: GPL-2.0
"""The kprobes part of the 'make bench' report (used by bench-report.py).

Input: the 'kprobes_bench:' lines that kprobes_cache.kpc_test_bench prints
(kernel/kprobes_cache_kunit_bench.c), one file for the main boot and one with the
lines of all geometry sweep boots. Every figure is computed from them:
medians and min/max over the interleaved rounds of one boot, ratios of
figures measured in the same boot. Targets without data are NOT MEASURED."""

import os
import re
import statistics

import bench_common

KV = re.compile(r"(\w+) (\S+)")


def _fields(text):
    return {k: bench_common.num(v) for k, v in KV.findall(text)}


def parse(paths):
    """Return {'setup': [...], 'fill': [...], 'hit': [...], 'enable': [...],
    'sweep': [...], 'unregister': [...], 'auto': [...], 'register': [...]},
    one dict per line ('auto': the "auto stage" lines of a bench_auto=1
    boot; 'register': the registration timing, cache on and none)."""
    data = {k: [] for k in ("setup", "fill", "hit", "enable", "sweep",
                            "unregister", "auto", "register")}
    boot = 0
    for path in paths:
        if not path or not os.path.exists(path):
            continue
        with open(path) as f:
            for line in f:
                if "kprobes_bench:" not in line:
                    continue
                text = line.split("kprobes_bench:", 1)[1].strip()
                kind, _, rest = text.partition(" ")
                if kind not in data:
                    continue
                if kind == "setup":
                    boot += 1
                row = _fields(rest)
                row["boot"] = boot
                data[kind].append(row)
    return data


stats = bench_common.spread


def _ratio_stats(num, den):
    """Median ratio of medians, and the spread and median of per-round
    ratios."""
    if not num or not den:
        return None
    per_round = [a / b for a, b in zip(num, den) if b]
    return {"median": statistics.median(num) / statistics.median(den),
            "round_median": statistics.median(per_round)
            if per_round else None,
            "round_min": min(per_round) if per_round else None,
            "round_max": max(per_round) if per_round else None,
            "n": len(per_round)}


def _phases(rows):
    """The rows of one (path, registered, enabled, cache) group, split into
    phases ({round: row} each): a group measured twice (the floor, before
    the fillers and after unregistering them) has 2."""
    phases = []
    for r in rows:
        if not phases or r["round"] in phases[-1]:
            phases.append({})
        phases[-1][r["round"]] = r
    return phases


def _hit_ratio(rows):
    h = sum(r.get("lookup_hits", 0) for r in rows)
    m = sum(r.get("lookup_misses", 0) for r in rows)
    return h / (h + m) if h + m else None


def summarize(data):
    """Figures for results.json and the report."""
    out = {"setup": data["setup"], "fill": data["fill"],
           "unregister": data["unregister"], "hit": [], "enable": None,
           "sweep": [], "ratios": {}, "register": None}
    main_boot = min((r["boot"] for r in data["hit"]), default=None)
    hit = [r for r in data["hit"] if r["boot"] == main_boot]
    groups = {}
    for r in hit:
        key = (r["path"], r["registered"], r.get("enabled", 0), r["cache"])
        groups.setdefault(key, []).append(r)
    groups = {k: _phases(v) for k, v in groups.items()}
    for (path, reg, enabled, cache), phases in sorted(groups.items()):
        rows = [r for ph in phases for r in ph.values()]
        rounds = sorted(set().union(*phases))
        # per round: the mean over the phases, in round order
        ns = [statistics.mean(ph[i]["ps_per_hit"] / 1000.0
                              for ph in phases if i in ph) for i in rounds]
        out["hit"].append({
            "path": path, "registered": reg, "enabled": enabled,
            "cache": cache, "hot": rows[0]["hot"], "phases": len(phases),
            "ns": stats([r["ps_per_hit"] / 1000.0 for r in rows]),
            "ns_phase_median": [statistics.median(
                r["ps_per_hit"] / 1000.0 for r in ph.values())
                for ph in phases],
            "ns_rounds": ns,
            "hit_ratio": _hit_ratio(rows) if cache == "on" else None})
    idx = {(h["path"], h["registered"], h["enabled"], h["cache"]): h
           for h in out["hit"]}
    if len({h["registered"] for h in out["hit"]}) >= 2:
        few = min(h["registered"] for h in out["hit"])
        many = max(h["registered"] for h in out["hit"])
        en_many = max(h["enabled"] for h in out["hit"]
                      if h["registered"] == many)
        for path in sorted({h["path"] for h in out["hit"]}):
            on_many = idx.get((path, many, en_many, "on"))
            on_few = idx.get((path, few, 0, "on"))
            off_many = idx.get((path, many, en_many, "off"))
            off_few = idx.get((path, few, 0, "off"))
            r = {"few": few, "many": many, "enabled": en_many}
            if on_many and on_few:
                r["on_many_vs_on_few"] = _ratio_stats(on_many["ns_rounds"],
                                                      on_few["ns_rounds"])
            if off_many and on_many:
                r["off_vs_on_many"] = _ratio_stats(off_many["ns_rounds"],
                                                   on_many["ns_rounds"])
            if off_many and off_few:
                r["off_many_vs_off_few"] = _ratio_stats(
                    off_many["ns_rounds"], off_few["ns_rounds"])
            if on_few and off_few:
                r["on_vs_off_few"] = _ratio_stats(on_few["ns_rounds"],
                                                  off_few["ns_rounds"])
            out["ratios"][path] = r

    en = [r for r in data["enable"] if r["boot"] == main_boot]
    if en:
        e = {"probes": en[0]["probes"], "registered": en[0]["registered"]}
        for cache in ("on", "off"):
            rows = sorted((r for r in en if r["cache"] == cache),
                          key=lambda r: r["round"])
            e[cache] = {"enable_ms": stats([r["enable_us"] / 1000.0
                                            for r in rows]),
                        "disable_ms": stats([r["disable_us"] / 1000.0
                                             for r in rows]),
                        "enable_rounds": [r["enable_us"] / 1000.0
                                          for r in rows],
                        "disable_rounds": [r["disable_us"] / 1000.0
                                           for r in rows]}
        e["speedup_enable"] = _ratio_stats(e["off"]["enable_rounds"],
                                           e["on"]["enable_rounds"])
        e["speedup_disable"] = _ratio_stats(e["off"]["disable_rounds"],
                                            e["on"]["disable_rounds"])
        out["enable"] = e

    out["register"] = register_summarize(data, main_boot)

    bytes_of = {(s["sets"], s["ways"]): s["bytes_per_cpu"]
                for s in data["setup"]}
    sw = {}
    for r in data["sweep"]:
        sw.setdefault((r["sets"], r["ways"], r["hot"], r["boot"]),
                      {}).setdefault(r["cache"], []).append(r)
    for (sets, ways, hot, boot), by in sorted(sw.items()):
        on = sorted(by.get("on", []), key=lambda r: r["round"])
        off = sorted(by.get("off", []), key=lambda r: r["round"])
        on_ns = [r["ps_per_hit"] / 1000.0 for r in on]
        off_ns = [r["ps_per_hit"] / 1000.0 for r in off]
        out["sweep"].append({"geometry": "%dx%d" % (sets, ways),
                             "sets": sets, "ways": ways,
                             "bytes_per_cpu": bytes_of.get((sets, ways)),
                             "hot": hot, "registered": on[0]["registered"]
                             if on else None, "boot": boot,
                             "on_ns": stats(on_ns), "off_ns": stats(off_ns),
                             "on_vs_off": _ratio_stats(on_ns, off_ns),
                             "hit_ratio": _hit_ratio(on)})
    return out


def register_summarize(data, boot):
    """Registration timing of one boot: per cache state, the register,
    enable, register+enable, optimize and unregister times (ms), and the
    invalidation rounds and IPIs of the cache-on rounds."""
    reg = [r for r in data["register"] if boot is None or r["boot"] == boot]
    if not reg:
        return None
    out = {"probes": reg[0]["probes"], "cpus": reg[0].get("cpus")}
    for cache in ("on", "off"):
        rows = sorted((r for r in reg if r["cache"] == cache),
                      key=lambda r: r["round"])
        ms = {k: [r[k + "_us"] / 1000.0 for r in rows]
              for k in ("register", "enable", "optimize", "unregister")}
        ms["register_enable"] = [a + b for a, b in zip(ms["register"],
                                                       ms["enable"])]
        out[cache] = {k + "_ms": stats(v) for k, v in ms.items()}
        out[cache]["rounds_ms"] = ms
        out[cache]["invalidations"] = sum(r["rounds"] for r in rows)
        out[cache]["ipis"] = sum(r["ipis"] for r in rows)
        out[cache]["n"] = len(rows)
    for k in ("register", "enable", "register_enable"):
        out["on_vs_off_" + k] = _ratio_stats(out["on"]["rounds_ms"][k],
                                             out["off"]["rounds_ms"][k])
    inv = out["on"]["invalidations"]
    out["ipis_per_invalidation"] = out["on"]["ipis"] / inv if inv else None
    return out


def register_table(g, unit):
    """The registration table of report.md for register_summarize()'s @g;
    @unit names its "ms" figures (ms, or millions of instructions)."""
    md = ["%d probes with only a pre_handler registered disabled "
          "on the never-called NOP sled, then enabled, then the "
          "optimizer waited for and all unregistered at once; "
          "with a fixed 256x4 cache and with none (auto mode "
          "with an unreachable threshold), alternating, in one "
          "boot (%s CPU%s). On x86 each registration wraps the probe in an "
          "optimized aggregator, which invalidates its address. "
          "IPIs are the `ipis` counter of the cache, summed over "
          "CPUs.\n" % (g["probes"], g.get("cpus") or "?",
                        "" if g.get("cpus") == 1 else "s")]
    md.append("| cache | rounds | register %s | enable %s | "
              "register+enable %s | optimize %s | unregister %s | "
              "invalidations | IPIs |" % ((unit,) * 5))
    md.append("|---|---|---|---|---|---|---|---|---|")
    for cache, name in (("on", "256x4"), ("off", "none")):
        c = g[cache]
        md.append("| %s | %d | %s | %s | %s | %s | %s | %d | %d |" %
                  (name, c["n"], f(c["register_ms"]["median"], 0),
                   f(c["enable_ms"]["median"], 0),
                   f(c["register_enable_ms"]["median"], 0),
                   f(c["optimize_ms"]["median"], 0),
                   f(c["unregister_ms"]["median"], 0),
                   c["invalidations"], c["ipis"]))
    q = g.get("on_vs_off_register_enable") or {}
    md.append("\nMedians over the rounds. Cache on / none: register "
              "%sx, enable %sx, register+enable %sx (per-round %s..%s).\n" %
              (tuple(f((g.get("on_vs_off_" + k) or {}).get("median"), 3)
                     for k in ("register", "enable", "register_enable")) +
               (f(q.get("round_min"), 3), f(q.get("round_max"), 3))))
    return md


def f(x, nd=1):
    return "-" if x is None else ("%%.%df" % nd) % x


def register_targets(kp):
    """(status, text) lines for issue 10, part 3."""
    g = kp.get("register") if kp else None
    if not g or not g.get("on_vs_off_register_enable"):
        return [("NOT MEASURED", "registering and enabling 20000 probes "
                 "with the cache on <= 1.05x the time with none: no "
                 "registration data in this run"),
                ("NOT MEASURED", "an invalidation of a key that no CPU "
                 "holds sends no IPI: no registration data in this run")]
    q = g["on_vs_off_register_enable"]
    on, off = g["on"], g["off"]
    lines = [(
        "PASS" if q["median"] <= 1.05 else "FAIL",
        "registering and enabling %d probes with a 256x4 cache <= 1.05x "
        "the time with none (same boot, alternating): %sx (on %s ms / "
        "none %s ms median; per-round %s..%s, %d rounds)" %
        (g["probes"], f(q["median"], 3),
         f(on["register_enable_ms"]["median"], 0),
         f(off["register_enable_ms"]["median"], 0),
         f(q["round_min"], 3), f(q["round_max"], 3), q["n"]))]
    if not on["invalidations"]:
        lines.append(("NOT MEASURED", "IPIs per invalidation at "
                      "registration: the registrations invalidated "
                      "nothing (no optimizable probe?)"))
    else:
        lines.append((
            "PASS" if on["ipis"] == 0 else "FAIL",
            "an invalidation of a key that no CPU holds sends no IPI: "
            "registering %d never-hit probes, %d rounds: %d invalidations, "
            "%d IPIs (%s per invalidation)" %
            (g["probes"], on["n"], on["invalidations"], on["ipis"],
             f(g["ipis_per_invalidation"], 3))))
    return lines


def targets(kp):
    """(status, text) lines for the issue 5 section 3 targets."""
    lines = []
    if not kp or not kp["ratios"]:
        lines.append(("NOT MEASURED", "kprobes per-hit cost at ~20k "
                      "registered <= 1.1x the cost at 2 registered: no "
                      "kprobes data in this run"))
    else:
        for path in ("int3", "ftrace"):
            r = kp["ratios"].get(path, {})
            q = r.get("on_many_vs_on_few")
            if not q:
                lines.append(("NOT MEASURED", "kprobes %s path per-hit "
                              "cost: missing rows" % path))
                continue
            off = r.get("off_vs_on_many")
            lines.append((
                "PASS" if q["median"] <= 1.1 else "FAIL",
                "kprobes %s path, per-hit cost with %d registered (%d "
                "enabled fillers) <= 1.1x the cost with %d registered "
                "(cache on, same boot): %sx (per-round %s..%s, %d rounds); "
                "cache off at %d is %sx the cache-on cost" %
                (path, r["many"], r["enabled"], r["few"], f(q["median"], 3),
                 f(q["round_min"], 3), f(q["round_max"], 3), q["n"],
                 r["many"], f(off["median"], 2) if off else "-")))
    e = kp.get("enable") if kp else None
    if not e or not e.get("speedup_enable"):
        lines.append(("NOT MEASURED", "enabling 20k probes >= 1.5x faster "
                      "than with the cache off: no enable data in this run"))
    else:
        q = e["speedup_enable"]
        lines.append((
            "PASS" if q["median"] >= 1.5 else "FAIL",
            "enabling %d probes (%d registered) >= 1.5x faster with the "
            "cache on than off (same boot): %sx (off %s ms / on %s ms "
            "median; per-round %s..%s, %d rounds)" %
            (e["probes"], e["registered"], f(q["median"], 2),
             f(e["off"]["enable_ms"]["median"], 0),
             f(e["on"]["enable_ms"]["median"], 0),
             f(q["round_min"], 2), f(q["round_max"], 2), q["n"])))
    return lines + register_targets(kp)


def plot(kp, outdir):
    """ns per hit (cache on) against the hot set, one line per geometry."""
    if not kp or not kp["sweep"]:
        return None
    geos = sorted({(s["sets"], s["ways"]) for s in kp["sweep"]},
                  key=lambda g: (g[0] * g[1], g[1]))
    hots = sorted({s["hot"] for s in kp["sweep"]})
    idx = {(s["sets"], s["ways"], s["hot"]): s for s in kp["sweep"]}
    dat = os.path.join(outdir, "plot-kprobes-sweep.dat")
    with open(dat, "w") as fd:
        fd.write("# hot " + " ".join("%dx%d" % g for g in geos) +
                 " off(%dx%d boot)\n" % geos[0])
        for h in hots:
            row = [str(h)]
            for g in geos:
                s = idx.get((g[0], g[1], h))
                row.append(f(s["on_ns"]["median"], 1)
                           if s and s["on_ns"] else "NaN")
            s = idx.get((geos[0][0], geos[0][1], h))
            row.append(f(s["off_ns"]["median"], 1)
                       if s and s["off_ns"] else "NaN")
            fd.write(" ".join(row) + "\n")
    png = os.path.join(outdir, "kprobes-sweep.png")
    series = ["'%s' using 1:%d with linespoints title 'cache %dx%d'" %
              (dat, i + 2, g[0], g[1]) for i, g in enumerate(geos)]
    series.append("'%s' using 1:%d with linespoints dt 2 title "
                  "'cache off (%dx%d boot)'" % (dat, len(geos) + 2,
                                               geos[0][0], geos[0][1]))
    script = """set terminal png size 900,560
set output '%s'
set title 'kprobes int3 path: ns per hit against the hot set (x86-64 QEMU TCG)' noenhanced
set logscale x 2
set logscale y
set xlabel 'hot probes (one call hits each once)'
set ylabel 'ns per hit (median, log)'
set key top left
plot %s
""" % (png, ", ".join(series))
    return bench_common.gnuplot(script, png)


def headline(kp):
    md = []
    if not kp:
        return md
    s = kp["setup"][0] if kp["setup"] else {}
    for path in ("int3", "ftrace"):
        r = kp["ratios"].get(path)
        if not r:
            continue
        by = {(h["registered"], h["enabled"], h["cache"]): h
              for h in kp["hit"] if h["path"] == path}
        parts = []
        for reg, en in ((r["few"], 0), (r["many"], r["enabled"])):
            for cache in ("off", "on"):
                h = by.get((reg, en, cache))
                if h:
                    parts.append("%d registered cache %s %s ns" %
                                 (reg, cache, f(h["ns"]["median"], 0)))
        md.append("- kprobes %s path per hit (x86_64 QEMU TCG, -smp %s, "
                  "non-debug, %sx%s cache, all CPUs): %s." %
                  (path, s.get("cpus", "?"), s.get("sets", "?"),
                   s.get("ways", "?"), "; ".join(parts)))
    return md


def section(kp, png, cfg):
    """The kprobes sections of report.md."""
    md = []
    if not kp:
        return md
    s = kp["setup"][0] if kp["setup"] else {}
    fl = kp["fill"][0] if kp["fill"] else {}
    md.append("## kprobes end to end (x86_64 QEMU TCG)\n")
    md.append("- Kernel: tools/harness/bench-x86.kunitconfig (olddefconfig), "
              "build/bench-x86: " + ", ".join("%s=%s" % kv
                                               for kv in cfg.items()))
    md.append("- Boot: %s vCPUs, cache geometry %sx%s (%s bytes per CPU); "
              "%s hot probes per path, %s calls per hot function, CPU and "
              "run; %s rounds." %
              (s.get("cpus"), s.get("sets"), s.get("ways"),
               s.get("bytes_per_cpu"), s.get("hot_per_path"),
               s.get("calls"), s.get("rounds")))
    if fl:
        md.append("- Registered: %s probes: %s hot, %s fillers on kernel "
                  "functions (%s text symbols, %s tried, %s rejected in "
                  "all), %s fillers on a NOP sled that is never called; "
                  "registration took %s ms." %
                  (fl.get("registered"), 2 * s.get("hot_per_path", 0),
                   fl.get("real_registered"), fl.get("text_symbols"),
                   fl.get("real_tried"), fl.get("rejected"), fl.get("sled"),
                   fl.get("ms")))
    md.append("- Method: KUnit case `kprobes_cache.kpc_test_bench` "
              "(`kprobes_cache_kunit.bench=1`), in one boot: (1) the floor, "
              "2 probes registered (one per path); (2) the other hot probes, "
              "half before the fillers (old: at the tail of their hash "
              "chains) and half after them, and the fillers, registered "
              "disabled (no text changes), then per-hit cost with none of "
              "them enabled; (3) enable time: enable_kprobe() on each probe "
              "of the enable set (on the never-called NOP sled), then "
              "disable_kprobe() on each, cache off and on alternating; the "
              "set is then enabled again; (4) per-hit cost with the enable "
              "set enabled; (5) the int3 sweep; (6) all but the 2 floor "
              "probes unregistered and the floor measured again. Hot "
              "probes: int3 path after the ftrace site of a function, "
              "ftrace path on a function entry, all with a post_handler "
              "(no optprobe, no boost). A kthread bound to each online CPU "
              "calls the hot functions once untimed (to warm the cache), "
              "then the timed calls, all CPUs at once; ns per hit = the "
              "CPUs' time over the hits counted by the handlers (the case "
              "checks that every CPU counted calls x probes pre- and "
              "post-handler hits, and that no filler ever ran). Cache off "
              "and on alternate in every round (off first in even rounds), "
              "in the same boot; the hit ratio is from the cache's own "
              "per-CPU counters over the timed calls. Probes are armed only "
              "on code that does not run at that time: arming on live "
              "functions crashes multi-threaded QEMU TCG guests, also "
              "pristine 7.3 ones (see kpc_test_stress_text). The "
              "cache does not take part in enable_kprobe() (text_poke() of "
              "an int3, no probe hits while enabling in this setup), so the "
              "enable-time target measures nothing the cache can change "
              "here. TCG timings, 4 vCPUs on %s host CPUs that other jobs "
              "share: compare within one boot only, and read the per-round "
              "spread.\n" % (os.cpu_count(),))
    md.append("### Per-hit cost\n")
    md.append("| path | registered | enabled fillers | hot probes | cache "
              "| ns/hit median | min | max | runs | median per phase "
              "| hit ratio |")
    md.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for h in kp["hit"]:
        md.append("| %s | %d | %d | %d | %s | %s | %s | %s | %d | %s | %s |" %
                  (h["path"], h["registered"], h["enabled"], h["hot"],
                   h["cache"], f(h["ns"]["median"]), f(h["ns"]["min"]),
                   f(h["ns"]["max"]), h["ns"]["n"],
                   " / ".join(f(x) for x in h["ns_phase_median"]),
                   "-" if h["hit_ratio"] is None else
                   f(100 * h["hit_ratio"], 2) + "%"))
    md.append("\nThe 2-registered floor is measured twice, before the "
              "fillers are registered and after they are unregistered "
              "(\"median per phase\"); its per-round figure is the mean of "
              "the two, so that it brackets the runs in between.")
    md.append("")
    md.append("| path | ratio | median | per-round min | per-round max |")
    md.append("|---|---|---|---|---|")
    for path, r in kp["ratios"].items():
        for key, name in (("on_many_vs_on_few", "cache on, %d vs %d "
                           "registered" % (r["many"], r["few"])),
                          ("off_many_vs_off_few", "cache off, %d vs %d "
                           "registered" % (r["many"], r["few"])),
                          ("off_vs_on_many", "cache off vs on, %d "
                           "registered" % r["many"]),
                          ("on_vs_off_few", "cache on vs off, %d "
                           "registered" % r["few"])):
            q = r.get(key)
            if q:
                md.append("| %s | %s | %s | %s | %s |" %
                          (path, name, f(q["median"], 3),
                           f(q["round_min"], 3), f(q["round_max"], 3)))
    md.append("")
    e = kp["enable"]
    if e:
        md.append("### Enable and disable time\n")
        md.append("| probes | registered | cache | enable ms median | min "
                  "| max | disable ms median | min | max |")
        md.append("|---|---|---|---|---|---|---|---|---|")
        for cache in ("off", "on"):
            a, d = e[cache]["enable_ms"], e[cache]["disable_ms"]
            if a and d:
                md.append("| %d | %d | %s | %s | %s | %s | %s | %s | %s |" %
                          (e["probes"], e["registered"], cache,
                           f(a["median"], 0), f(a["min"], 0),
                           f(a["max"], 0), f(d["median"], 0),
                           f(d["min"], 0), f(d["max"], 0)))
        for key, name in (("speedup_enable", "enable"),
                          ("speedup_disable", "disable")):
            q = e.get(key)
            if q:
                md.append("\n%s time, cache off / cache on: %sx (per-round "
                          "%s..%s)" % (name, f(q["median"], 2),
                                       f(q["round_min"], 2),
                                       f(q["round_max"], 2)))
        md.append("")
    g = kp.get("register")
    if g:
        md.append("### Registration time and invalidation IPIs\n")
        md.extend(register_table(g, "ms"))
    if kp["sweep"]:
        md.append("### Geometry sweep (int3 path)\n")
        md.append("One boot per geometry (`kprobe_cache=<sets>x<ways>`), the "
                  "same kernel; 1024 int3 probes, one per NOP of a function "
                  "that every CPU calls, registered disabled before the "
                  "fillers (old: at the tail of their chains, so a miss "
                  "walks the whole chain); for each hot set the first K are "
                  "enabled, so one call hits each of them once, in the same "
                  "order every time (a cyclic pattern: the worst case for "
                  "a set that gets more keys than it has ways). Cache off "
                  "is measured in each boot too (interleaved) and does not "
                  "depend on the geometry, so its spread across boots shows "
                  "the noise between boots.\n")
        if png:
            md.append("![kprobes sweep](%s)\n" % png)
        md.append("| geometry | bytes/CPU | hot K | registered | ns/hit on "
                  "(median) | min | max | ns/hit off (median) | on/off | "
                  "hit ratio |")
        md.append("|---|---|---|---|---|---|---|---|---|---|")
        for r in sorted(kp["sweep"], key=lambda r: (r["hot"],
                                                     r["sets"] * r["ways"],
                                                     r["ways"])):
            md.append("| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s |" %
                      (r["geometry"], r["bytes_per_cpu"], r["hot"],
                       r["registered"], f(r["on_ns"]["median"]),
                       f(r["on_ns"]["min"]), f(r["on_ns"]["max"]),
                       f(r["off_ns"]["median"]) if r["off_ns"] else "-",
                       f(r["on_vs_off"]["median"], 3)
                       if r["on_vs_off"] else "-",
                       f(100 * r["hit_ratio"], 2) + "%"
                       if r["hit_ratio"] is not None else "-"))
        md.append("")
    if kp["sweep"]:
        hots = sorted({r["hot"] for r in kp["sweep"]})
        by = {}
        for r in kp["sweep"]:
            by.setdefault((r["sets"], r["ways"], r["bytes_per_cpu"]),
                          {})[r["hot"]] = r
        md.append("Hit ratio by geometry and hot set, and the largest hot "
                  "set measured with at least 99% hits:\n")
        md.append("| geometry | bytes/CPU | " +
                  " | ".join("K=%d" % h for h in hots) +
                  " | largest K with >= 99% hits |")
        md.append("|---|---|" + "---|" * len(hots) + "---|")
        for (sets, ways, nbytes), rows in sorted(
                by.items(), key=lambda kv: (kv[0][0] * kv[0][1], kv[0][1])):
            ok = [h for h in hots if h in rows and
                  rows[h]["hit_ratio"] is not None and
                  rows[h]["hit_ratio"] >= 0.99]
            md.append("| %dx%d | %s | %s | %s |" % (
                sets, ways, nbytes,
                " | ".join(f(100 * rows[h]["hit_ratio"], 1) + "%"
                           if h in rows and rows[h]["hit_ratio"] is not None
                           else "-" for h in hots),
                max(ok) if ok else "none"))
        md.append("")
    if kp["unregister"]:
        u = kp["unregister"][0]
        md.append("Unregistering all %s probes at once took %s ms (main "
                  "boot).\n" % (u.get("probes"), u.get("ms")))
    return md


def no_ss_compare(kp, nk):
    """Patch 0004's effect: per-hit figures of the main boot against the
    boot of the kernel without 0004's early single-step check (nk)."""
    if not kp or not nk or not kp["hit"] or not nk["hit"]:
        return None
    a = {(h["path"], h["registered"], h["enabled"], h["cache"]): h
         for h in kp["hit"]}
    rows = []
    for h in nk["hit"]:
        w = a.get((h["path"], h["registered"], h["enabled"], h["cache"]))
        if not w:
            continue
        rows.append({"path": h["path"], "registered": h["registered"],
                     "enabled": h["enabled"], "cache": h["cache"],
                     "with_ns": w["ns"]["median"],
                     "without_ns": h["ns"]["median"],
                     "without_vs_with": h["ns"]["median"] / w["ns"]["median"]
                     if w["ns"]["median"] else None})
    # within-boot ratios, the noise-resistant comparison
    ratios = {}
    for name, k in (("with", kp), ("without", nk)):
        for path, r in k["ratios"].items():
            for key in ("off_vs_on_many", "on_many_vs_on_few",
                        "off_many_vs_off_few"):
                if r.get(key):
                    ratios.setdefault(path, {}).setdefault(key, {})[name] = \
                        r[key]["median"]
    return {"rows": rows, "ratios": ratios}


def no_ss_headline(cmp):
    """Within-boot ratios only: the two boots' absolute figures differ by
    as much as the boots do (paths the patch does not touch too)."""
    md = []
    r = cmp["ratios"].get("int3") if cmp else None
    if not r:
        return md
    parts = []
    for key, name in (("off_vs_on_many", "cache off / cache on at 40000 "
                       "registered"),
                      ("on_many_vs_on_few", "cache on, 40000 / 2 "
                       "registered")):
        v = r.get(key)
        if v and v.get("with") and v.get("without"):
            parts.append("%s %sx with it, %sx without" %
                         (name, f(v["with"], 2), f(v["without"], 2)))
    if parts:
        md.append("- What the single-step patch (\"x86/kprobes: Recognise "
                  "the single-step int3 before the kprobe lookup\") buys, "
                  "int3 path, ratios within each of two boots (with and "
                  "without it): %s." % "; ".join(parts))
    return md


def no_ss_section(cmp):
    md = []
    if not cmp:
        return md
    md.append("### What the single-step patch buys\n")
    md.append("The main boot's per-hit figures again, on a second kernel: "
              "the same series and config with the early single-step "
              "check of \"x86/kprobes: Recognise the single-step int3 "
              "before the kprobe lookup\" (patches/0004-*) taken out of "
              "kprobe_int3_handler() "
              "(tools/harness/bench-no-ss-int3.diff), so that the int3 "
              "ending a single-stepped slot goes through "
              "get_kprobe_cached() again, misses and walks the hash bucket "
              "as before that patch. Every int3 probe single-steps on 7.3 x86 "
              "(no boosting with PREEMPT_LAZY, and these probes have a "
              "post_handler). Two kernels means two boots: the ns columns "
              "compare across boots, the ratios below them within each "
              "boot.\n")
    md.append("| path | registered | enabled fillers | cache | ns/hit "
              "with it | ns/hit without it | without / with |")
    md.append("|---|---|---|---|---|---|---|")
    for r in cmp["rows"]:
        md.append("| %s | %d | %d | %s | %s | %s | %s |" %
                  (r["path"], r["registered"], r["enabled"], r["cache"],
                   f(r["with_ns"]), f(r["without_ns"]),
                   f(r["without_vs_with"], 3)))
    md.append("")
    md.append("| path | within-boot ratio | with it | without it |")
    md.append("|---|---|---|---|")
    names = {"off_vs_on_many": "cache off / on, many registered",
             "on_many_vs_on_few": "cache on, many / 2 registered",
             "off_many_vs_off_few": "cache off, many / 2 registered"}
    for path, rs in cmp["ratios"].items():
        for key, v in rs.items():
            md.append("| %s | %s | %s | %s |" %
                      (path, names[key], f(v.get("with"), 3),
                       f(v.get("without"), 3)))
    md.append("")
    return md


def _ratio_cell(r):
    if not r:
        return "NOT MEASURED"
    return "%sx (rounds %s to %s)" % (f(r["median"], 3),
                                      f(r["round_min"], 3),
                                      f(r["round_max"], 3))


def arm64_headline(ka):
    """The arm64 main boot (issue 12): within-boot ratios only."""
    md = []
    r = ka["ratios"].get("brk") if ka else None
    if not r:
        md.append("- kprobes on arm64: NOT MEASURED (no figures from the "
                  "arm64 boot; see the make bench output).")
        return md
    parts = []
    for key, name in (("off_vs_on_many", "cache off / on at %d registered"
                       % r["many"]),
                      ("on_many_vs_on_few", "cache on, %d / %d registered"
                       % (r["many"], r["few"])),
                      ("on_vs_off_few", "cache on / off at %d registered"
                       % r["few"])):
        if r.get(key):
            parts.append("%s %sx" % (name, f(r[key]["median"], 2)))
    md.append("- kprobes on arm64 (QEMU TCG, -smp 4, non-debug), BRK path "
              "per hit, ratios within one boot: %s." % "; ".join(parts))
    return md


def _hit_table(hits, ratio_nd=1):
    """The per-hit table of a boot's groups: one row per path, registered,
    enabled fillers and cache state; hit ratio with ratio_nd decimals."""
    md = ["| path | registered | enabled fillers | cache | ns/hit "
          "median | min | max | rounds | hit ratio |",
          "|---|---|---|---|---|---|---|---|---|"]
    for h in hits:
        md.append("| %s | %d | %d | %s | %s | %s | %s | %d x %d | %s |" %
                  (h["path"], h["registered"], h["enabled"], h["cache"],
                   f(h["ns"]["median"]), f(h["ns"]["min"]),
                   f(h["ns"]["max"]), h["phases"], len(h["ns_rounds"]),
                   "-" if h["hit_ratio"] is None
                   else f(100 * h["hit_ratio"], ratio_nd) + "%"))
    return md


def arm64_section(ka, cfg):
    """The arm64 per-hit figures (issue 12, point 5)."""
    md = ["### kprobes on arm64\n"]
    if not ka:
        md.append("NOT MEASURED: the arm64 stage of make bench failed or "
                  "printed no `kprobes_bench:` lines.\n")
        return md
    s = ka["setup"][0] if ka["setup"] else {}
    fl = ka["fill"][0] if ka["fill"] else {}
    md.append("`kprobes_cache.kpc_test_bench` (the main boot's parameters, "
              "no sweep) on a non-debug arm64 kernel "
              "(tools/harness/bench-arm64.kunitconfig, cross-built with "
              "gcc-aarch64-linux-gnu) under QEMU TCG, `-smp 4 -cpu "
              "max,pauth-impdef=on`, %s CPUs, %sx%s cache (%s bytes per "
              "CPU). arm64 has no kprobes on ftrace, so only the "
              "breakpoint path (`brk`: BRK, kprobe_brk_handler()) is timed, "
              "and the floor has %s registered; %s registered in all "
              "(%s on kernel functions, %s on the NOP sled). The host "
              "emulates arm64 in software, so the ns columns say little "
              "about a real arm64 CPU; the ratios are the result.\n" %
              (s.get("cpus", "?"), s.get("sets", "?"), s.get("ways", "?"),
               s.get("bytes_per_cpu", "?"),
               min((h["registered"] for h in ka["hit"]), default="?"),
               max((h["registered"] for h in ka["hit"]), default="?"),
               fl.get("real_registered", "?"), fl.get("sled", "?")))
    if cfg:
        md.append("Kernel config: " + ", ".join("%s=%s" % kv
                                                 for kv in cfg.items()) +
                  "\n")
    md.extend(_hit_table(ka["hit"]))
    md.append("")
    r = ka["ratios"].get("brk")
    if r:
        md.append("| within-boot ratio (median of medians; per-round "
                  "range) | value |")
        md.append("|---|---|")
        for key, name in (
                ("off_vs_on_many", "cache off / on, %d registered" %
                 r["many"]),
                ("on_many_vs_on_few", "cache on, %d / %d registered" %
                 (r["many"], r["few"])),
                ("off_many_vs_off_few", "cache off, %d / %d registered" %
                 (r["many"], r["few"])),
                ("on_vs_off_few", "cache on / off, %d registered" %
                 r["few"])):
            md.append("| %s | %s |" % (name, _ratio_cell(r.get(key))))
        md.append("")
    if ka["enable"]:
        e = ka["enable"]
        md.append("Enabling %d probes (%d registered): cache off %s ms, on "
                  "%s ms (medians); disabling: off %s ms, on %s ms.\n" %
                  (e["probes"], e["registered"],
                   f(e["off"]["enable_ms"]["median"]),
                   f(e["on"]["enable_ms"]["median"]),
                   f(e["off"]["disable_ms"]["median"]),
                   f(e["on"]["disable_ms"]["median"])))
    return md


AUTO_STAGES = ("boot", "floor", "filled", "enabled", "unregistered")
# the auto stage whose cache the floor's phases ran with, in phase order
AUTO_FLOOR_PHASES = ("floor", "unregistered")


def _geometry(sets, ways):
    return "%dx%d" % (sets, ways) if sets else "none"


def auto_summarize(data, kp=None):
    """The bench_auto=1 boot (kprobe_cache=auto): the cache's size at each
    stage, the 2-registered floor (no cache: "cache on" and "cache off"
    run the same code) on against off, the main figures of summarize(),
    and, if @kp (the main boot, fixed cache) has them, the floor against
    the main boot's floor with its cache off, across the two boots. None
    if @data has no "auto stage" lines."""
    if not data["auto"]:
        return None
    ka = summarize(data)
    # one boot (its "boot" stage line comes before its setup line)
    stages = [{"stage": a["stage"], "registered": a["registered"],
               "sets": a["sets"], "ways": a["ways"],
               "geometry": _geometry(a["sets"], a["ways"]),
               "bytes_per_cpu": a["bytes_per_cpu"]} for a in data["auto"]]
    by_stage = {s["stage"]: s for s in stages}
    out = {"stages": stages, "setup": ka["setup"], "fill": ka["fill"],
           "unregister": ka["unregister"], "hit": ka["hit"],
           "ratios": ka["ratios"], "enable": ka["enable"], "floor": {},
           "cross_boot": None}
    if not data["hit"]:
        return out
    boot = min(r["boot"] for r in data["hit"])
    hit = [r for r in data["hit"] if r["boot"] == boot]
    few = min(r["registered"] for r in hit)
    for path in sorted({r["path"] for r in hit}):
        ph = {c: _phases([r for r in hit if r["path"] == path and
                          r["registered"] == few and
                          r.get("enabled", 0) == 0 and r["cache"] == c])
              for c in ("on", "off")}
        phases, same_on, same_off = [], [], []
        for i, (pon, poff) in enumerate(zip(ph["on"], ph["off"])):
            name = (AUTO_FLOOR_PHASES[i] if i < len(AUTO_FLOOR_PHASES)
                    else "phase %d" % i)
            st = by_stage.get(name)
            rounds = sorted(set(pon) & set(poff))
            on = [pon[k]["ps_per_hit"] / 1000.0 for k in rounds]
            off = [poff[k]["ps_per_hit"] / 1000.0 for k in rounds]
            # no cache at that stage: the static branch is off either way
            same = bool(st) and st["sets"] == 0
            phases.append({
                "phase": name, "sets": st["sets"] if st else None,
                "geometry": _geometry(st["sets"], st["ways"]) if st
                else None, "same_code": same, "on_ns": stats(on),
                "off_ns": stats(off), "on_vs_off": _ratio_stats(on, off),
                "lookup_hits": sum(pon[k].get("lookup_hits", 0)
                                   for k in rounds)})
            if same:
                same_on += on
                same_off += off
        out["floor"][path] = {
            "registered": few, "phases": phases,
            "same_code_phases": [p["phase"] for p in phases
                                 if p["same_code"]],
            "on_ns": stats(same_on), "off_ns": stats(same_off),
            "on_vs_off": _ratio_stats(same_on, same_off)}
    # many registered, none of the enable set enabled yet (the "filled"
    # stage's cache), against the floor
    idx = {(h["path"], h["registered"], h["enabled"], h["cache"]): h
           for h in ka["hit"]}
    for path, r in ka["ratios"].items():
        on_filled = idx.get((path, r["many"], 0, "on"))
        on_few = idx.get((path, r["few"], 0, "on"))
        if on_filled and on_few and r["enabled"]:
            r["on_filled_vs_on_few"] = _ratio_stats(on_filled["ns_rounds"],
                                                    on_few["ns_rounds"])
    if kp and kp["hit"]:
        ks = kp["setup"][0] if kp["setup"] else {}
        kfew = min(h["registered"] for h in kp["hit"])
        cross = {}
        for path, fl in out["floor"].items():
            m = next((h for h in kp["hit"] if h["path"] == path and
                      h["registered"] == kfew and h["enabled"] == 0 and
                      h["cache"] == "off"), None)
            if not m or not fl["on_ns"] or not m["ns"]:
                continue
            mo = m["ns"]["median"]
            cross[path] = {
                "main_registered": kfew,
                "main_geometry": _geometry(ks.get("sets", 0),
                                           ks.get("ways", 0)),
                "main_off_ns": mo, "auto_on_ns": fl["on_ns"]["median"],
                "auto_off_ns": fl["off_ns"]["median"],
                "auto_on_vs_main_off": fl["on_ns"]["median"] / mo
                if mo else None,
                "auto_off_vs_main_off": fl["off_ns"]["median"] / mo
                if mo else None}
        out["cross_boot"] = cross or None
    return out


def _auto_stage_text(ka):
    return ", ".join("%s %s B (%s%s)" %
                     (s["stage"], s["bytes_per_cpu"],
                      "no cache" if not s["sets"] else s["geometry"],
                      ", %d registered" % s["registered"]
                      if s["stage"] != "boot" else "")
                     for s in ka["stages"])


def _auto_many_vs_few(ka):
    """(path, ratios, on_many_vs_on_few, geometry) per path of an auto
    boot: many registered with the auto-sized cache (the "enabled" stage's
    geometry) on, against the floor (no cache)."""
    geo = {s["stage"]: s for s in ka["stages"]}.get("enabled")
    out = []
    for path in ("int3", "ftrace"):
        r = ka["ratios"].get(path, {})
        out.append((path, r, r.get("on_many_vs_on_few"),
                    geo["geometry"] if geo else "?"))
    return out


def auto_targets(ka):
    """(status, text): per-hit cost at many registered with the auto-sized
    cache on, against the floor (no cache) of the same boot."""
    lines = []
    if not ka or not ka["ratios"]:
        lines.append(("NOT MEASURED", "kprobe_cache=auto: per-hit cost "
                      "with ~40000 registered <= 1.1x the cost with 2 "
                      "registered: no figures from the kprobes-auto boot"))
        return lines
    for path, r, q, geo in _auto_many_vs_few(ka):
        if not q:
            lines.append(("NOT MEASURED", "kprobe_cache=auto, %s path "
                          "per-hit cost: missing rows" % path))
            continue
        lines.append((
            "PASS" if q["median"] <= 1.1 else "FAIL",
            "kprobe_cache=auto, %s path, per-hit cost with %d registered "
            "(%d enabled fillers; auto-sized cache %s, on) <= 1.1x the "
            "cost with %d registered (no cache), same boot: %sx (median "
            "of per-round ratios %sx, per-round %s..%s, %d rounds)" %
            (path, r["many"], r["enabled"], geo, r["few"], f(q["median"], 3),
             f(q["round_median"], 3), f(q["round_min"], 3),
             f(q["round_max"], 3), q["n"])))
    return lines


def auto_headline(ka):
    md = []
    if not ka:
        md.append("- kprobe_cache=auto (the default mode): NOT MEASURED "
                  "(no figures from the kprobes-auto boot; see the make "
                  "bench output).")
        return md
    md.append("- kprobe_cache=auto (the default mode), x86_64 QEMU TCG, "
              "one boot: lookup cache bytes per CPU: %s." %
              _auto_stage_text(ka))
    parts = []
    for path in ("int3", "ftrace"):
        fl = ka["floor"].get(path)
        if not fl or not fl["on_vs_off"]:
            continue
        q = fl["on_vs_off"]
        parts.append("%s %s / %s ns, %sx (median of per-round ratios "
                     "%sx)" % (path, f(fl["on_ns"]["median"], 0),
                               f(fl["off_ns"]["median"], 0),
                               f(q["median"], 3), f(q["round_median"], 3)))
    if parts:
        fl = next(iter(ka["floor"].values()))
        md.append("- kprobe_cache=auto with %d registered (no cache, so "
                  "the \"cache on\" and \"cache off\" rounds run the same "
                  "code), per hit on / off, same boot: %s." %
                  (fl["registered"], "; ".join(parts)))
    cb = ka.get("cross_boot")
    if cb:
        parts = ["%s %s and %s ns (its \"on\" and \"off\" rounds) "
                 "against %s ns, %sx and %sx" %
                 (path, f(c["auto_on_ns"], 0), f(c["auto_off_ns"], 0),
                  f(c["main_off_ns"], 0), f(c["auto_on_vs_main_off"], 3),
                  f(c["auto_off_vs_main_off"], 3))
                 for path, c in sorted(cb.items())]
        md.append("- kprobe_cache=auto with no cache against the main "
                  "boot's %d-registered floor with its fixed %s cache "
                  "switched off (the nearest to kprobe_cache=0), per hit, "
                  "a cross-boot comparison (medians of two boots): %s." %
                  (next(iter(cb.values()))["main_registered"],
                   next(iter(cb.values()))["main_geometry"],
                   "; ".join(parts)))
    return md


def auto_section(ka, kp):
    """The auto-mode subsection of "kprobes end to end"."""
    md = []
    if not kp:
        md.append("## kprobes end to end (x86_64 QEMU TCG)\n")
    md.append("### kprobe_cache=auto (the default mode)\n")
    if not ka:
        md.append("NOT MEASURED: the kprobes-auto stage of make bench "
                  "failed, did not run, or printed no `kprobes_bench: auto "
                  "stage` lines.\n")
        return md
    s = ka["setup"][0] if ka["setup"] else {}
    fl = ka["fill"][0] if ka["fill"] else {}
    md.append("The main boot again (same bench-x86 kernel and module "
              "parameters, no sweep), booted with `kprobe_cache=auto` and "
              "`kprobes_cache_kunit.bench_auto=1`: the case drops the "
              "fixed 256x4 cache that the suite otherwise sets up and runs "
              "in the boot's auto mode (patches/0010a-*: no cache below "
              "2048 probed addresses, then one sized to the enabled "
              "probes, 16x4 to 256x4). At each stage it has kprobes resize "
              "the cache now and prints its geometry. %s CPUs; %s "
              "registered in all (%s on kernel functions, %s on the NOP "
              "sled); %s rounds.\n" %
              (s.get("cpus", "?"), fl.get("registered", "?"),
               fl.get("real_registered", "?"), fl.get("sled", "?"),
               s.get("rounds", "?")))
    md.append("| stage | registered | cache | bytes per CPU |")
    md.append("|---|---|---|---|")
    names = {"boot": "boot (before any probe)", "floor": "floor",
             "filled": "filled (enable set disabled)",
             "enabled": "enable set enabled",
             "unregistered": "all but the floor unregistered"}
    for st in ka["stages"]:
        md.append("| %s | %d | %s | %s |" %
                  (names.get(st["stage"], st["stage"]), st["registered"],
                   st["geometry"], st["bytes_per_cpu"]))
    md.append("")
    if ka["floor"]:
        md.append("The floor with no cache: \"cache on\" and \"cache off\" "
                  "only flip the kprobe_cache switch, and with no cache the "
                  "static branch is off either way, so the two run the same "
                  "code; the difference is the noise of this boot. Each "
                  "round's on over the same round's off (adjacent runs); "
                  "the \"no cache\" row pools the phases that had no "
                  "cache. If the two phases ran at different speeds (the "
                  "host's load changed), the pooled ratio of medians "
                  "compares different rounds; the median of the per-round "
                  "ratios does not.\n")
        md.append("| path | phase | cache | ns/hit on (median) | min | max "
                  "| ns/hit off (median) | min | max | on/off (ratio of "
                  "medians) | median of per-round ratios | per-round range "
                  "| rounds | lookup hits (on) |")
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|"
                  "---|")
        for path, fr in ka["floor"].items():
            rows = [(p["phase"], p["geometry"], p) for p in fr["phases"]]
            if fr["on_vs_off"]:
                rows.append(("no cache: " + " + ".join(
                    fr["same_code_phases"]), "none", dict(
                        fr, lookup_hits=sum(p["lookup_hits"]
                                            for p in fr["phases"]
                                            if p["same_code"]))))
            for name, geo, p in rows:
                q, on, off = p["on_vs_off"], p["on_ns"], p["off_ns"]
                if not q:
                    continue
                md.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | "
                          "%s | %s | %s..%s | %d | %s |" %
                          (path, name, geo, f(on["median"]), f(on["min"]),
                           f(on["max"]), f(off["median"]), f(off["min"]),
                           f(off["max"]), f(q["median"], 3),
                           f(q["round_median"], 3), f(q["round_min"], 3),
                           f(q["round_max"], 3), q["n"],
                           p.get("lookup_hits", "-")))
        md.append("")
    cb = ka.get("cross_boot")
    if cb:
        c0 = next(iter(cb.values()))
        md.append("Across two boots (the noise between boots is in these "
                  "figures; compare with the ratios within one boot "
                  "above): the auto boot's floor with no cache against "
                  "the main boot's %d-registered floor with its fixed %s "
                  "cache switched off (the nearest the benchmark has to "
                  "`kprobe_cache=0`: the same hash walk, behind a static "
                  "branch that is off).\n" % (c0["main_registered"],
                                               c0["main_geometry"]))
        md.append("| path | auto, no cache, \"on\" ns/hit | auto, no "
                  "cache, \"off\" ns/hit | main boot, cache off ns/hit | "
                  "auto on / main off | auto off / main off |")
        md.append("|---|---|---|---|---|---|")
        for path, c in sorted(cb.items()):
            md.append("| %s | %s | %s | %s | %s | %s |" %
                      (path, f(c["auto_on_ns"]), f(c["auto_off_ns"]),
                       f(c["main_off_ns"]), f(c["auto_on_vs_main_off"], 3),
                       f(c["auto_off_vs_main_off"], 3)))
        md.append("")
    else:
        md.append("No comparison with the main boot's floor: no main-boot "
                  "figures in this report.\n")
    md.append("Per hit, every group of this boot (the floor rows pool their "
              "two phases):\n")
    md.extend(_hit_table(ka["hit"], ratio_nd=2))
    md.append("")
    geo = {st["stage"]: st for st in ka["stages"]}
    md.append("| path | within-boot ratio | ratio of medians | median of "
              "per-round ratios | per-round min | per-round max |")
    md.append("|---|---|---|---|---|---|")
    for path, r in ka["ratios"].items():
        for key, name in (
                ("on_many_vs_on_few", "cache on (%s), %d registered, %d "
                 "enabled / %d registered (no cache)" %
                 (geo["enabled"]["geometry"] if "enabled" in geo else "?",
                  r["many"], r["enabled"], r["few"])),
                ("on_filled_vs_on_few", "cache on (%s), %d registered, "
                 "none of them enabled / %d registered (no cache)" %
                 (geo["filled"]["geometry"] if "filled" in geo else "?",
                  r["many"], r["few"])),
                ("off_many_vs_off_few", "cache off, %d / %d registered" %
                 (r["many"], r["few"])),
                ("off_vs_on_many", "cache off / on, %d registered" %
                 r["many"])):
            q = r.get(key)
            if q:
                md.append("| %s | %s | %s | %s | %s | %s |" %
                          (path, name, f(q["median"], 3),
                           f(q["round_median"], 3), f(q["round_min"], 3),
                           f(q["round_max"], 3)))
    md.append("")
    e = ka["enable"]
    if e:
        md.append("Enable time in this boot: enable_kprobe() on %d probes "
                  "(%d registered), then disable_kprobe() on each, cache "
                  "off and on alternating (auto mode resizes the cache as "
                  "probes are enabled and disabled):\n" %
                  (e["probes"], e["registered"]))
        md.append("| cache | enable ms median | min | max | disable ms "
                  "median | min | max |")
        md.append("|---|---|---|---|---|---|---|")
        for cache in ("off", "on"):
            a, d = e[cache]["enable_ms"], e[cache]["disable_ms"]
            if a and d:
                md.append("| %s | %s | %s | %s | %s | %s | %s |" %
                          (cache, f(a["median"], 0), f(a["min"], 0),
                           f(a["max"], 0), f(d["median"], 0),
                           f(d["min"], 0), f(d["max"], 0)))
        for key, name in (("speedup_enable", "enable"),
                          ("speedup_disable", "disable")):
            q = e.get(key)
            if q:
                md.append("\n%s time, cache off / cache on: %sx (median of "
                          "per-round ratios %sx, per-round %s..%s)" %
                          (name, f(q["median"], 2), f(q["round_median"], 2),
                           f(q["round_min"], 2), f(q["round_max"], 2)))
        md.append("")
    if ka["unregister"]:
        u = ka["unregister"][0]
        md.append("Unregistering all %s probes at once took %s ms.\n" %
                  (u.get("probes"), u.get("ms")))
    return md


# The kprobes-icount stage: the same bench-x86 kernel under QEMU TCG with
# "-smp 1 -icount shift=0,sleep=off". The guest clock then advances 1 ns
# per guest instruction, so the "ns per hit" of the lines are instructions
# per hit, the same from run to run.
ICOUNT_QEMU = "-smp 1 -icount shift=0,sleep=off"
ICOUNT_UNIT = "instructions per hit, QEMU icount, 1 CPU"
# the largest |ratio - 1| of two figures that must run the same code
ICOUNT_SAME = 0.02


def icount_summarize(auto_data, main_data=None):
    """The kprobes-icount stage: auto_summarize() of its kprobe_cache=auto
    boot (@auto_data) with, for the cross-boot floor, summarize() of its
    main-parameter boot (@main_data, fixed cache). The "ns" fields are
    guest instructions. None if the auto boot has no "auto stage" lines."""
    km = None
    if main_data and main_data["hit"]:
        km = summarize(main_data)
    ka = auto_summarize(auto_data, km)
    if not ka:
        return None
    return {"unit": "the ns fields are guest instructions (QEMU TCG "
            "'%s': the guest clock advances 1 ns per instruction)" %
            ICOUNT_QEMU, "qemu_args": ICOUNT_QEMU, "auto": ka,
            "main": None if not km else
            {"setup": km["setup"], "fill": km["fill"], "hit": km["hit"],
             "ratios": km["ratios"], "register": km.get("register")}}


def _icount_cpus(ki):
    s = ki["auto"]["setup"][0] if ki["auto"]["setup"] else {}
    return s.get("cpus")


def icount_targets(ki):
    """(status, text) lines of the kprobes-icount stage."""
    pre = "kprobes, %s" % ICOUNT_UNIT
    ka = ki["auto"] if ki else None
    if not ka:
        return [("NOT MEASURED", "%s: %s: no figures from the "
                 "kprobes-icount boots" % (pre, t)) for t in (
            "kprobe_cache=auto at 2 registered (no cache) within 2% of "
            "the cache switched off, same boot",
            "kprobe_cache=auto at 2 registered (no cache) within 2% of "
            "the main boot's fixed cache switched off",
            "per hit at ~40000 registered with the auto-sized cache on "
            "<= 1.1x the 2-registered floor",
            "cache bytes per CPU at boot, at the first cache and with "
            "the enable set enabled")] + _icount_register_targets(None)
    lines = []
    cpus = _icount_cpus(ki)
    if cpus != 1:
        lines.append(("FAIL", "%s: the auto boot ran on %s CPUs, not 1: "
                      "its figures are not instruction counts of one CPU" %
                      (pre, cpus)))
    for path in ("int3", "ftrace"):
        fl = ka["floor"].get(path)
        q = fl["on_vs_off"] if fl else None
        if not q:
            lines.append(("NOT MEASURED", "%s: kprobe_cache=auto, %s path, "
                          "2 registered (no cache), cache on within 2%% of "
                          "off, same boot: missing rows" % (pre, path)))
            continue
        lines.append((
            "PASS" if abs(q["median"] - 1) <= ICOUNT_SAME else "FAIL",
            "%s: kprobe_cache=auto, %s path, %d registered (no cache), "
            "cache on within 2%% of off, same boot: %s / %s, %sx (per-round "
            "%s..%s, %d rounds)" %
            (pre, path, fl["registered"], f(fl["on_ns"]["median"], 1),
             f(fl["off_ns"]["median"], 1), f(q["median"], 4),
             f(q["round_min"], 4), f(q["round_max"], 4), q["n"])))
    cb = ka.get("cross_boot") or {}
    for path in ("int3", "ftrace"):
        c = cb.get(path)
        if not c or c["auto_on_vs_main_off"] is None:
            lines.append(("NOT MEASURED", "%s: kprobe_cache=auto, %s path, "
                          "2 registered (no cache) within 2%% of the main "
                          "boot's fixed cache switched off (cross boot): "
                          "no figures from the kprobes-icount main boot" %
                          (pre, path)))
            continue
        ok = all(abs(c[k] - 1) <= ICOUNT_SAME
                 for k in ("auto_on_vs_main_off", "auto_off_vs_main_off"))
        lines.append((
            "PASS" if ok else "FAIL",
            "%s: kprobe_cache=auto, %s path, 2 registered (no cache) within "
            "2%% of the main boot's fixed %s cache switched off at %d "
            "registered (cross boot, the nearest to kprobe_cache=0): "
            "\"on\" %s and \"off\" %s against %s, %sx and %sx" %
            (pre, path, c["main_geometry"], c["main_registered"],
             f(c["auto_on_ns"], 1), f(c["auto_off_ns"], 1),
             f(c["main_off_ns"], 1), f(c["auto_on_vs_main_off"], 4),
             f(c["auto_off_vs_main_off"], 4))))
    for path, r, q, geo in _auto_many_vs_few(ka):
        if not q:
            lines.append(("NOT MEASURED", "%s: kprobe_cache=auto, %s path, "
                          "per hit at ~40000 registered with the auto-sized "
                          "cache <= 1.1x the 2-registered floor: missing "
                          "rows" % (pre, path)))
            continue
        lines.append((
            "PASS" if q["median"] <= 1.1 else "FAIL",
            "%s: kprobe_cache=auto, %s path, per hit with %d registered "
            "(%d enabled fillers; auto-sized cache %s, on) <= 1.1x the "
            "cost with %d registered (no cache), same boot: %sx (per-round "
            "%s..%s, %d rounds)" %
            (pre, path, r["many"], r["enabled"], geo, r["few"],
             f(q["median"], 3), f(q["round_min"], 3), f(q["round_max"], 3),
             q["n"])))
    lines += _icount_register_targets(ki)
    st = {s["stage"]: s for s in ka["stages"]}
    b = st.get("boot")
    if not b:
        lines.append(("NOT MEASURED", "kprobe_cache=auto: no cache (0 "
                      "bytes per CPU) at boot: no \"auto stage boot\" line "
                      "(kprobes-icount)"))
    else:
        lines.append((
            "PASS" if b["bytes_per_cpu"] == 0 else "FAIL",
            "kprobe_cache=auto: lookup cache bytes per CPU at boot, before "
            "any probe, must be 0 (kprobes-icount boot): %s B (%s)" %
            (b["bytes_per_cpu"], b["geometry"])))
    for name, text in (("filled", "at the first cache (%d registered, "
                        "none of the enable set enabled)"),
                       ("enabled", "with %d registered and the enable set "
                        "enabled")):
        s = st.get(name)
        if not s:
            lines.append(("NOT MEASURED", "kprobe_cache=auto: lookup cache "
                          "bytes per CPU at the \"%s\" stage: no line "
                          "(kprobes-icount)" % name))
            continue
        lines.append(("INFO", "kprobe_cache=auto: lookup cache bytes per "
                      "CPU %s (kprobes-icount boot): %s B (%s)" %
                      (text % s["registered"], s["bytes_per_cpu"],
                       s["geometry"])))
    return lines


def _icount_register_targets(ki):
    """The registration target of issue 10, part 3, in instructions: the
    kprobes-icount main boot's registration timing."""
    km = ki.get("main") if ki else None
    g = km.get("register") if km else None
    text = ("registering and enabling %s probes with a 256x4 cache <= "
            "1.05x with none, x86_64 instructions (QEMU icount, 1 CPU, "
            "same boot, alternating)")
    if not g or not g.get("on_vs_off_register_enable"):
        return [("NOT MEASURED", (text % "20000") + ": no registration "
                 "data from the kprobes-icount main boot")]
    q = g["on_vs_off_register_enable"]
    on, off = g["on"], g["off"]
    lines = []
    if g.get("cpus") != 1:
        lines.append(("FAIL", "%s: the main boot ran on %s CPUs, not 1" %
                      (text % g["probes"], g.get("cpus"))))
    lines.append((
        "PASS" if q["median"] <= 1.05 else "FAIL",
        "%s: %sx (on %s / none %s million instructions, medians; "
        "per-round %s..%s, %d rounds; %d invalidations, %d IPIs)" %
        (text % g["probes"], f(q["median"], 4),
         f(on["register_enable_ms"]["median"], 1),
         f(off["register_enable_ms"]["median"], 1),
         f(q["round_min"], 4), f(q["round_max"], 4), q["n"],
         on["invalidations"], on["ipis"])))
    return lines


def icount_headline(ki):
    if not ki:
        return ["- kprobes instruction counts (QEMU icount, 1 CPU): NOT "
                "MEASURED (no figures from the kprobes-icount boots; see "
                "the make bench output)."]
    ka = ki["auto"]
    idx = {(h["path"], h["registered"], h["enabled"], h["cache"]): h
           for h in ka["hit"]}
    parts = []
    for path in ("int3", "ftrace"):
        r = ka["ratios"].get(path)
        if not r:
            continue
        few = idx.get((path, r["few"], 0, "on"))
        on = idx.get((path, r["many"], r["enabled"], "on"))
        off = idx.get((path, r["many"], r["enabled"], "off"))
        if few and on and off:
            parts.append("%s %s at %d registered (no cache), %s at %d "
                         "registered with the auto-sized cache, %s with it "
                         "switched off" %
                         (path, f(few["ns"]["median"], 0), r["few"],
                          f(on["ns"]["median"], 0), r["many"],
                          f(off["ns"]["median"], 0)))
    if not parts:
        return []
    return ["- kprobes, instructions per hit (kprobe_cache=auto, x86_64 "
            "QEMU TCG with -icount, 1 CPU: deterministic, but no cache-miss "
            "cost): %s." % "; ".join(parts)]


def _icount_cache(ka, h):
    """The cache column of a per-hit row of the icount auto boot."""
    if h["cache"] == "off":
        return "off"
    st = {s["stage"]: s for s in ka["stages"]}
    r = ka["ratios"].get(h["path"], {})
    if h["registered"] == r.get("few", h["registered"]):
        geos = sorted({st[n]["geometry"] for n in AUTO_FLOOR_PHASES
                       if n in st})
        geo = "/".join(geos) or "?"
    else:
        s = st.get("enabled" if h["enabled"] else "filled")
        geo = s["geometry"] if s else "?"
    return "on (%s)" % geo


def icount_section(ki):
    """The "kprobes, instruction counts" section of report.md."""
    md = ["## kprobes, instruction counts (QEMU icount, 1 CPU)\n"]
    if not ki:
        md.append("NOT MEASURED: the kprobes-icount stage of make bench "
                  "failed, did not run, or printed no `kprobes_bench: auto "
                  "stage` lines.\n")
        return md
    ka, km = ki["auto"], ki["main"]
    s = ka["setup"][0] if ka["setup"] else {}
    fl = ka["fill"][0] if ka["fill"] else {}
    ms = km["setup"][0] if km and km["setup"] else {}
    md.append("The bench-x86 kernel of the kprobes stages under QEMU TCG "
              "with `%s`: with `shift=0` the guest clock advances 1 ns per "
              "guest instruction, so the case's \"ns per hit\" are guest "
              "instructions per hit. One CPU: only its instructions are in "
              "the timed span (with several vCPUs the guest clock would "
              "count the others' instructions too), but so are those of "
              "the interrupts that fell in it, which is why single runs "
              "differ (the min and max columns) while the medians over "
              "the rounds repeat from boot to boot (the cross-boot rows: "
              "the same code in two boots). It counts "
              "instructions only: a cache miss costs no more than a hit "
              "here, so these figures say nothing about the memory effect "
              "the lookup cache is for (walking a long hash chain misses in "
              "the CPU caches on real hardware); they measure the "
              "instructions the cache saves and the ones it adds. Two "
              "boots: `kprobe_cache=auto` with the kprobes-auto stage's "
              "module parameters (`bench_auto=1`; %s CPU, %s registered in "
              "all, %s on kernel functions, %s on the NOP sled; %s rounds), "
              "and the main boot's parameters with the suite's fixed "
              "%s cache (no sweep)%s.\n" %
              (ICOUNT_QEMU, s.get("cpus", "?"), fl.get("registered", "?"),
               fl.get("real_registered", "?"), fl.get("sled", "?"),
               s.get("rounds", "?"),
               _geometry(ms.get("sets", 0), ms.get("ways", 0))
               if ms else "256x4",
               "" if km else ": NOT MEASURED, it failed or did not run"))
    md.append("Cache bytes per CPU in the auto boot: %s.\n" %
              _auto_stage_text(ka))
    cb = ka.get("cross_boot") or {}
    for path in ("int3", "ftrace"):
        hits = [h for h in ka["hit"] if h["path"] == path]
        if not hits:
            continue
        md.append("### %s path\n" % path)
        md.append("| boot | registered | enabled fillers | cache | "
                  "instructions per hit median | min | max | rounds |")
        md.append("|---|---|---|---|---|---|---|---|")
        rows = [("auto", h, _icount_cache(ka, h)) for h in hits]
        if km:
            mgeo = _geometry(ms.get("sets", 0), ms.get("ways", 0))
            rows += [("main (fixed %s)" % mgeo, h,
                      "on (%s)" % mgeo if h["cache"] == "on" else "off")
                     for h in km["hit"] if h["path"] == path]
        for boot, h, cache in rows:
            md.append("| %s | %d | %d | %s | %s | %s | %s | %d x %d |" %
                      (boot, h["registered"], h["enabled"], cache,
                       f(h["ns"]["median"]), f(h["ns"]["min"]),
                       f(h["ns"]["max"]), h["phases"], len(h["ns_rounds"])))
        md.append("")
        md.append("| comparison | ratio of medians | per-round range | "
                  "rounds |")
        md.append("|---|---|---|---|")
        fr = ka["floor"].get(path)
        if fr and fr["on_vs_off"]:
            q = fr["on_vs_off"]
            md.append("| auto boot, %d registered (no cache): \"on\" %s / "
                      "\"off\" %s (same code) | %s | %s..%s | %d |" %
                      (fr["registered"], f(fr["on_ns"]["median"]),
                       f(fr["off_ns"]["median"]), f(q["median"], 4),
                       f(q["round_min"], 4), f(q["round_max"], 4), q["n"]))
        c = cb.get(path)
        if c:
            for k, name in (("on", "auto_on_vs_main_off"),
                            ("off", "auto_off_vs_main_off")):
                md.append("| cross boot: auto, %d registered, \"%s\" %s / "
                          "main boot, cache off %s | %s | - | - |" %
                          (c["main_registered"], k,
                           f(c["auto_%s_ns" % k]), f(c["main_off_ns"]),
                           f(c[name], 4)))
        r = ka["ratios"].get(path, {})
        geo = {st["stage"]: st["geometry"] for st in ka["stages"]}
        for key, name in (
                ("on_many_vs_on_few", "auto boot, cache on (%s), %s "
                 "registered, %s enabled / %s registered (no cache)" %
                 (geo.get("enabled", "?"), r.get("many"), r.get("enabled"),
                  r.get("few"))),
                ("on_filled_vs_on_few", "auto boot, cache on (%s), %s "
                 "registered, none enabled / %s registered (no cache)" %
                 (geo.get("filled", "?"), r.get("many"), r.get("few"))),
                ("off_vs_on_many", "auto boot, cache off / on, %s "
                 "registered" % r.get("many"))):
            q = r.get(key)
            if q:
                md.append("| %s | %s | %s..%s | %d |" %
                          (name, f(q["median"], 3), f(q["round_min"], 3),
                           f(q["round_max"], 3), q["n"]))
        mr = km["ratios"].get(path, {}) if km else {}
        for key, name in (
                ("on_vs_off_few", "main boot, cache on / off, %s "
                 "registered" % mr.get("few")),
                ("on_many_vs_on_few", "main boot, cache on, %s / %s "
                 "registered" % (mr.get("many"), mr.get("few"))),
                ("off_vs_on_many", "main boot, cache off / on, %s "
                 "registered" % mr.get("many"))):
            q = mr.get(key)
            if q:
                md.append("| %s | %s | %s..%s | %d |" %
                          (name, f(q["median"], 3), f(q["round_min"], 3),
                           f(q["round_max"], 3), q["n"]))
        md.append("")
    g = km.get("register") if km else None
    if g:
        md.append("### Registration, in instructions (main boot)\n")
        md.append("As the main boot's registration timing (section "
                  "\"Registration time and invalidation IPIs\"), in the "
                  "icount main boot: its \"ms\" are millions of guest "
                  "instructions, on one CPU, including those of the "
                  "interrupts, workqueues and RCU kthreads that ran in the "
                  "timed spans, and the guest time that an idle CPU "
                  "skipped to its next timer (`sleep=off`). With one CPU, "
                  "an invalidation has no other CPU to read or interrupt: "
                  "this is what the cache adds to the registration path "
                  "itself; the main boot (4 CPUs) counts the IPIs.\n")
        md.extend(register_table(g, "M instr."))
    return md


def oneline(path):
    """A line for the make bench output: per path, the medians of each
    registered/enabled group, cache on and off (a boot's raw file)."""
    kp = summarize(parse([path]))
    s = kp["setup"][0] if kp["setup"] else {}
    by = {}
    for h in kp["hit"]:
        by.setdefault(h["path"], []).append(h)
    parts = []
    for p, hs in sorted(by.items()):
        g = {}
        for h in hs:
            g.setdefault((h["registered"], h["enabled"]),
                         {})[h["cache"]] = h["ns"]["median"]
        parts.append("%s %s" % (p, ", ".join(
            "%d reg%s on %s off %s" % (reg, " %d en" % en if en else "",
                                       f(c.get("on")), f(c.get("off")))
            for (reg, en), c in sorted(g.items()))))
    return "%s CPU(s): %s" % (s.get("cpus", "?"), "; ".join(parts) or
                              "no hit lines")


if __name__ == "__main__":
    import sys
    if len(sys.argv) == 3 and sys.argv[1] == "oneline":
        print(oneline(sys.argv[2]))
    else:
        sys.exit("usage: bench_kprobes.py oneline FILE")
