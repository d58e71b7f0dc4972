#!/usr/bin/env bash
# Fails when the includes of src/ break the layering of tools/layers.txt:
# a file that includes a header of a higher layer, or modules that include
# each other round a loop (a module is a file stem: x.c and x.h are one).
# Also fails when a .c or .h under src/ is in no layer or in two, or when two
# files share a name (every folder is an include folder, so "x.h" must name
# one file). Includes of <system> headers and of files not under src/
# (generated ones such as assets_data) are ignored.
#
# Prints each offending include as "file:line: includes x.h (layer L2) from
# layer L1", each loop with the include lines that tie it, and a summary
# line; exits 0 when clean, 1 on a violation, 2 when layers.txt is unusable.
# Run by `make check-layers`.
set -u
cd "$(dirname "$0")/.." || exit 2
if [ $# -ne 0 ]; then
	echo "usage: tools/check-layers.sh" >&2
	exit 2
fi
exec /usr/bin/python3 - <<'EOF'
import os
import re
import sys

LAYERS = "tools/layers.txt"
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def die(msg):
    print("check-layers: " + msg, file=sys.stderr)
    sys.exit(2)


def read_layers():
    """[(name, [path, ...])] from the bottom up."""
    layers, names, owner = [], set(), {}
    try:
        lines = open(LAYERS, encoding="utf-8").read().splitlines()
    except OSError as e:
        die(f"cannot read {LAYERS}: {e.strerror}")
    for no, raw in enumerate(lines, 1):
        text = raw.split("#", 1)[0].strip()
        if not text:
            continue
        m = re.fullmatch(r"([A-Za-z0-9_-]+)\s*:\s*(.*)", text)
        if not m or not m.group(2).split():
            die(f"{LAYERS}:{no}: expected 'NAME: PATH...'")
        name, paths = m.group(1), [os.path.normpath(p) for p in m.group(2).split()]
        if name in names:
            die(f"{LAYERS}:{no}: layer '{name}' appears twice")
        for p in paths:
            if not p.startswith("src/"):
                die(f"{LAYERS}:{no}: '{p}' is not under src/")
            if p in owner:
                die(f"{LAYERS}:{no}: '{p}' is already in layer '{owner[p]}'")
            owner[p] = name
        names.add(name)
        layers.append((name, paths))
    if not layers:
        die(f"{LAYERS}: no layers")
    return layers


def source_files():
    out = []
    for d, subdirs, files in os.walk("src"):
        subdirs.sort()
        out += [os.path.join(d, f) for f in sorted(files) if f.endswith((".c", ".h"))]
    return out


def main():
    layers = read_layers()
    files = source_files()
    errors = []

    # Which layer each file is in: a path names the file itself or a folder above it.
    layer_of = {}
    for f in files:
        found = [(i, p) for i, (_, paths) in enumerate(layers) for p in paths
                 if f == p or f.startswith(p + "/")]
        if not found:
            errors.append(f"{f}: in no layer of {LAYERS}")
        elif len(found) > 1:
            where = ", ".join(f"{layers[i][0]} ({p})" for i, p in found)
            errors.append(f"{f}: in more than one layer: {where}")
        else:
            layer_of[f] = found[0][0]

    by_name = {}
    for f in files:
        by_name.setdefault(os.path.basename(f), []).append(f)
    for name, same in sorted(by_name.items()):
        if len(same) > 1:
            errors.append(f"{same[1]}: another file is named {name}: {same[0]}")

    known = set(files)

    def resolve(f, inc):
        if "/" in inc:
            for cand in (os.path.join(os.path.dirname(f), inc), os.path.join("src", inc)):
                cand = os.path.normpath(cand)
                if cand in known:
                    return cand
            return None
        same = by_name.get(inc)
        return same[0] if same and len(same) == 1 else None

    def module(f):
        return os.path.splitext(os.path.basename(f))[0]

    # Includes: the layer check, and the module graph with the lines behind each edge.
    up = []
    edges = {}   # (module, module) -> [(file, line, include)]
    for f in files:
        with open(f, encoding="utf-8", errors="replace") as fp:
            for no, line in enumerate(fp, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                target = resolve(f, m.group(1))
                if not target:
                    continue
                lf, lt = layer_of.get(f), layer_of.get(target)
                if lf is not None and lt is not None and lt > lf:
                    up.append(f"{f}:{no}: includes {m.group(1)} (layer {layers[lt][0]}) "
                              f"from layer {layers[lf][0]}")
                a, b = module(f), module(target)
                if a != b:
                    edges.setdefault((a, b), []).append((f, no, m.group(1)))

    # Loops: strongly connected components of more than one module (Tarjan).
    succ = {}
    for a, b in edges:
        succ.setdefault(a, []).append(b)
        succ.setdefault(b, [])
    for a in succ:
        succ[a].sort()
    index, low, on_stack, stack, loops = {}, {}, set(), [], []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in succ[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                loops.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(succ):
        if v not in index:
            visit(v)
    loops.sort()

    for e in errors:
        print(e)
    for u in up:
        print(u)
    for comp in loops:
        members = set(comp)
        print(f"loop of {len(comp)} modules: {' '.join(comp)}")
        ties = sorted(t for (a, b), ts in edges.items() if a in members and b in members
                      for t in ts)
        for f, no, inc in ties:
            print(f"  {f}:{no}: includes {inc}")

    summary = (f"check-layers: {len(files)} files in {len(layers)} layers, "
               f"{len(up)} include{'' if len(up) == 1 else 's'} up a layer, "
               f"{len(loops)} loop{'' if len(loops) == 1 else 's'}")
    if errors:
        summary += f", {len(errors)} other problem{'' if len(errors) == 1 else 's'}"
    print(summary)
    return 1 if errors or up or loops else 0


sys.exit(main())
EOF
