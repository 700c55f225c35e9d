#!/usr/bin/env bash
# Search quality, side by side with addok: top-1 accuracy (top-5 for autocomplete prefixes)
# and latency per query set, on the current code and the data shipped in data/ban/.
#
# usage: scripts/quality/run.sh [--out DIR] [--md FILE] [--port PORT] [--addok URL]
#                               [--seed N] [--max N]
#   --out DIR    work folder: queries/, results/, server.log (default: target/quality)
#   --md FILE    write the Markdown table to FILE (default: stdout)
#   --port PORT  port of our server, started here on 127.0.0.1 (default 7880; must be free)
#   --addok URL  a running addok, loopback only (default http://127.0.0.1:7979)
#   --seed N     query generator seed (default 42)
#   --max N      at most N queries per query set (default 500, at most 500)
#
# Steps: cargo build --release; ingest data/ban/ into a temporary index; serve it on
# 127.0.0.1:PORT (stopped on exit); check addok answers; generate the queries
# (scripts/quality/gen_queries.py); run scripts/compare_addok.py on each query set
# (autocomplete=1 and top-5 for g_prefix60, autocomplete=0 otherwise; limit=5 everywhere);
# print the table (scripts/quality/report.py). Progress goes to stderr.
# Per set, DIR/results/ keeps <set>.summary.txt, .json, .results.tsv (every query with both
# engines' top-3) and .disagreements.tsv (queries whose top-1 ids differ).
set -euo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="$REPO/target/quality"; MD=""; PORT=7880; ADDOK="http://127.0.0.1:7979"; SEED=42; MAX=500
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2;;
    --md) MD="$2"; shift 2;;
    --port) PORT="$2"; shift 2;;
    --addok) ADDOK="${2%/}"; shift 2;;
    --seed) SEED="$2"; shift 2;;
    --max) MAX="$2"; shift 2;;
    -h|--help) sed -n '2,20p' "$0"; exit 0;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2;;
  esac
done
[ "$MAX" -ge 1 ] && [ "$MAX" -le 500 ] || { echo "--max must be within 1..500" >&2; exit 2; }
case "$ADDOK" in
  http://127.*|http://localhost:*|http://localhost|http://\[::1\]*) ;;
  *) echo "refusing non-loopback addok URL: $ADDOK" >&2; exit 2;;
esac
OURS="http://127.0.0.1:$PORT"
log() { echo "== $*" >&2; }

# answers URL/health with HTTP 200 within 2 s (no proxy, loopback only)
healthy() {
  python3 - "$1/health" <<'EOF'
import sys, urllib.request
try:
    op = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    sys.exit(0 if op.open(sys.argv[1], timeout=2).status == 200 else 1)
except Exception:
    sys.exit(1)
EOF
}
port_in_use() {
  python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.settimeout(1)
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
EOF
}

# (c, first: fail fast) addok must already be running
if ! healthy "$ADDOK"; then
  APORT="${ADDOK##*:}"; APORT="${APORT%%/*}"
  cat >&2 <<EOF
addok does not answer on $ADDOK/health. Start it with the scripts of ../shared/anchors/addok/
(see its README.md), from the parent folder of this repository (addok-venv/ and addok-run/
are created in the current folder):
  cd "$(dirname "$REPO")"
  shared/anchors/addok/setup.sh                                   # once: redis + addok venv
  mkdir -p /tmp/cog && for f in communes departements regions; do
    gunzip -c "$REPO/data/ref/\$f.json.gz" > "/tmp/cog/\$f.json"; done
  python3 shared/anchors/addok/ban_csv_to_addok.py "$REPO"/data/ban/adresses-05.csv.gz \\
      "$REPO"/data/ban/adresses-75.csv.gz --cog-dir /tmp/cog -o /tmp/ban.ndjson
  shared/anchors/addok/start_addok.sh -p $APORT /tmp/ban.ndjson     # import (minutes), serve
  shared/anchors/addok/start_addok.sh -n -p $APORT                  # later: serve that import
