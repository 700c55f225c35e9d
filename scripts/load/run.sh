#!/usr/bin/env bash
# End-to-end HTTP load benchmark: our server and addok, same queries, same run, over loopback.
#
#   scripts/load/run.sh [--index DIR] [--port 7840] [--addok URL|none] [--seconds 10]
#                       [--requests 1000000] [--connections "1 16 64"] [--out FILE]
#
# Starts `target/release/adresse serve` on 127.0.0.1:PORT over --index (default var/index, the
# 237k real addresses), times how long it takes to answer /health, then for each workload
# (autocomplete keystroke streams, full addresses, reverse; query files from make_queries.py,
# seeded, real data) and each number of connections runs wrk (Debian package `wrk`) against it
# and against addok (default http://127.0.0.1:7979, skipped when it does not answer). Every run
# stops after --seconds or --requests answers, whichever comes first; wrk divides by the whole
# --seconds, so a run that hit the request cap is marked "capped" (its req/s is then a lower
# bound: raise --requests). Prints a Markdown table
# (req/s, p50, p99, ratio to addok) and the server's RSS; stops the server at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."

INDEX=var/index PORT=7840 ADDOK=http://127.0.0.1:7979 SECONDS_PER_RUN=10 REQUESTS=1000000
CONNECTIONS="1 16 64" OUT=/dev/null
while [ $# -gt 0 ]; do
  case "$1" in
    --index) INDEX=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --addok) ADDOK=$2; shift 2 ;;
    --seconds) SECONDS_PER_RUN=$2; shift 2 ;;
    --requests) REQUESTS=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "unknown option $1 (see the top of $0)" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install wrk" >&2; exit 1; }
[ -x target/release/adresse ] || { echo "build first: cargo build --release" >&2; exit 1; }

QUERIES=target/load/queries
[ -f $QUERIES/full.txt ] || python3 scripts/load/make_queries.py $QUERIES

URL=http://127.0.0.1:$PORT
. scripts/load/server.sh
start_server "$INDEX" "$PORT"
rss_kb() { awk '/VmRSS/ {print $2}' /proc/$SERVER/status; }
echo "server ready in ${READY_MS} ms (index $INDEX), RSS $(( $(rss_kb) / 1024 )) MiB" | tee -a "$OUT"

targets="ours"
if [ "$ADDOK" != none ] && curl -sf -m 5 "$ADDOK/search/?q=rivoli" >/dev/null 2>&1; then
  targets="ours addok"
else
  echo "addok does not answer at $ADDOK: measuring ours only" | tee -a "$OUT"
fi

# One wrk run: prints "req/s p50 p99 non2xx errors requests".
run() { # url paths connections
  local threads=$(( $3 < 2 ? 1 : 2 ))
  PATHS=$2 MAX_REQUESTS=$REQUESTS THREADS=$threads \
    wrk -t$threads -c$3 -d${SECONDS_PER_RUN}s --timeout 10s -s scripts/load/paths.lua "$1" \
    | awk '/^RESULT/ {print $4, $5, $6, $7, $8, $2}'
}

{
  echo
  echo "| workload | conns | ours req/s | ours p50 ms | ours p99 ms | addok req/s | addok p50 ms | addok p99 ms | ratio |"
  echo "|---|---|---|---|---|---|---|---|---|"
} | tee -a "$OUT"
for workload in autocomplete full reverse; do
  for c in $CONNECTIONS; do
    read -r o_rps o_p50 o_p99 o_bad o_err o_n < <(run $URL $QUERIES/$workload.txt $c)
    [ "$o_bad" = 0 ] && [ "$o_err" = 0 ] || echo "ours, $workload, $c: $o_bad non-2xx, $o_err socket errors" >&2
    [ "$o_n" -lt "$REQUESTS" ] || o_rps="≥$o_rps (capped)"
    a_rps=- a_p50=- a_p99=- ratio=-
    if [ "$targets" = "ours addok" ]; then
      read -r a_rps a_p50 a_p99 a_bad a_err a_n < <(run $ADDOK $QUERIES/$workload.txt $c)
      [ "$a_bad" = 0 ] && [ "$a_err" = 0 ] || echo "addok, $workload, $c: $a_bad non-2xx, $a_err socket errors" >&2
      ratio=$(awk -v o="${o_rps//[^0-9]/}" -v a=$a_rps 'BEGIN { printf (a > 0 ? "%.0f×" : "-"), o / a }')
    fi
    echo "| $workload | $c | $o_rps | $o_p50 | $o_p99 | $a_rps | $a_p50 | $a_p99 | $ratio |" | tee -a "$OUT"
  done
done
echo "server RSS after the runs: $(( $(rss_kb) / 1024 )) MiB; peak $(( $(awk '/VmHWM/ {print $2}' /proc/$SERVER/status) / 1024 )) MiB" | tee -a "$OUT"
