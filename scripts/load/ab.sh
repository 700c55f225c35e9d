#!/usr/bin/env bash
# Compares server binaries under the same wrk load, alternating them round by round so that a
# shared machine's noise falls on all alike (BENCHMARKS.md, "Where searches run").
#
#   python3 scripts/load/make_queries.py target/load/queries     # once
#   ROUNDS=2 scripts/load/ab.sh /tmp/adresse-a /tmp/adresse-b      # binaries built beforehand
#   ROUNDS=2 scripts/load/ab.sh /tmp/adresse-a=INDEX_A /tmp/adresse-b=INDEX_B   # each its index
#
# Each binary serves var/index (INDEX=…, or its own after `=`, for binaries of two index
# formats) on 127.0.0.1:7871 (loopback only); each run is 6 s (SECONDS_PER_RUN) of full
# addresses, autocomplete and reverse (WORKLOADS=…) at 1, 16 and 64 connections
# (CONNECTIONS=…), after WARMUP seconds (default 0) of autocomplete at 16 connections, not
# reported, that bring a France-scale index into memory once the server answers.
# Prints one line per run: req/s, p50 ms, p99 ms, non-2xx answers, socket errors.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-2}
INDEX=${INDEX:-var/index}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-6}
WORKLOADS=${WORKLOADS:-full autocomplete reverse}
CONNECTIONS=${CONNECTIONS:-1 16 64}
WARMUP=${WARMUP:-0}
QUERIES=target/load/queries
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install wrk" >&2; exit 1; }
[ -f $QUERIES/full.txt ] || python3 scripts/load/make_queries.py $QUERIES
for round in $(seq 1 "$ROUNDS"); do
  for arg in "$@"; do
    bin=${arg%%=*}
    index=$INDEX
    [ "$arg" = "$bin" ] || index=${arg#*=}
    "$bin" serve --index "$index" --addr 127.0.0.1:7871 >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 1 300); do curl -sf -m 1 http://127.0.0.1:7871/health >/dev/null && break; sleep 0.1; done
    if [ "$WARMUP" -gt 0 ]; then
      PATHS=$QUERIES/autocomplete.txt MAX_REQUESTS=1000000 THREADS=2 \
        wrk -t2 -c16 -d${WARMUP}s --timeout 10s -s scripts/load/paths.lua http://127.0.0.1:7871 >/dev/null
    fi
    for w in $WORKLOADS; do
      for c in $CONNECTIONS; do
        t=$(( c < 2 ? 1 : 2 ))
        r=$(PATHS=$QUERIES/$w.txt MAX_REQUESTS=1000000 THREADS=$t \
          wrk -t$t -c$c -d${SECONDS_PER_RUN}s --timeout 10s -s scripts/load/paths.lua http://127.0.0.1:7871 \
          | awk '/^RESULT/ {print $4, $5, $6, $7, $8}')
        echo "round $round $(basename "$bin") $w c=$c: $r"
      done
    done
    kill $pid; wait $pid 2>/dev/null
  done
done