then rerun this script.
EOF
  exit 1
fi
if port_in_use "$PORT"; then
  echo "127.0.0.1:$PORT is already in use; stop that server or pass --port" >&2
  exit 1
fi

# what is measured: the commit, plus any uncommitted change to the code (hashed)
code_state() {
  local dirty
  dirty="$(git -C "$REPO" status --porcelain -- src Cargo.toml Cargo.lock build.rs 2>/dev/null \
           | cut -c4- | tr '\n' ' ')"
  if [ -z "$dirty" ]; then echo "no uncommitted change to the code"; else
    echo "with uncommitted changes to ${dirty% }; diff sha256 $(git -C "$REPO" diff HEAD -- src Cargo.toml Cargo.lock build.rs | sha256sum | cut -c1-12)"
  fi
}
COMMIT="$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"

# (a) build
STATE="$(code_state)"
log "cargo build --release (commit $COMMIT, $STATE)"
(cd "$REPO" && cargo build --release >&2)
if [ "$(code_state)" != "$STATE" ]; then
  echo "warning: the code changed during the build; the binary may not match: $(code_state)" >&2
  STATE="changed during the build: $(code_state)"
fi
BIN="$REPO/target/release/adresse"

# (b) index into a temporary folder, serve it; both removed / stopped on exit
TMP="$(mktemp -d "${TMPDIR:-/tmp}/adresse-quality.XXXXXX")"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$OUT/results"
log "ingest data/ban into $TMP/index"
(cd "$REPO" && "$BIN" ingest --index "$TMP/index" --ref data/ref \
   data/ban/adresses-05.csv.gz data/ban/adresses-75.csv.gz) >"$OUT/ingest.log" 2>&1 \
  || { cat "$OUT/ingest.log" >&2; exit 1; }
log "serve on $OURS"
"$BIN" serve --index "$TMP/index" --addr "127.0.0.1:$PORT" >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 150); do
  healthy "$OURS" && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$OUT/server.log" >&2; exit 1; }
  sleep 0.2
done
healthy "$OURS" || { echo "our server did not come up; see $OUT/server.log" >&2; exit 1; }

# (d) queries
log "generate queries (seed $SEED) into $OUT/queries"
rm -rf "$OUT/queries" "$OUT/results"; mkdir -p "$OUT/results"
python3 "$REPO/scripts/quality/gen_queries.py" --data "$REPO/data/ban" --out "$OUT/queries" \
  --seed "$SEED" --max "$MAX" >&2

# (e) compare, one query set at a time
for f in "$OUT"/queries/*.tsv; do
  set_name="$(basename "$f" .tsv)"
  ac=0; case "$set_name" in g_prefix60.*) ac=1;; esac
  r="$OUT/results/$set_name"
  python3 "$REPO/scripts/compare_addok.py" "$f" --ours "$OURS" --addok "$ADDOK" \
    --param autocomplete=$ac --topk 5 --max "$MAX" --timeout 10 \
    --results "$r.results.tsv" --out "$r.disagreements.tsv" --json "$r.json" >"$r.summary.txt"
  log "$set_name"; cat "$r.summary.txt" >&2
done

# (f) table, with what was measured where
CPU="$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ //')"
META=(--note "$(date -u '+%Y-%m-%d %H:%M UTC'); commit $COMMIT ($STATE)"
      --note "$(uname -sm), ${CPU:-unknown CPU}, $(nproc) CPUs; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
      --note "ours: $OURS (target/release/adresse, fresh index of data/ban); addok: $ADDOK; seed $SEED, at most $MAX queries per set")
if [ -n "$MD" ]; then
  python3 "$REPO/scripts/quality/report.py" "$OUT/results" "${META[@]}" --out "$MD"
  log "table written to $MD"
else
  python3 "$REPO/scripts/quality/report.py" "$OUT/results" "${META[@]}"
fi
