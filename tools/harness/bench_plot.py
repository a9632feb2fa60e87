# SPDX-License-Identifier: GPL-2.0
"""The one gnuplot runner of the benchmark report modules."""

import os
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
