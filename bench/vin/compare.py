"""Compares glovebox's and corgi's validity verdicts on the same VINs
(bench/vin.sh): prints the number that differ, grouped by the reason, with
what each reason means. Usage: compare.py GLOVEBOX.jsonl CORGI.jsonl"""
import collections
import json
import sys

# corgi's error codes (its ErrorCode enum) and why a verdict then differs.
REASONS = {
    "100": "length: corgi does not drop spaces and hyphens or fold case, glovebox does "
           "(a VIN typed as 'wmw-re335 36tj12345' is one VIN to glovebox)",
    "101": "characters: as for length, corgi refuses lower case and separators",
    "200": "check digit: corgi reports a wrong check digit but still calls the VIN valid; "
           "glovebox in strict mode (North America, 49 CFR 565) refuses it",
    "201": "model year: corgi refuses a model-year code it cannot place; glovebox only warns",
    "202": "region: corgi refuses a region code it does not know; glovebox only warns",
    "300": "manufacturer: corgi refuses a WMI missing from vPIC; glovebox warns (vin_wmi_unknown)",
    "301": "manufacturer: as 300",
    "302": "make: as 300",
    "400": "no vPIC pattern: the VIN is well formed with a correct check digit, but no model "
           "in NHTSA's database matches positions 4-8 (random test VINs); glovebox checks "
           "form and check digit, not whether such a car was ever built",
    "401": "low-confidence patterns: as 400",
    "402": "conflicting patterns: as 400",
}


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            if line.strip():
                rows.append(json.loads(line))
    return rows


def main():
    ours, theirs = load(sys.argv[1]), load(sys.argv[2])
    assert len(ours) == len(theirs), (len(ours), len(theirs))
    groups = collections.Counter()
    for g, c in zip(ours, theirs):
        if g["valid"] == c["valid"]:
            continue
        code = c["errors"][0] if c["errors"] else "-"
        side = "glovebox valid, corgi invalid" if g["valid"] else "glovebox invalid, corgi valid"
        groups[(side, code)] += 1
    total = sum(groups.values())
    print(f"verdicts differ on {total} of {len(ours)} VINs")
    for (side, code), n in groups.most_common():
        print(f"  {n:6d}  {side}; corgi code {code}: {REASONS.get(code, 'see corgi ErrorCode')}")


main()
