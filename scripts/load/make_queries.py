#!/usr/bin/env python3
"""Query files for the load benchmark, drawn (seeded) from the real BAN rows of data/ban:

    python3 scripts/load/make_queries.py OUT_DIR [--seed 42] [--addresses 2000]

writes three files of URL paths (one a line), the same for our server and for addok:
- autocomplete.txt: keystroke streams: for each sampled address "8 Rue de Rivoli 75004 Paris",
  every prefix from 3 characters on, as a user types it (/search/?q=...&autocomplete=1&limit=5);
- full.txt: the whole address, autocomplete off (/search/?q=...&autocomplete=0&limit=5);
- reverse.txt: a point within ~100 m of a real address (/reverse/?lon=...&lat=...).
Standard library only.
"""
import argparse
import csv
import gzip
import os
import random
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def rows():
    for name in ("adresses-05.csv.gz", "adresses-75.csv.gz"):
        with gzip.open(os.path.join(ROOT, "data", "ban", name), "rt", encoding="utf-8") as f:
            yield from csv.DictReader(f, delimiter=";")


def address(r):
    number = r["numero"] + (" " + r["rep"] if r["rep"] else "")
    # Paris rows are filed under arrondissements; people write "Paris".
    city = "Paris" if r["code_insee"].startswith("751") else r["nom_commune"]
    return f"{number} {r['nom_voie']} {r['code_postal']} {city}"


def search(q, autocomplete):
    return "/search/?" + urllib.parse.urlencode(
        {"q": q, "autocomplete": "1" if autocomplete else "0", "limit": "5"}
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--addresses", type=int, default=2000)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    sample = rng.sample(list(rows()), args.addresses)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "autocomplete.txt"), "w") as f:
        # A fifth of the addresses typed key by key keeps the file near the others' size.
        for r in sample[: max(1, args.addresses // 5)]:
            text = address(r)
            for end in range(3, len(text) + 1):
                f.write(search(text[:end], True) + "\n")
    with open(os.path.join(args.out, "full.txt"), "w") as f:
        for r in sample:
            f.write(search(address(r), False) + "\n")
    with open(os.path.join(args.out, "reverse.txt"), "w") as f:
        for r in sample:
            # ~100 m: 0.0009° of latitude, a little more of longitude at 45-49° N.
            lon = float(r["lon"]) + rng.uniform(-0.0013, 0.0013)
            lat = float(r["lat"]) + rng.uniform(-0.0009, 0.0009)
            f.write(f"/reverse/?lon={lon:.6f}&lat={lat:.6f}\n")


if __name__ == "__main__":
    main()
