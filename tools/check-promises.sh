#!/usr/bin/env bash
# Lists, for each promise id of docs/promises.txt (a copy of PROMISES.md's
# ids), the tests that carry it in their name: pytest tests (tests/api),
# C unit tests (tests/unit) and browser tests (tests/browser). An id with no
# test yet is listed, not failed: a promise keeps no id-named test until its
# feature exists. Fails where a test's name carries an id that is not in the
# list, or where a test with an id only reads the profile back, by this rule
# (docs/testing.md, "Promise tests"):
#   pytest   the test's own body, or a function of tests/api it calls (in its
#            file, in conftest.py or imported from another test file, followed
#            through further calls), must act on the program: an HTTP request
#            to any path but /privacy.json, a subprocess (the glovebox binary:
#            a CLI command, `profile check`, a server), or a Server method that
#            reaches the program's state (cli, sql, raw_files, dump, restart,
#            kill9, stop). Fixtures do not count: a fixture sets a scene, the
#            test must act in it. Reading /privacy.json or a profile's YAML is
#            not acting.
#   unit     the test function, or a static function of its file it calls,
#            must call a function of src/ other than the profile readers
#            (policy_load_file, policy_free, policy_bundled*, policy_*_index,
#            policy_*_name, policy_diags_*): reading the fields of a loaded
#            profile back is not acting; loading a profile from text the test
#            wrote is (that is the checker at work).
#   browser  the test's body, or a helper of tests/browser it calls, must
#            click, fill, press, check, select, fetch, or go to a page other
#            than /privacy.json.
# Prints "N passed, N failed" (N: the id-named tests) last, like the other
# checks; run by `make test` (tests/run.sh, checks tier) and `make checks`.
# tools/check-promises.sh [ROOT] checks another checkout (default: this one).
set -u
cd "${1:-$(dirname "$0")/..}" || exit 2
exec /usr/bin/python3 - <<'EOF'
import ast
import glob
import os
import re
import sys

ID_TOKEN = re.compile(r"^(nam|ins|all)(\d\d)$")
ID_IN_TEXT = re.compile(r"\b(NAM|INS|ALL)(\d\d)\b", re.I)
HTTP_VERBS = {"get", "post", "put", "patch", "delete", "head", "options", "request"}
SERVER_ACTS = {"cli", "sql", "raw_files", "dump", "restart", "kill9", "stop"}
SERVER_MAKERS = {"make_server", "make_module_server", "Server", "sharing", "staff_client",
                 "staff_signin", "Session"}
PROFILE_ONLY = "/privacy.json"
UNIT_READERS = re.compile(r"^policy_(load_file|free|bundled\w*|\w+_index|\w+_name|diags_\w+)$")
BROWSER_ACTS = re.compile(r"\.(click|fill|press|check|uncheck|selectOption|setInputFiles|"
                          r"dispatchEvent|tap)\s*\(|\bfetch\s*\(|\brequest\.(get|post|put|"
                          r"patch|delete|fetch)\s*\(")
BROWSER_GOTO = re.compile(r"\.goto\(\s*([^)]*)\)")


def ids_of_name(name):
    """The promise ids among the underscore-separated words of a name."""
    return [m.group(1).upper() + m.group(2) for m in map(ID_TOKEN.match, name.lower().split("_"))
            if m]


