#!/usr/bin/env python3
"""Worst-case stack depth of the core from GCC's -fcallgraph-info=su files.

Usage: stack_depth.py ROOT[,ROOT...] FILE.ci...
Prints the deepest call chain (sum of static frames) over the roots and
fails (exit 1) on recursion or a dynamic frame. Calls through function
pointers (transport, platform, trace callbacks) and into libc are not
followed: their stack is the port's, and is added by the firmware.
"""
import re
import sys

NODE = re.compile(r'node: \{ title: "([^"]+)" label: "([^"]*)"')
EDGE = re.compile(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"')
FRAME = re.compile(r'\\n(\d+) bytes \((\w+)')


def main():
    roots = sys.argv[1].split(",")
    frames, kinds, edges, defined = {}, {}, {}, {}
    for path in sys.argv[2:]:
        with open(path) as f:
            text = f.read()
        for title, label in NODE.findall(text):
            m = FRAME.search(label)
            if m:
                frames[title] = int(m.group(1))
                kinds[title] = m.group(2)
                defined[title.rsplit(":", 1)[-1]] = title
        for src, dst in EDGE.findall(text):
            edges.setdefault(src, []).append(dst)

    def resolve(name):
        return name if name in frames else defined.get(name.rsplit(":", 1)[-1])

    best = {}
    ok = True

    def depth(node, stack):
        nonlocal ok
        if node in stack:
            print("RECURSION: " + " -> ".join(stack[stack.index(node):] + [node]))
            ok = False
            return 0, []
        if node in best:
            return best[node]
        if kinds.get(node) != "static":
            print(f"NOT STATIC: {node} ({kinds.get(node)})")
            ok = False
        deepest, chain = 0, []
        for callee in edges.get(node, []):
            target = resolve(callee)
            if target:
                d, c = depth(target, stack + [node])
                if d > deepest:
                    deepest, chain = d, c
        best[node] = (frames[node] + deepest, [node] + chain)
        return best[node]

    worst = (-1, [], "")
    for root in roots:
        node = resolve(root)
        if not node:
            print(f"no such function: {root}")
            return 1
        total, chain = depth(node, [])
        if total > worst[0]:
            worst = (total, chain, root)
    total, chain, root = worst
    names = " > ".join(f"{n.rsplit(':', 1)[-1]}({frames[n]})" for n in chain)
    print(f"deepest call chain ({root}): {total} bytes: {names}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
