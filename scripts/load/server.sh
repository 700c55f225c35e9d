# Sourced by the load scripts: starts our server on loopback and waits until it answers.
#
#   . scripts/load/server.sh
#   start_server INDEX PORT    # sets SERVER (its pid) and READY_MS; stops it when the script exits
#
# The server logs to target/load/server.log; if it dies or does not answer /health within 10
# minutes (a France-scale index takes a while to open), the script exits with that log.

start_server() { # index port
  local start_ns
  start_ns=$(date +%s%N)
  mkdir -p target/load
  target/release/adresse serve --index "$1" --addr "127.0.0.1:$2" 2>target/load/server.log &
  SERVER=$!
  trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT
  until curl -sf "http://127.0.0.1:$2/health" >/dev/null 2>&1; do
    kill -0 $SERVER 2>/dev/null || { cat target/load/server.log >&2; exit 1; }
    (( $(date +%s%N) - start_ns < 600000000000 )) || { echo "server not ready after 10 min" >&2; exit 1; }
    sleep 0.01
  done
  READY_MS=$(( ($(date +%s%N) - start_ns) / 1000000 ))
}
