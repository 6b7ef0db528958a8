#!/usr/bin/env python3
"""Core coverage report (make coverage): runs gcov on every core object
built with --coverage after the unit tests ran, prints a per-file table and
ends with exactly one line `core coverage: lines L% branches B%`.
With --min-lines/--min-branches it exits 1 below either bar.

Counts come from the .gcov files gcov -b -c writes (per line: the execution
count, then `branch N taken X` / `branch N never executed`). A source line
carrying `/* COV-EXCL: <reason> */` is left out of both counts (its line
and its branches); the reason is mandatory, a marker without one fails the
run. How many lines and branches were excluded is printed per file."""
import argparse
import os
import re
import subprocess
import sys
import tempfile

MARK = re.compile(r"/\*\s*COV-EXCL:\s*(.*?)\s*\*/")
LINE = re.compile(r"^\s*([^:]+):\s*(\d+):(.*)$")
BRANCH = re.compile(r"^branch\s+\d+\s+(taken\s+(\d+)|never executed)")


class Count:
    def __init__(self):
        self.lines = self.lines_hit = 0
        self.branches = self.branches_hit = 0
        self.ex_lines = self.ex_branches = 0


def parse_gcov(text, cnt, bad):
    """Adds one .gcov file's counts to cnt; markers without a reason go to bad."""
    excluded = False
    for raw in text.splitlines():
        m = LINE.match(raw)
        if m:
            count, lineno, src = m.group(1).strip(), int(m.group(2)), m.group(3)
            if lineno == 0:
                continue
            mk = MARK.search(src)
            excluded = mk is not None
            if mk is not None and not mk.group(1):
                bad.append(lineno)
            if count == "-":
                continue
            if excluded:
                cnt.ex_lines += 1
                continue
            cnt.lines += 1
            if count not in ("#####", "====="):
                cnt.lines_hit += 1
            continue
        b = BRANCH.match(raw)
        if b is None:
            continue
        if excluded:
            cnt.ex_branches += 1
            continue
        cnt.branches += 1
        if b.group(2) is not None and int(b.group(2)) > 0:
            cnt.branches_hit += 1


def gcov(obj_dir, src):
    """Runs gcov -b -c for one source; returns its Count. The objects were
    compiled from the top directory with relative paths, so gcov runs in a
    temporary directory that links the source's top folder back."""
    rel = os.path.relpath(os.path.abspath(src))
    top = rel.split(os.sep)[0]
    cnt, bad = Count(), []
    with tempfile.TemporaryDirectory() as tmp:
        if top != rel:
            os.symlink(os.path.abspath(top), os.path.join(tmp, top))
        subprocess.run(["gcov", "-b", "-c", "-p", "-o", os.path.abspath(obj_dir),
                        rel], cwd=tmp, capture_output=True, text=True, check=True)
        with open(os.path.join(tmp, rel.replace(os.sep, "#") + ".gcov"),
                  encoding="utf-8") as f:
            parse_gcov(f.read(), cnt, bad)
    if bad:
        sys.exit("coverage: %s: COV-EXCL without a reason on line(s) %s" %
                 (src, ", ".join(map(str, bad))))
    return cnt


def pct(a, n):
    return 100.0 * a / n if n else 100.0


def row(name, c):
    ex = ""
    if c.ex_lines or c.ex_branches:
        ex = "  excluded %d line(s), %d branch(es)" % (c.ex_lines, c.ex_branches)
    return "%-24s %6.1f%% %4d/%-4d %6.1f%% %4d/%-4d%s" % (
        name, pct(c.lines_hit, c.lines), c.lines_hit, c.lines,
        pct(c.branches_hit, c.branches), c.branches_hit, c.branches, ex)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("obj_dir")
    ap.add_argument("sources", nargs="+")
    ap.add_argument("--min-lines", type=float)
    ap.add_argument("--min-branches", type=float)
    a = ap.parse_args()
    tot = Count()
    print("%-24s %16s %18s" % ("file", "lines", "branches"))
    for src in a.sources:
        c = gcov(a.obj_dir, src)
        for k in vars(tot):
            setattr(tot, k, getattr(tot, k) + getattr(c, k))
        print(row(os.path.basename(src), c))
    print(row("all", tot))
    print("excluded (COV-EXCL): %d line(s), %d branch(es)" %
          (tot.ex_lines, tot.ex_branches))
    lp, bp = pct(tot.lines_hit, tot.lines), pct(tot.branches_hit, tot.branches)
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