def read_ids():
    path = "docs/promises.txt"
    ids = []
    for n, line in enumerate(open(path), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^((?:NAM|INS|ALL)\d\d) \S", line)
        if not m:
            print(f"{path}:{n}: not 'ID promise': {line[:60]}")
            sys.exit(1)
        ids.append(m.group(1))
    return ids


# ---- pytest ----

class PyModule:
    def __init__(self, path):
        self.path = path
        self.tree = ast.parse(open(path).read(), path)
        self.functions = {}
        self.imports = {}      # name -> module file it comes from
        for node in self.tree.body:
            if isinstance(node, ast.FunctionDef):
                self.functions[node.name] = node
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                other = os.path.join(os.path.dirname(path), node.module + ".py")
                if os.path.exists(other):
                    for a in node.names:
                        self.imports[a.asname or a.name] = other


MODULES = {}


def module(path):
    if path not in MODULES:
        MODULES[path] = PyModule(path)
    return MODULES[path]


def literal_path(node):
    """The text a str or f-string argument starts with, or None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        head = node.values[0] if node.values else None
        if isinstance(head, ast.Constant) and isinstance(head.value, str):
            return head.value
        return "{}"
    return None


def is_fixture(fn):
    for d in fn.decorator_list:
        target = d.func if isinstance(d, ast.Call) else d
        if isinstance(target, ast.Attribute) and target.attr == "fixture":
            return True
    return False


def server_names(fn, mod):
    """Names in fn bound to a server or a session: assigned from a maker, or
    a parameter whose fixture returns one."""
    names = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            f = node.value.func
            called = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            if called in SERVER_MAKERS or called == "start":
                for t in node.targets:
                    for n in ast.walk(t):
                        if isinstance(n, ast.Name):
                            names.add(n.id)
    for arg in fn.args.args:
        fx = fixture_named(arg.arg, mod)
        if fx is not None and fixture_gives_server(fx):
            names.add(arg.arg)
    return names


def fixture_named(name, mod):
    for m in (mod, module("tests/api/conftest.py")):
        fn = m.functions.get(name)
        if fn is not None and is_fixture(fn):
            return fn
    return None


def fixture_gives_server(fn):
    for node in ast.walk(fn):
        if isinstance(node, (ast.Return, ast.Yield)) and isinstance(node.value, ast.Call):
            f = node.value.func
            called = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            if called in SERVER_MAKERS or called == "start":
                return True
    return False


def acts(fn, mod, seen):
    """Why fn acts on the program (a short reason), or None."""
    key = (mod.path, fn.name)
    if key in seen:
        return None
    seen.add(key)
    servers = server_names(fn, mod)
    for node in ast.walk(fn):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Attribute):
            recv = f.value
            if isinstance(recv, ast.Name) and recv.id == "subprocess":
                return f"runs a subprocess (line {node.lineno})"
            if f.attr in SERVER_ACTS and not isinstance(recv, ast.Constant):
                return f".{f.attr}() (line {node.lineno})"
            if f.attr in HTTP_VERBS and node.args:
                first = node.args[0]
                text = literal_path(first)
                url_call = (isinstance(first, ast.Call) and isinstance(first.func, ast.Attribute)
                            and first.func.attr in ("url", "metrics_url"))
                if url_call:
                    text = literal_path(first.args[0]) if first.args else "{}"
                    text = "{}" if text is None else text
                if text is not None:
                    if text.startswith(("/", "http", "{}")) and text != PROFILE_ONLY:
                        return f"requests {text} (line {node.lineno})"
                    continue
                named = isinstance(recv, ast.Name) and (recv.id in servers or
                                                        recv.id == "requests")
                if named:
                    return f"requests a computed path (line {node.lineno})"
            continue
        if isinstance(f, ast.Name):
            callee = f.id
            if callee in ("raw_exchange",):
                return f"{callee}() (line {node.lineno})"
            target = None
            if callee in mod.functions:
                target = (mod.functions[callee], mod)
            elif callee in mod.imports:
                other = module(mod.imports[callee])
                if callee in other.functions:
                    target = (other.functions[callee], other)
            else:
                conf = module("tests/api/conftest.py")
                if callee in conf.functions and not is_fixture(conf.functions[callee]):
                    target = (conf.functions[callee], conf)
            if target and not is_fixture(target[0]):
                why = acts(target[0], target[1], seen)
                if why:
                    return f"{callee}() {why}"
    return None


def pytest_tests():
    for path in sorted(glob.glob("tests/api/test_*.py")):
        mod = module(path)
        for node in mod.tree.body:
            fns = [node] if isinstance(node, ast.FunctionDef) else \
                [n for n in node.body if isinstance(n, ast.FunctionDef)] \
                if isinstance(node, ast.ClassDef) and node.name.startswith("Test") else []
            for fn in fns:
                if fn.name.startswith("test_"):
                    yield (f"{path}::{fn.name}", f"{path}:{fn.lineno}", ids_of_name(fn.name),
                           lambda fn=fn, mod=mod: acts(fn, mod, set()))


# ---- C unit tests ----

C_FUNC = re.compile(r"^(?:static\s+)?(?:const\s+)?(?:struct\s+|enum\s+|unsigned\s+)?\w+[\s*]+"
                    r"(\w+)\s*\([^;{]*\)\s*\{", re.M)
C_CALL = re.compile(r"\b([a-z_]\w*)\s*\(")


def c_strip(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r'"(?:[^"\\\n]|\\.)*"', '""', text)


def c_bodies(text):
    """{function: (line, body)} of the functions defined in text."""
    out = {}
    for m in C_FUNC.finditer(text):
        depth, i = 1, m.end()
        while depth and i < len(text):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        out[m.group(1)] = (text.count("\n", 0, m.start()) + 1, text[m.end():i])
    return out


def src_functions():
    names = set()
    for path in glob.glob("src/*.c") + glob.glob("src/*/*.c"):
        names.update(c_bodies(c_strip(open(path).read())))
    return names


def unit_tests():
    from_src = src_functions()
    for path in sorted(glob.glob("tests/unit/test_*.c")):
        bodies = c_bodies(c_strip(open(path).read()))

        def c_acts(name, seen, bodies=bodies):
            if name in seen:
                return None
            seen.add(name)
            for call in C_CALL.findall(bodies[name][1]):
                if call in bodies and call not in from_src:
                    why = c_acts(call, seen)
                    if why:
                        return f"{call}() {why}"
                elif call in from_src and not UNIT_READERS.match(call):
                    return f"calls {call}()"
            return None

        for name, (line, _) in bodies.items():
            if name.startswith("test_"):
                yield (f"{path}::{name}", f"{path}:{line}", ids_of_name(name),
                       lambda name=name, c_acts=c_acts: c_acts(name, set()))


# ---- browser tests ----

JS_TEST = re.compile(r"\btest\(\s*(['\"`])(.*?)\1\s*,", re.S)
JS_FUNC = re.compile(r"\bfunction\s+(\w+)\s*\(")


def js_block(text, start):
    """The text from the first '{' at or after start to its matching '}'."""
    i = text.find("{", start)
    if i < 0:
        return ""
    depth, j = 0, i
    while j < len(text):
        depth += {"{": 1, "}": -1}.get(text[j], 0)
        j += 1
        if depth == 0:
            break
    return text[i:j]


def js_acts(body, helpers, seen):
    if BROWSER_ACTS.search(body):
        return "acts on a page"
    for arg in BROWSER_GOTO.findall(body):
        if not arg.strip().rstrip("'\"`").endswith(PROFILE_ONLY):
            return "opens a page"
    for name, hbody in helpers.items():
        if name not in seen and re.search(r"\b" + name + r"\s*\(", body):
            seen.add(name)
            why = js_acts(hbody, helpers, seen)
            if why:
                return f"{name}() {why}"
    return None


def browser_tests():
    helpers = {}
    for path in glob.glob("tests/browser/*.mjs"):
        text = open(path).read()
        for m in JS_FUNC.finditer(text):
            depth, i = 1, m.end()      # past the parameters (which may hold braces)
            while depth and i < len(text):
                depth += {"(": 1, ")": -1}.get(text[i], 0)
                i += 1
            helpers[m.group(1)] = js_block(text, i)
    for path in sorted(glob.glob("tests/browser/*.test.mjs")):
        text = open(path).read()
        for m in JS_TEST.finditer(text):
            title = " ".join(m.group(2).split())
            ids = [a.upper() + b for a, b in ID_IN_TEXT.findall(title)]
            body = js_block(text, m.end())
            yield (f"{path}: {title}", f"{path}:{text.count(chr(10), 0, m.start()) + 1}", ids,
                   lambda body=body: js_acts(body, helpers, set()))


# ---- the report ----

def short(name):
    """A test's name without its file (the report gives FILE:LINE)."""
    return name.split("::", 1)[-1] if "::" in name else name.split(": ", 1)[-1]


ids = read_ids()
carried = {i: [] for i in ids}
passed = failed = 0
problems = []
for source in (pytest_tests(), unit_tests(), browser_tests()):
    for name, where, tids, why in source:
        if not tids:
            continue
        unknown = [i for i in tids if i not in carried]
        reason = why()
        if unknown:
            problems.append(f"{where}: {short(name)} carries {', '.join(unknown)}, which "
                            f"docs/promises.txt does not list")
        if reason is None:
            problems.append(f"{where}: {short(name)} carries {', '.join(tids)} but only reads the "
                            f"profile back (docs/testing.md): make it act, or drop the id")
        if unknown or reason is None:
            failed += 1
        else:
            passed += 1
        for i in tids:
            if i in carried:
                carried[i].append(name)

for i in ids:
    tests = carried[i]
    if tests:
        print(f"{i}: {len(tests)} test{'s' if len(tests) != 1 else ''}")
        for t in tests:
            print(f"    {t}")
    else:
        print(f"{i}: no test yet (listed, not failed)")
for p in problems:
    print(p)
with_tests = sum(1 for i in ids if carried[i])
print(f"check-promises: {len(ids)} ids, {with_tests} carried by a test, "
      f"{len(ids) - with_tests} without one yet; {passed + failed} id-named tests, "
      f"{failed} that fail the rule")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
EOF
