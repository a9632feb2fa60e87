#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# make cachegrind: run plc_bench under valgrind --tool=cachegrind with a
# fixed simulated cache, twice per measurement (LOOKUPS = 0 and LOOKUPS = L,
# same setup and warm-up), and report (counts(L) - counts(0)) / L per
# lookup, raw and net of the "driver" variant (the loop alone). Writes
# cachegrind.json and cachegrind.txt to --out and prints the table.
#
# Each scenario measured with a 64x4 or a 512x4 cache is also measured with
# the minimal keyed lookup of as many entries (m256, m2048): a direct-mapped
# per-CPU table with the cache's hash, one key compare, one value load, the
# reference of the library hit target; for every scenario where the cache
# hits 100%, the report gives the cache's net Ir per lookup, the minimal
# keyed lookup's and the ratio, with the minimal keyed lookup's own hit
# ratio (a direct-mapped table may conflict).
#
# Hit statistics (contract point 7) are off, the default, unless
# --hit-stats: the lookups measured then count nothing, and the hit ratio
# comes from the fills (the bench derives it). Both are recorded.
#
# Runs are made deterministic: empty environment, fixed working directory,
# fixed-width arguments, explicit cache geometry.

import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
import time

EVENTS = ["Ir", "I1mr", "ILmr", "Dr", "D1mr", "DLmr", "Dw", "D1mw", "DLmw"]
DEFAULT_CACHE = "--I1=32768,8,64 --D1=32768,8,64 --LL=8388608,16,64"


def scenarios(quick):
    if quick:
        tables, ns, hs = [6], [1000, 10000], [16, 256, 2048]
    else:
        tables, ns, hs = [6, 9], [1000, 10000, 40000], [16, 256, 2048, 16384]
    out = []
    for n in ns:
        for h in hs:
            if h > n:
                continue
            for dist in ["u", "z"]:
                # The driver and the limit do not use the table.
                out.append((tables[0], n, h, dist, "driver"))
                out.append((tables[0], n, h, dist, "limit"))
                for bits in tables:
                    for v in ["table", "c64x4", "c512x4", "m256", "m2048"]:
                        out.append((bits, n, h, dist, v))
    return out


def lookups(bits, n, quick):
    """Fewer lookups where each walks long chains: about 4M node visits."""
    visits = 1 + n / (2 << bits)
    budget = 1.5e6 if quick else 4e6
    return int(min(100000, max(4000, budget / visits)) // 1000 * 1000)


def run_one(args, workdir, bits, n, h, dist, variant, warm, count):
    out = os.path.join(workdir, "cg.%d.%d.%d.%s.%s.%d" %
                       (bits, n, h, dist, variant, count))
    cmd = ["env", "-i", "PATH=/usr/bin:/bin", args.valgrind,
           "--tool=cachegrind", "--cache-sim=yes"] + args.cache.split() + [
           "--cachegrind-out-file=" + out, "./plc_bench",
           "%02d" % bits, "%08d" % n, "%06d" % h, dist, variant,
           "%09d" % warm, "%09d" % count, "1" if args.hit_stats else "0"]
    p = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd),
                                                    p.returncode, p.stderr))
    stats = json.loads(p.stdout.strip().splitlines()[-1])
    events = summary = None
    with open(out) as f:
        for line in f:
            if line.startswith("events:"):
                events = line.split()[1:]
            elif line.startswith("summary:"):
                summary = [int(x) for x in line.split()[1:]]
    os.unlink(out)
    counts = dict(zip(events, summary))
    return {e: counts.get(e, 0) for e in EVENTS}, stats


