# SPDX-License-Identifier: GPL-2.0
"""What the benchmark report modules share: the gnuplot runner, the
number parser of the "key value" kernel lines, and median/min/max."""

import os
import statistics
import subprocess
import sys


def gnuplot(script, png):
    """Run gnuplot on @script, which writes @png. Return the PNG's file
    name for the report, or None (with a message) if gnuplot failed."""
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print("bench-report: gnuplot failed: %s" % e, file=sys.stderr)
        return None
    return os.path.basename(png)


def num(v):
    """A value of a "key value" line: an int if it is one, else the text."""
    try:
        return int(v)
    except ValueError:
        return v


def spread(values):
    """Median, min, max and count of @values; None if there are none."""
    values = sorted(values)
    if not values:
        return None
    return {"median": statistics.median(values), "min": values[0],
            "max": values[-1], "n": len(values)}
