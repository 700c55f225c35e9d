#!/usr/bin/env python3
"""How soon autocomplete finds the address being typed, keystroke by keystroke.

The load benchmark's autocomplete file (scripts/load/make_queries.py) is 400 addresses typed
one character at a time. This reads the answers to every keystroke and the answer to each
address typed in full, both as `cargo run --release --example replay -- ... --answers` writes
them (q, ids, scores; tab-separated), and reports the share of keystrokes whose first result,
and whose results, hold the address the stream ends with (the first id of the full
address's answer).

    P=target/load/queries/autocomplete.txt
    cargo run --release --example replay -- INDEX $P --answers > target/keystrokes.tsv
    python3 scripts/quality/keystrokes.py --full-paths target/full-paths.txt $P
    cargo run --release --example replay -- INDEX target/full-paths.txt --answers \\
        > target/full.tsv
    python3 scripts/quality/keystrokes.py target/keystrokes.tsv target/full.tsv

A stream is a run of requests each extending the previous one; with --full-paths, the script
writes the path of each stream's full address (autocomplete off) for the replay. Standard
library only.
"""

import argparse
import sys
import urllib.parse


def streams_of(queries):
    """Indexes of the requests, grouped by stream."""
    streams, current = [], []
    for i, q in enumerate(queries):
        if current and q.startswith(queries[current[-1]]):
            current.append(i)
        else:
            if current:
                streams.append(current)
            current = [i]
    if current:
        streams.append(current)
    return streams


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("answers", help="replay --answers output for the keystrokes, or with "
                    "--full-paths the autocomplete paths file itself")
    ap.add_argument("full", nargs="?", help="replay --answers output for the full addresses")
    ap.add_argument("--full-paths", help="write each stream's full address as a path here")
    args = ap.parse_args()

    if args.full_paths:
        paths = [line.rstrip("\n") for line in open(args.answers, encoding="utf-8")]
        queries = [urllib.parse.parse_qs(p.split("?", 1)[1])["q"][0] for p in paths]
        with open(args.full_paths, "w", encoding="utf-8") as out:
            for stream in streams_of(queries):
                full = queries[stream[-1]].strip()
                out.write("/search/?q=%s&limit=5\n" % urllib.parse.quote_plus(full))
        return 0

    if not args.full:
        ap.error("give the full addresses' answers too")
    rows = [line.rstrip("\n").split("\t") for line in open(args.answers, encoding="utf-8")]
    targets = {}
    for line in open(args.full, encoding="utf-8"):
        q, ids, _ = line.rstrip("\n").split("\t")
        targets[q] = ids.split(",")[0]
    queries = [row[0] for row in rows]
    keystrokes = first = listed = 0
    for stream in streams_of(queries):
        target = targets.get(queries[stream[-1]].strip())
        if not target:
            print("no answer for the full address %r" % queries[stream[-1]], file=sys.stderr)
            return 1
        for i in stream:
            ids = rows[i][1].split(",")
            keystrokes += 1
            first += ids[0] == target
            listed += target in ids
    print("%d keystrokes: the address being typed first in %.2f%%, listed in %.2f%%"
          % (keystrokes, 100 * first / keystrokes, 100 * listed / keystrokes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
