#!/usr/bin/env python3
"""Markdown table of a quality run: one row per query set, ours vs addok.

Reads the JSON summaries that scripts/compare_addok.py writes with --json (one per query set,
named <category>.<sub>.json) from a results folder, as scripts/quality/run.sh produces them.
The accuracy shown is top-1, except for the autocomplete-prefix category (g_prefix60), where it
is top-5: the expected address among the first 5 suggestions.

    python3 scripts/quality/report.py target/quality/results [--out table.md] [--note TEXT]...

Standard library only.
"""
import argparse
import glob
import json
import os
import sys

TOP5_PREFIXES = ("g_prefix60",)


def pct(x):
    return "-" if x is None else f"{100 * x:.1f}%"


def ms(x):
    return "-" if x is None else f"{x:.1f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("results", help="folder of <category>.<sub>.json summaries")
    ap.add_argument("--out", default=None, help="write the table here (default: stdout)")
    ap.add_argument("--note", action="append", default=[],
                    help="a line printed above the table (repeatable): date, commit, machine")
    args = ap.parse_args()

    paths = sorted(glob.glob(os.path.join(args.results, "*.json")))
    if not paths:
        sys.exit(f"no *.json summary in {args.results}")
    lines = ["| category | set | n | metric | ours | addok | ours − addok | "
             "ours median / p99 ms | addok median / p99 ms |",
             "|---|---|--:|---|--:|--:|--:|--:|--:|"]
    notes = []
    tot = {"n": 0, "ours": 0, "addok": 0}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            s = json.load(f)
        name = os.path.basename(path)[: -len(".json")]
        cat, _, sub = name.partition(".")
        top5 = cat.startswith(TOP5_PREFIXES)
        if top5 and s["topk"] != 5:
            sys.exit(f"{path}: the prefix category needs --topk 5")
        key, hits_key = ("topk", "hits_k") if top5 else ("top1", "hits")
        o, a = s["engines"]["ours"], s["engines"]["addok"]
        n = s["n_expected"]
        diff = None if o[key] is None or a[key] is None else 100 * (o[key] - a[key])
        lines.append(
            f"| {cat} | {sub or '-'} | {n} | {'top-5' if top5 else 'top-1'} | "
            f"{pct(o[key])} | {pct(a[key])} | {'-' if diff is None else f'{diff:+.1f}'} | "
            f"{ms(o['median_ms'])} / {ms(o['p99_ms'])} | {ms(a['median_ms'])} / {ms(a['p99_ms'])} |")
        tot["n"] += n
        tot["ours"] += o[hits_key]
        tot["addok"] += a[hits_key]
        for eng, st in (("ours", o), ("addok", a)):
            if st["errors"]:
                notes.append(f"{name}: {eng} had {st['errors']} request errors (counted as misses)")
    if tot["n"]:
        o, a = tot["ours"] / tot["n"], tot["addok"] / tot["n"]
        lines.append(f"| **all sets** | | {tot['n']} | as above | **{pct(o)}** | **{pct(a)}** | "
                     f"**{100 * (o - a):+.1f}** | | |")
    head = [f"- {n}" for n in args.note] + ([""] if args.note else [])
    text = "\n".join(head + lines + [""] + [f"- {n}" for n in notes]).rstrip() + "\n"
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