def measure(args, workdir, sc):
    bits, n, h, dist, variant = sc
    count = lookups(bits, n, args.quick)
    warm = count
    c0, _ = run_one(args, workdir, bits, n, h, dist, variant, warm, 0)
    c1, st = run_one(args, workdir, bits, n, h, dist, variant, warm, count)
    res = {
        "table_buckets": 1 << bits, "n": n, "hot": h,
        "dist": "uniform" if dist == "u" else "zipf1.0",
        "variant": variant, "warmup": warm, "lookups": count,
        "total": {e: c1[e] - c0[e] for e in EVENTS},
        "per_lookup": {e: (c1[e] - c0[e]) / count for e in EVENTS},
    }
    if variant.startswith("c"):
        if bool(st["hit_stats"]) != args.hit_stats:
            raise RuntimeError("plc_bench: hit_stats %s, expected %s" %
                               (st["hit_stats"], args.hit_stats))
        res["hit_ratio"] = st["hits"] / max(1, st["hits"] + st["misses"])
        res["hits"] = st["hits"]
        res["misses"] = st["misses"]
    elif variant.startswith("m"):
        res["hit_ratio"] = st["hits"] / max(1, st["hits"] + st["misses"])
        res["hits"] = st["hits"]
        res["misses"] = st["misses"]
    return res


# The minimal keyed lookup of as many entries as each cache geometry.
MKL = {"c64x4": "m256", "c512x4": "m2048"}


