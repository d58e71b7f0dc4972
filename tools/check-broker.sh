#!/usr/bin/env bash
# Fails when code outside the record layer reaches personal data without it
# (docs/architecture.md, "The record layer"). Prints each offending line.
# Run by `make test` (tests/run.sh) and `make check-broker`. It checks that:
#   1. only the broker (and crypto.c, which implements them) seals or opens
#      with a data key, or touches the sealed data keys;
#   2. only the record layer (record.c) calls broker_seal/broker_read;
#   3. only the record layer computes a blind index (and ratelimit.c and
#      lockout.c, whose buckets are keyed hashes of client addresses and of
#      what a password is guessed against), only token.c (and audit.c,
#      checking an access log from before the audit key) hashes with the
#      token key: feature code hashes a token through token_hash(), which
#      takes only tokens; and only audit.c computes an access-log MAC;
#   4. no SQL text outside the record layer names a sealed column, a blind
#      index or a data key of a table it reads or writes; the columns are
#      those src/data/records.c declares.
set -u
cd "$(dirname "$0")/.." || exit 2
exec /usr/bin/python3 - <<'EOF'
import glob
import re
import sys

SOURCES = sorted(glob.glob("src/*.c") + glob.glob("src/*/*.c") + glob.glob("src/*.h") +
                 glob.glob("src/*/*.h"))

# (what, pattern, files allowed to use it)
CALLS = [
    ("seals or opens with a data key",
     r"\bcrypto_(seal|open|datakey_new|datakey_open|plain_free)\s*\(|\bsealed_key\b",
     {"src/data/broker.c", "src/data/crypto.c", "src/data/crypto.h", "src/data/records.c",
      "src/data/record.c"}),
    ("opens or seals a personal value without the record layer",
     r"\bbroker_(seal|read)\s*\(",
     {"src/data/record.c", "src/data/broker.c", "src/data/broker.h"}),
    ("computes a blind index outside the record layer",
     r"\bcrypto_blind_index\s*\(",
     {"src/data/record.c", "src/data/ratelimit.c", "src/data/lockout.c", "src/data/crypto.c",
      "src/data/crypto.h"}),
    ("hashes with the token key outside token.c",
     r"\bcrypto_token_hash\s*\(",
     {"src/data/token.c", "src/data/audit.c", "src/data/crypto.c", "src/data/crypto.h"}),
    ("computes an access-log MAC outside audit.c",
     r"\bcrypto_audit_mac\s*\(",
     {"src/data/audit.c", "src/data/crypto.c", "src/data/crypto.h"}),
]

# Files that may name declared columns in SQL: the record layer itself and
# the broker, which keeps the data keys.
SQL_ALLOWED = {"src/data/record.c", "src/data/records.c", "src/data/broker.c"}


def strip_comments(text):
    """C comments out, string literals kept (a comment never sits inside one here)."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text[i] == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text[i] == "'":
            j = i + 1
            while j < n and text[j] != "'":
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def declared_columns():
    """{table: {column}} of sealed, index and key columns in records.c."""
    text = strip_comments(open("src/data/records.c").read())
    cols = {}
    for m in re.finditer(r'\b(SEALED|SECRET|SEALED_BY_ROW|INDEXED|HOLDS)\s*\(\s*"(\w+)"\s*,\s*'
                         r'"(\w+)"([^)]*)\)', text):
        kind, table, column, rest = m.groups()
        if kind == "HOLDS" and not re.search(r"HOLD_(INDEX|KEY)\b", rest):
            continue
        cols.setdefault(table, set()).add(column)
        if kind == "INDEXED":
            index = re.findall(r'"(\w+)"', rest)
            if len(index) >= 2:
                cols[table].add(index[1])
    return cols


STRINGS = re.compile(r'"((?:[^"\\\n]|\\.)*)"((?:\s*"(?:[^"\\\n]|\\.)*")*)')
SQL_START = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", re.I)
TABLE_REF = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE)\s+([a-z_][a-z0-9_]*)", re.I)


def sql_texts(text):
    """(line, sql) for each run of adjacent string literals that reads as SQL."""
    for m in STRINGS.finditer(text):
        parts = [m.group(1)] + re.findall(r'"((?:[^"\\\n]|\\.)*)"', m.group(2))
        sql = "".join(parts)
        if SQL_START.match(sql):
            yield text.count("\n", 0, m.start()) + 1, sql


failed = 0
for what, pattern, allowed in CALLS:
    rx = re.compile(pattern)
    for path in SOURCES:
        if path in allowed:
            continue
        for n, line in enumerate(strip_comments(open(path).read()).splitlines(), 1):
            if rx.search(line):
                print(f"{path}:{n}: {what}: {line.strip()}")
                failed += 1

columns = declared_columns()
if not columns:
    print("check-broker: no sealed columns found in src/data/records.c")
    sys.exit(1)
nsql = 0
for path in SOURCES:
    if path in SQL_ALLOWED:
        continue
    for n, sql in sql_texts(strip_comments(open(path).read())):
        nsql += 1
        for table in {t.lower() for t in TABLE_REF.findall(sql)}:
            for col in sorted(columns.get(table, ())):
                if re.search(r"(?<![\w.])(?:\w+\.)?" + col + r"(?!\w)", sql):
                    print(f"{path}:{n}: SQL names {table}.{col}, which only the record layer "
                          f"may: {sql[:100]}")
                    failed += 1

if failed:
    print(f"check-broker: {failed} place(s) reach personal data without the record layer")
    sys.exit(1)
ncols = sum(len(c) for c in columns.values())
print(f"check-broker: {len(SOURCES)} source files, {nsql} SQL statements; none reaches "
      f"personal data ({ncols} declared columns) without the record layer")
EOF
