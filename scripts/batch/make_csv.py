#!/usr/bin/env python3
"""Writes a CSV of real addresses drawn from the BAN files, for batch geocoding benchmarks.

Each row is one real BAN row, written the way users' files hold addresses: an identifier, the
number and street in one column, the postcode and the city in others. The expected BAN id is kept
in a column of its own so that accuracy can be checked. Seeded, so a run is reproducible.

    python3 scripts/batch/make_csv.py --rows 20000 --seed 7 -o target/batch/addresses.csv
    python3 scripts/batch/make_csv.py --rows 1000000 --repeat -o big.csv   # repeats rows

Standard library only.
"""
import argparse
import csv
import gzip
import glob
import random
import sys


def read_rows(paths):
    for path in paths:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f, delimiter=";"):
                yield row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ban", nargs="*", default=sorted(glob.glob("data/ban/*.csv.gz")))
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", action="store_true",
                        help="write --rows rows by cycling through the sample (large files)")
    parser.add_argument("--delimiter", default=",")
    parser.add_argument("-o", "--output", default="-")
    args = parser.parse_args()

    rows = [r for r in read_rows(args.ban) if r["numero"] not in ("", "99999")]
    rng = random.Random(args.seed)
    rng.shuffle(rows)
    sample = rows[: min(args.rows, len(rows))]
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8", newline="")
    writer = csv.writer(out, delimiter=args.delimiter, lineterminator="\n")
    writer.writerow(["ref", "adresse", "code_postal", "commune", "expected_id"])
    for i in range(args.rows if args.repeat else len(sample)):
        r = sample[i % len(sample)]
        number = r["numero"] + r["rep"]
        writer.writerow([i + 1, f"{number} {r['nom_voie']}", r["code_postal"],
                         r["nom_commune"], r["id"]])
    out.flush()


if __name__ == "__main__":
    main()