def mkl_compare(results):
    """The cache against the minimal keyed lookup, 100%-hit scenarios."""
    out = []
    for (bits, n, h, dist, variant), r in results.items():
        m = results.get((bits, n, h, dist, MKL.get(variant)))
        if not m or r.get("hit_ratio") != 1.0:
            continue
        out.append({
            "table_buckets": 1 << bits, "n": n, "hot": h,
            "dist": r["dist"], "variant": variant, "mkl": m["variant"],
            "net_ir": r["net"]["Ir"], "mkl_net_ir": m["net"]["Ir"],
            "x_mkl": (r["net"]["Ir"] / m["net"]["Ir"]
                      if m["net"]["Ir"] > 0 else None),
            "mkl_hit_ratio": m["hit_ratio"],
        })
    out.sort(key=lambda c: (c["variant"] != "c64x4", c["table_buckets"],
                            c["n"], c["hot"], c["dist"]))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--cache", default=DEFAULT_CACHE)
    ap.add_argument("--hit-stats", action="store_true",
                    help="measure with hit statistics on (default: off)")
    ap.add_argument("--valgrind", default=os.environ.get("VALGRIND",
                                                         "valgrind"))
    args = ap.parse_args()

    os.makedirs(args.out, exist_ok=True)
    t0 = time.time()
    scs = scenarios(args.quick)
    results = {}
    with tempfile.TemporaryDirectory(prefix="plc-cg-") as workdir:
        # A fixed path and name, whatever the checkout.
        with open(args.bench, "rb") as src, \
                open(os.path.join(workdir, "plc_bench"), "wb") as dst:
            dst.write(src.read())
        os.chmod(os.path.join(workdir, "plc_bench"), 0o755)
        # Same cwd for every run: a subdirectory of fixed-length name.
        wd = os.path.join(workdir, "w")
        os.makedirs(wd)
        os.rename(os.path.join(workdir, "plc_bench"),
                  os.path.join(wd, "plc_bench"))
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
            futs = {ex.submit(measure, args, wd, sc): sc for sc in scs}
            done = 0
            for fut in concurrent.futures.as_completed(futs):
                results[futs[fut]] = fut.result()
                done += 1
                print("\r[cachegrind] %d/%d measurements, %ds" %
                      (done, len(scs), time.time() - t0), end="",
                      file=sys.stderr, flush=True)
    print(file=sys.stderr)

    # Net of the driver loop of the same N, H and distribution.
    rows = []
    for sc in scs:
        r = results[sc]
        bits, n, h, dist, variant = sc
        drv = results[(scs[0][0], n, h, dist, "driver")]["per_lookup"]
        r["net"] = {e: r["per_lookup"][e] - drv[e] for e in EVENTS}
        rows.append(r)

    doc = {
        "tool": "valgrind --tool=cachegrind --cache-sim=yes " + args.cache,
        "valgrind": subprocess.run([args.valgrind, "--version"],
                                   capture_output=True,
                                   text=True).stdout.strip(),
        "quick": args.quick,
        "hit_stats": args.hit_stats,
        "method": "per_lookup = (counts(LOOKUPS=L) - counts(LOOKUPS=0)) / L"
                  " after identical setup and warm-up; net = per_lookup -"
                  " per_lookup of the driver variant (loop, sequence, key)",
        "results": rows,
        "mkl_method": "100%-hit scenarios of c64x4 and c512x4: net Ir per"
                      " lookup of the cache, of the minimal keyed lookup of"
                      " as many entries (m256, m2048) and x_mkl, their"
                      " ratio; mkl_hit_ratio: the minimal keyed lookup's",
        "mkl": mkl_compare(results),
    }
    with open(os.path.join(args.out, "cachegrind.json"), "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")

    lines = ["Per lookup, net of the driver loop (cachegrind, %s)" %
             args.cache,
             "Hit statistics %s" % (
                 "ON (--hit-stats): hits and misses counted" if args.hit_stats
                 else "off (the default): lookups count nothing, hit% from"
                 " fills"),
             "%7s %6s %6s %4s  %-7s %8s %8s %8s %7s %7s" %
             ("buckets", "N", "H", "dist", "variant", "Ir", "D1mr", "DLmr",
              "hit%", "L")]
    for r in rows:
        if r["variant"] == "driver":
            continue
        lines.append("%7d %6d %6d %4s  %-7s %8.1f %8.3f %8.3f %7s %7d" % (
            r["table_buckets"] if r["variant"] != "limit" else 0, r["n"],
            r["hot"], r["dist"][0], r["variant"], r["net"]["Ir"],
            r["net"]["D1mr"], r["net"]["DLmr"],
            "%.1f" % (100 * r["hit_ratio"]) if "hit_ratio" in r else "-",
            r["lookups"]))
    lines.append("driver loop alone, per lookup: Ir %.1f D1mr %.3f DLmr %.3f"
                 " (N=%d H=%d %s)" % (
                     rows[0]["per_lookup"]["Ir"],
                     rows[0]["per_lookup"]["D1mr"],
                     rows[0]["per_lookup"]["DLmr"], rows[0]["n"],
                     rows[0]["hot"], rows[0]["dist"]))
    lines.append("buckets 0 = limit reference (no table). Took %ds; JSON: %s"
                 % (time.time() - t0, os.path.join(args.out,
                                                    "cachegrind.json")))
    lines.append("")
    lines.append("Cache hit against the minimal keyed lookup (m256, m2048: "
                 "direct-mapped, as many entries),")
    lines.append("net Ir per lookup, scenarios where the cache hits 100%:")
    lines.append("%7s %6s %6s %4s  %-7s %8s %-6s %8s %7s %8s" %
                 ("buckets", "N", "H", "dist", "variant", "Ir", "mkl",
                  "mkl Ir", "x mkl", "mkl hit%"))
    for c in doc["mkl"]:
        lines.append("%7d %6d %6d %4s  %-7s %8.1f %-6s %8.1f %7s %8.1f" % (
            c["table_buckets"], c["n"], c["hot"], c["dist"][0],
            c["variant"], c["net_ir"], c["mkl"], c["mkl_net_ir"],
            "%.2f" % c["x_mkl"] if c["x_mkl"] is not None else "-",
            100 * c["mkl_hit_ratio"]))
    if doc["mkl"]:
        for v in MKL:
            xs = [c for c in doc["mkl"] if c["variant"] == v and
                  c["x_mkl"] is not None]
            if xs:
                w = max(xs, key=lambda c: c["x_mkl"])
                lines.append("%s worst: %.2fx %s (%d buckets, N=%d, H=%d, "
                             "%s)" % (v, w["x_mkl"], w["mkl"],
                                      w["table_buckets"], w["n"], w["hot"],
                                      w["dist"]))
    text = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, "cachegrind.txt"), "w") as f:
        f.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
