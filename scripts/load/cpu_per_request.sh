#!/usr/bin/env bash
# The server's CPU time per answered request, endpoint by endpoint: what each kind of request
# costs beyond the HTTP exchange itself (/health), on loopback.
#
#   scripts/load/cpu_per_request.sh [--index DIR] [--port 7843] [--seconds 5] [--connections 64]
#
# Starts target/release/adresse serve on 127.0.0.1:PORT over --index (default var/index), then
# for /health and each workload of make_queries.py (reverse, full, autocomplete) runs wrk for
# --seconds over --connections connections and reads the server's user + system time from
# /proc before and after. Prints a Markdown table: req/s, p50 and p99 ms, server CPU µs per
# request, and the share of it on the search threads. wrk runs on the same cores: req/s is the
# machine's, the CPU per request the server's alone, and steadier than req/s on a shared
# machine. Stops the server at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."

INDEX=var/index PORT=7843 SECONDS_PER_RUN=5 CONNECTIONS=64
while [ $# -gt 0 ]; do
  case "$1" in
    --index) INDEX=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --seconds) SECONDS_PER_RUN=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    *) echo "unknown option $1 (see the top of $0)" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install wrk" >&2; exit 1; }
[ -x target/release/adresse ] || { echo "build first: cargo build --release" >&2; exit 1; }
QUERIES=target/load/queries
[ -f $QUERIES/full.txt ] || python3 scripts/load/make_queries.py $QUERIES

. scripts/load/server.sh
start_server "$INDEX" "$PORT"
TICK=$(getconf CLK_TCK)
# CPU ticks (user + system) of the whole server, or of its search threads.
ticks() { awk '{print $14 + $15}' /proc/$SERVER/stat; }
search_ticks() {
  local total=0 t
  for t in /proc/$SERVER/task/*; do
    case "$(cat "$t/comm")" in search-*) total=$(( total + $(awk '{print $14 + $15}' "$t/stat") )) ;; esac
  done
  echo $total
}
threads=$(( CONNECTIONS < 2 ? 1 : 2 ))

echo "| endpoint | conns | req/s | p50 ms | p99 ms | server CPU µs / request | on search threads |"
echo "|---|--:|--:|--:|--:|--:|--:|"
for workload in health reverse full autocomplete; do
  before=$(ticks) search_before=$(search_ticks)
  if [ $workload = health ]; then
    out=$(printf '/health\n' > target/load/health.txt
      PATHS=target/load/health.txt MAX_REQUESTS=100000000 THREADS=$threads \
        wrk -t$threads -c$CONNECTIONS -d${SECONDS_PER_RUN}s -s scripts/load/paths.lua "http://127.0.0.1:$PORT")
  else
    out=$(PATHS=$QUERIES/$workload.txt MAX_REQUESTS=100000000 THREADS=$threads \
      wrk -t$threads -c$CONNECTIONS -d${SECONDS_PER_RUN}s --timeout 10s -s scripts/load/paths.lua "http://127.0.0.1:$PORT")
  fi
  after=$(ticks) search_after=$(search_ticks)
  echo "$out" | awk -v w=$workload -v c=$CONNECTIONS -v t=$(( after - before )) \
    -v s=$(( search_after - search_before )) -v hz=$TICK '/^RESULT/ {
      printf "| %s | %d | %d | %s | %s | %.1f | %.0f%% |\n", w, c, $4, $5, $6, t / hz * 1e6 / $2, (t > 0 ? 100 * s / t : 0)
    }'
done
