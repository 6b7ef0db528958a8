#!/usr/bin/env python3
"""Core coverage report (make coverage): runs gcov on every core object
built with --coverage after the unit tests ran, prints a per-file table and
ends with exactly one line `core coverage: lines L% branches B%`.
With --min-lines/--min-branches it exits 1 below either bar."""
import argparse
import os
import re
import subprocess
import sys
import tempfile


def gcov(obj_dir, src):
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(["gcov", "-b", "-c", "-n", "-o", os.path.abspath(obj_dir),
                              os.path.abspath(src)], cwd=tmp,
                             capture_output=True, text=True, check=True).stdout
    lines = branches = (0, 0)
    block = out.split("File '")
    for b in block:
        if not b.startswith(os.path.abspath(src)) and not b.startswith(src):
            continue
        m = re.search(r"Lines executed:([\d.]+)% of (\d+)", b)
        if m:
            n = int(m.group(2))
            lines = (round(float(m.group(1)) * n / 100), n)
        m = re.search(r"Taken at least once:([\d.]+)% of (\d+)", b)
        if m:
            n = int(m.group(2))
            branches = (round(float(m.group(1)) * n / 100), n)
    return lines, branches


def pct(a, n):
    return 100.0 * a / n if n else 100.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("obj_dir")
    ap.add_argument("sources", nargs="+")
    ap.add_argument("--min-lines", type=float)
    ap.add_argument("--min-branches", type=float)
    a = ap.parse_args()
    tl = tn = bl = bn = 0
    print("%-24s %16s %18s" % ("file", "lines", "branches"))
    for src in a.sources:
        (l, ln), (b, bnn) = gcov(a.obj_dir, src)
        tl, tn, bl, bn = tl + l, tn + ln, bl + b, bn + bnn
        print("%-24s %6.1f%% %4d/%-4d %6.1f%% %4d/%-4d" %
              (os.path.basename(src), pct(l, ln), l, ln, pct(b, bnn), b, bnn))
    lp, bp = pct(tl, tn), pct(bl, bn)
    print("%-24s %6.1f%% %4d/%-4d %6.1f%% %4d/%-4d" % ("all", lp, tl, tn, bp, bl, bn))
    print("core coverage: lines %.1f%% branches %.1f%%" % (lp, bp))
    bad = (a.min_lines is not None and lp < a.min_lines) or \
          (a.min_branches is not None and bp < a.min_branches)
    if bad:
        print("coverage: below the bar (lines %s%%, branches %s%%)" %
              (a.min_lines, a.min_branches), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
