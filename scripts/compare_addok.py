#!/usr/bin/env python3
"""Compare our geocoder with the reference engine addok, query by query.

Sends every query of a file to two api-adresse compatible servers (ours and a
local addok started with shared/anchors/addok/start_addok.sh), one request at a
time, and reports per engine: top-1 id accuracy (when expected ids are given),
the rate at which both engines agree on the top-1 id, and median / p99 latency.
Queries where the two top-1 ids differ are written to a TSV for inspection.

Input: either one query per line, or a TSV whose header has a column `q` and,
optionally, a column `id` holding the expected result id (several acceptable
ids may be given separated by '|').

--topk K also reports top-K accuracy (the expected id among the first K
results; `limit` is raised to K unless given). --results PATH writes every
query with each engine's first results (label, score, id) and hit flags.
--json PATH writes the summary (accuracies, counts, latencies) as JSON, for
scripts/quality/report.py.

    python3 scripts/compare_addok.py queries.txt
    python3 scripts/compare_addok.py golden.tsv --param autocomplete=0 \
        --ours http://127.0.0.1:7878 --addok http://127.0.0.1:7979 \
        --max 500 --timeout 5 --out /tmp/disagreements.tsv
    python3 scripts/compare_addok.py prefixes.tsv --param autocomplete=1 \
        --topk 5 --results /tmp/all_results.tsv

Only loopback servers are accepted (127.0.0.0/8, ::1, localhost); proxies from
the environment are ignored and redirects are not followed. Standard library only.
"""
import argparse
import csv
import ipaddress
import json
import math
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is reported as an HTTP error, never followed


OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect())


def check_loopback(url):
    """Exit unless url is http(s) on a loopback host (no DNS lookup is made)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    ok = parts.scheme in ("http", "https") and host == "localhost"
    if not ok and parts.scheme in ("http", "https"):
        try:
            ok = ipaddress.ip_address(host).is_loopback
        except ValueError:
            ok = False
    if not ok:
        sys.exit(f"refusing non-loopback URL: {url!r}")
    return url.rstrip("/")


def read_queries(path, max_n):
    """Returns a list of (query, expected_id or None), at most max_n of them."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        lines = f.read().splitlines()
    if not lines:
        return []
    header = lines[0].split("\t")
    if "q" in header:  # TSV with a header line
        rows = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
        out = [(r["q"].strip(), (r.get("id") or "").strip() or None) for r in rows]
    else:
        out = [(line.strip(), None) for line in lines]
    return [(q, i) for q, i in out if q][:max_n]


def query(base, endpoint, q, params, timeout):
    """One request. Returns (latency_s or None, top1 dict or None, error str or None).

    The top1 dict also holds "all": the list of every returned result."""
    url = base + endpoint + "?" + urllib.parse.urlencode([("q", q)] + params)
    t0 = time.perf_counter()
    try:
        with OPENER.open(url, timeout=timeout) as resp:
            body = resp.read()
        dt = time.perf_counter() - t0
    except urllib.error.HTTPError as e:
        return time.perf_counter() - t0, None, f"HTTP {e.code}"
    except (urllib.error.URLError, OSError) as e:
        return None, None, f"transport: {getattr(e, 'reason', e)}"  # no latency kept
    try:
        features = json.loads(body).get("features") or []
    except (ValueError, AttributeError):
        return dt, None, "bad JSON"
    if not features:
        return dt, None, None
    tops = []
    for feat in features:
        p = (feat or {}).get("properties", {}) or {}
        tops.append({"id": p.get("id"), "label": p.get("label"), "score": p.get("score")})
    return dt, dict(tops[0], all=tops), None


def percentile(sorted_vals, pct):
    if not sorted_vals:
        return float("nan")
    k = max(0, min(len(sorted_vals) - 1, math.ceil(pct / 100 * len(sorted_vals)) - 1))
    return sorted_vals[k]


def clean(text):
    return " ".join(str(text or "").split())  # keeps the TSV one line, no tabs


