#!/usr/bin/env python3
"""Our accuracy alone on the quality query sets, against a server already running.

scripts/quality/run.sh compares us with addok on the 237k real addresses. This script measures
one server on whatever index it serves; it is how the France-scale index is checked (the two
real départements are part of that corpus as they are, so the same expected ids hold, while
every street name of the query now exists in thousands of other communes).

    python3 scripts/quality/gen_queries.py --seed 42 --max 500      # target/quality/queries
    target/release/adresse serve --index target/fr/index-1.0 --addr 127.0.0.1:7895 &
    python3 scripts/quality/accuracy.py --port 7895 --out target/quality/france.tsv

Counts top-1 (top-5 for g_prefix60, sent with autocomplete=1), as run.sh does. Prints one line
per set and the pooled total; --out gets every query with whether it was found, the ids
returned and the first result's score. Loopback only, one request at a time. Standard library.
"""

import argparse
import csv
import glob
import json
import os
import urllib.parse
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True, help="our server on 127.0.0.1:PORT")
    ap.add_argument("--queries", default=os.path.join(REPO, "target", "quality", "queries"),
                    help="the sets of gen_queries.py (default target/quality/queries)")
    ap.add_argument("--limit", type=int, default=5,
                    help="results asked per query (default 5; 1 is what a batch row's best is)")
    ap.add_argument("--out", help="TSV of every query: set, q, found (0/1), ids, top score")
    args = ap.parse_args()

    sets = sorted(glob.glob(os.path.join(args.queries, "*.tsv")))
    if not sets:
        raise SystemExit(f"no query set in {args.queries}: run scripts/quality/gen_queries.py")
    out = open(args.out, "w", encoding="utf-8") if args.out else None
    found_all = total_all = 0
    for path in sets:
        name = os.path.basename(path)[:-4]
        autocomplete = name.startswith("g_prefix60")
        top_k = 5 if autocomplete else 1
        with open(path, encoding="utf-8") as f:
            rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
        found = 0
        for row in rows:
            url = "http://127.0.0.1:%d/search/?limit=%d&autocomplete=%d&q=%s" % (
                args.port, max(args.limit, top_k) if autocomplete else args.limit,
                int(autocomplete), urllib.parse.quote(row["q"]))
            with urllib.request.urlopen(url, timeout=30) as response:
                features = json.load(response)["features"]
            ids = [f["properties"]["id"] for f in features][:top_k]
            hit = any(i in set(row["id"].split("|")) for i in ids)
            found += hit
            if out:
                score = features[0]["properties"]["score"] if features else 0.0
                out.write("%s\t%s\t%d\t%s\t%.3f\n" % (name, row["q"], hit, ",".join(ids), score))
        found_all += found
        total_all += len(rows)
        print("%-26s %6.1f%%  (%d/%d)" % (name, 100.0 * found / max(len(rows), 1), found,
                                          len(rows)), flush=True)
    print("%-26s %6.2f%%  (%d/%d)" % ("pooled", 100.0 * found_all / total_all, found_all,
                                      total_all))


if __name__ == "__main__":
    main()
