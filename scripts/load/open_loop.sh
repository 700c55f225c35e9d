#!/usr/bin/env bash
# Latency at a fixed offered load ("open loop"): how long answers take when requests arrive at a
# given rate, whatever the server's speed, as users' keystrokes do.
#
#   scripts/load/open_loop.sh [--index DIR] [--port 7841] [--workload autocomplete|full|reverse]
#                             [--rates "500 1000 2000 3000"] [--connections 64] [--seconds 10]
#                             [--warmup 5] [--out FILE]
#
# run.sh measures throughput in a closed loop: each of its connections sends the next request as
# soon as the last is answered, so at 64 connections the mean latency is 64 / throughput by
# construction (Little's law) and its p99 says how the server queues, not what a user waits.
# Here oha (crates.io: `cargo install oha --locked`, or OHA=/path/to/oha) sends --rates requests
# a second over --connections connections, for --seconds each, with its latency correction on:
# a request held back because all connections were busy counts from when it was due, and those
# still in flight at the end are waited for (-w), not counted as failed. URLs are
# drawn at random from the workload's query file (make_queries.py, seeded). The server starts
# on 127.0.0.1:PORT over --index, a --warmup run at the lowest rate (not reported) brings the
# index into memory, and it is stopped at the end. oha runs on the same cores as the server.
# Prints a Markdown table: offered and achieved req/s, p50, p90, p99 and p99.9 in ms, and the
# count of answers that were not 200 or failed.
set -euo pipefail
cd "$(dirname "$0")/../.."

INDEX=var/index PORT=7841 WORKLOAD=autocomplete RATES="500 1000 2000 3000" CONNECTIONS=64
SECONDS_PER_RUN=10 WARMUP=5 OUT=/dev/null
while [ $# -gt 0 ]; do
  case "$1" in
    --index) INDEX=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --workload) WORKLOAD=$2; shift 2 ;;
    --rates) RATES=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --seconds) SECONDS_PER_RUN=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "unknown option $1 (see the top of $0)" >&2; exit 2 ;;
  esac
done
OHA=${OHA:-oha}
command -v "$OHA" >/dev/null || {
  echo "oha is not installed: cargo install oha --locked (or set OHA=/path/to/oha)" >&2
  exit 1
}
[ -x target/release/adresse ] || { echo "build first: cargo build --release" >&2; exit 1; }

QUERIES=target/load/queries
[ -f $QUERIES/$WORKLOAD.txt ] || python3 scripts/load/make_queries.py $QUERIES
[ -f $QUERIES/$WORKLOAD.txt ] || { echo "no query file $QUERIES/$WORKLOAD.txt" >&2; exit 2; }

URL=http://127.0.0.1:$PORT
URLS=target/load/open_loop_urls.txt
. scripts/load/server.sh
start_server "$INDEX" "$PORT"
sed "s|^|$URL|" $QUERIES/$WORKLOAD.txt >"$URLS"

# One oha run at a rate: prints "achieved p50 p90 p99 p99.9 failed".
run() { # rate seconds
  "$OHA" -z "${2}s" -w -c "$CONNECTIONS" -q "$1" --latency-correction --no-tui \
    --output-format json --urls-from-file "$URLS" |
    python3 -c '
import json, sys
d = json.load(sys.stdin)
p = d["latencyPercentiles"]
ok = d.get("statusCodeDistribution", {}).get("200", 0)
failed = sum(d.get("statusCodeDistribution", {}).values()) - ok
failed += sum(d.get("errorDistribution", {}).values())
ms = lambda key: "%.2f" % (1000 * (p.get(key) or 0))
print(round(d["summary"]["requestsPerSec"]), ms("p50"), ms("p90"), ms("p99"), ms("p99.9"), failed)'
}

lowest=$(tr ' ' '\n' <<<"$RATES" | grep . | sort -n | head -1)
[ "$WARMUP" = 0 ] || run "$lowest" "$WARMUP" >/dev/null
{
  echo "$WORKLOAD, index $INDEX, $CONNECTIONS connections, ${SECONDS_PER_RUN} s a rate"
  echo
  echo "| offered req/s | achieved req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | not 200 |"
  echo "|---|---|---|---|---|---|---|"
} | tee -a "$OUT"
for rate in $RATES; do
  read -r achieved p50 p90 p99 p999 failed < <(run "$rate" "$SECONDS_PER_RUN")
  echo "| $rate | $achieved | $p50 | $p90 | $p99 | $p999 | $failed |" | tee -a "$OUT"
done
