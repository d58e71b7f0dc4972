"""Writes N deterministic test VINs for bench/vin.sh, one per line: half
valid (known and unknown makers, both model-year cycles), the rest with the
mistakes people make (a wrong check digit, I/O/Q, wrong length, lower case
and separators). Usage: gen.py N SEED"""
import random
import sys

TR = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9))),
      **dict(zip("JKLMN", range(1, 6))), "P": 7, "R": 9, **dict(zip("STUVWXYZ", range(2, 10)))}
W = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
ALPHA = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
YEARS = "ABCDEFGHJKLMNPRSTVWXY123456789"
WMIS = ["WMW", "WBA", "WBS", "5UX", "SCA", "1HG", "1FA", "JHM", "WVW", "WDD", "KMH", "3VW", "ZFA",
        "VF1", "JN1", "1G1", "2T1", "YV1", "SAJ", "WP0", "9BW", "LSV", "MA1", "TMB"]


def check_digit(v):
    s = sum(TR[c] * W[i] for i, c in enumerate(v)) % 11
    return "X" if s == 10 else str(s)


def valid(rng):
    v = list(rng.choice(WMIS) + "".join(rng.choice(ALPHA) for _ in range(14)))
    v[9] = rng.choice(YEARS)
    v[8] = "0"
    v[8] = check_digit(v)
    return "".join(v)


def main():
    n, seed = int(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(seed)
    out = []
    for i in range(n):
        v = valid(rng)
        kind = i % 10
        if kind == 5:                       # a mistyped check digit
            d = "0123456789X".replace(v[8], "")
            v = v[:8] + rng.choice(d) + v[9:]
        elif kind == 6:                     # I, O or Q where a 1 or 0 belongs
            p = rng.randrange(17)
            v = v[:p] + rng.choice("IOQ") + v[p + 1:]
        elif kind == 7:                     # one character too few or too many
            v = v[:16] if rng.random() < 0.5 else v + rng.choice(ALPHA)
        elif kind == 8:                     # typed in lower case with separators
            v = (v[:3] + "-" + v[3:9] + " " + v[9:]).lower()
        out.append(v)
    sys.stdout.write("\n".join(out) + "\n")


main()