def fmt_top(top):
    if top is None or top == "error":
        return ["", "", ""]
    score = top["score"]
    score = f"{score:.4f}" if isinstance(score, (int, float)) else str(score or "")
    return [clean(top["label"]), score, clean(top["id"])]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("queries", help="one query per line, or TSV with columns q[, id]")
    ap.add_argument("--ours", default="http://127.0.0.1:7878", help="our base URL")
    ap.add_argument("--addok", default="http://127.0.0.1:7979", help="addok base URL")
    ap.add_argument("--endpoint", default="/search/", help="path (default /search/)")
    ap.add_argument("--param", action="append", default=[], metavar="K=V",
                    help="extra query parameter, repeatable (e.g. autocomplete=0, limit=1)")
    ap.add_argument("--max", type=int, default=2000, help="at most N queries (default 2000)")
    ap.add_argument("--timeout", type=float, default=5.0, help="per-request timeout, s")
    ap.add_argument("--topk", type=int, default=0, metavar="K",
                    help="also report top-K accuracy (raises limit to K unless given)")
    ap.add_argument("--results", default=None, metavar="PATH",
                    help="write every query with both engines' first results to this TSV")
    ap.add_argument("--json", default=None, metavar="PATH",
                    help="write the summary (accuracy, errors, latency per engine) as JSON")
    ap.add_argument("--out", default="/tmp/compare_addok_disagreements.tsv",
                    help="TSV of top-1 disagreements (default /tmp/compare_addok_disagreements.tsv)")
    args = ap.parse_args()

    engines = [("ours", check_loopback(args.ours)), ("addok", check_loopback(args.addok))]
    params = []
    for p in args.param:
        if "=" not in p:
            sys.exit(f"--param wants K=V, got {p!r}")
        params.append(tuple(p.split("=", 1)))
    if args.topk > 1 and not any(k == "limit" for k, _ in params):
        params.append(("limit", str(args.topk)))
    queries = read_queries(args.queries, max(0, args.max))
    if not queries:
        sys.exit("no queries")

    stats = {name: {"lat": [], "errors": 0, "empty": 0, "hits": 0, "hits_k": 0, "fail_run": 0}
             for name, _ in engines}
    n_expected = agree = both_ok = 0
    disagreements = []
    all_rows = []
    for i, (q, expected) in enumerate(queries, 1):
        accepted = set(expected.split("|")) if expected else set()
        if i % 200 == 0:
            print(f"  {i}/{len(queries)} queries", file=sys.stderr)
        tops = {}
        for name, base in engines:
            st = stats[name]
            dt, top, err = query(base, args.endpoint, q, params, args.timeout)
            if dt is not None:
                st["lat"].append(dt)
            if err:
                st["errors"] += 1
                st["fail_run"] = st["fail_run"] + 1 if err.startswith("transport") else 0
                if st["fail_run"] >= 10:
                    sys.exit(f"{name} ({base}) unreachable: {err}")
                tops[name] = "error"
                continue
            st["fail_run"] = 0
            if top is None:
                st["empty"] += 1
            elif accepted and top["id"] in accepted:
                st["hits"] += 1
            if top is not None and accepted and args.topk and any(
                    t["id"] in accepted for t in top["all"][:args.topk]):
                st["hits_k"] += 1
            tops[name] = top
        n_expected += bool(expected)
        ours, ref = tops["ours"], tops["addok"]
        if args.results:
            row = [clean(q), expected or ""]
            for t in (ours, ref):
                lst = t["all"] if isinstance(t, dict) else []
                hit = "err" if t == "error" else int(bool(lst) and lst[0]["id"] in accepted)
                rank = next((k + 1 for k, x in enumerate(lst) if x["id"] in accepted), "")
                row += [hit, rank]
                for k in range(3):
                    row += fmt_top(lst[k] if k < len(lst) else None)
            all_rows.append(row)
        if ours == "error" or ref == "error":
            continue
        both_ok += 1
        if (ours or {}).get("id") == (ref or {}).get("id"):
            agree += 1
        else:
            disagreements.append([clean(q)] + fmt_top(ours) + fmt_top(ref) + [expected or ""])

    with open(args.out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(["q", "ours_label", "ours_score", "ours_id",
                    "addok_label", "addok_score", "addok_id", "expected_id"])
        w.writerows(disagreements)
    if args.results:
        with open(args.results, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, delimiter="\t", lineterminator="\n")
            head = ["q", "expected_id"]
            for name in ("ours", "addok"):
                head += [f"{name}_hit", f"{name}_rank"]
                for k in range(1, 4):
                    head += [f"{name}_label{k}", f"{name}_score{k}", f"{name}_id{k}"]
            w.writerow(head)
            w.writerows(all_rows)

    extra = " ".join(f"{k}={v}" for k, v in params)
    print(f"{len(queries)} queries on {args.endpoint} {extra}".rstrip())
    topk_head = f" {'top' + str(args.topk) + '_acc':>9}" if args.topk else ""
    print(f"{'engine':<7} {'top1_acc':>9}{topk_head} {'errors':>7} {'empty':>6} "
          f"{'median_ms':>10} {'p99_ms':>8}  base")
    for name, base in engines:
        st = stats[name]
        lat = sorted(st["lat"])
        acc = f"{st['hits'] / n_expected:.2%}" if n_expected else "-"
        acc_k = ""
        if args.topk:
            acc_k = " " + (f"{st['hits_k'] / n_expected:.2%}" if n_expected else "-").rjust(9)
        print(f"{name:<7} {acc:>9}{acc_k} {st['errors']:>7} {st['empty']:>6} "
              f"{percentile(lat, 50) * 1000:>10.2f} {percentile(lat, 99) * 1000:>8.2f}  {base}")
    if n_expected:
        print(f"(top1_acc over {n_expected} queries with an expected id)")
    rate = f"{agree / both_ok:.2%}" if both_ok else "-"
    print(f"top-1 id agreement: {rate} ({agree}/{both_ok} queries both answered without error)")
    print(f"{len(disagreements)} disagreements written to {args.out}")
    if args.json:
        summary = {"queries_file": args.queries, "n": len(queries), "n_expected": n_expected,
                   "endpoint": args.endpoint, "params": dict(params), "topk": args.topk,
                   "agree": agree, "both_answered": both_ok,
                   "disagreements": len(disagreements), "engines": {}}
        for name, base in engines:
            st = stats[name]
            lat = sorted(st["lat"])
            summary["engines"][name] = {
                "base": base, "hits": st["hits"], "hits_k": st["hits_k"],
                "top1": st["hits"] / n_expected if n_expected else None,
                "topk": st["hits_k"] / n_expected if n_expected and args.topk else None,
                "errors": st["errors"], "empty": st["empty"], "n_latencies": len(lat),
                "median_ms": percentile(lat, 50) * 1000 if lat else None,
                "p99_ms": percentile(lat, 99) * 1000 if lat else None}
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(summary, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
