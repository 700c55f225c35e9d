#!/usr/bin/env bash
# A bounded soak of the release server on loopback: builds it, indexes data/ if needed, starts
# `adresse serve` on 127.0.0.1:${PORT:-7832}, runs scripts/soak/soak.rs (capacity measure, then
# 2× that load for 5 minutes by default), and stops the server. Extra arguments go to the soak
# (e.g. --duration 60 --factor 3). Server flags can be set with ADRESSE_* variables
# (ADRESSE_MAX_IN_FLIGHT, …); the server's log goes to target/soak/server.log.
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT="${PORT:-7832}"
OUT=target/soak
mkdir -p "$OUT"
# PROFILE=debug soaks the debug build (dependencies optimised, this crate not) when a release
# build costs too much; the capacity is measured on the same build, so 2× still means 2×.
PROFILE="${PROFILE:-release}"
if [ "$PROFILE" = release ]; then
    nice -n 5 cargo build --release --locked --bin adresse --example soak
else
    nice -n 5 cargo build --locked --bin adresse --example soak
fi
BIN="target/$PROFILE/adresse"
if [ ! -e "$OUT/index/current" ]; then
    "$BIN" ingest --index "$OUT/index" --ref data/ref data/ban
fi
# Bounded even if this script is interrupted: the server dies after 20 minutes whatever happens.
timeout 1200 "$BIN" serve --index "$OUT/index" --addr "127.0.0.1:$PORT" 2>"$OUT/server.log" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
    sleep 0.1
done
# `timeout` execs the server as its child: report the server's own memory, not timeout's.
PID=$(pgrep -P "$SERVER" -x adresse || echo "$SERVER")
"target/$PROFILE/examples/soak" "http://127.0.0.1:$PORT" --pid "$PID" "$@"
kill -TERM "$PID"
wait "$SERVER" || true
echo "server stopped; its log: $OUT/server.log"
