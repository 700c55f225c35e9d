#!/usr/bin/env bash
# Browser tests (headless Chromium + playwright-core) and the schemathesis API fuzz run, against a
# real server on the real data of data/ban. Run by .ci/run after `cargo test`; runs by hand too
# once the tools are there (see the README): bash scripts/web-tests.sh
#
# Needs: /usr/bin/chromium (apt-get install -y chromium), web/node_modules (cd web && npm ci),
# and schemathesis in target/schemathesis-venv (python3 -m venv …; pip install schemathesis).
# Set SKIP_SCHEMATHESIS=1 to run only the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${ADRESSE_TEST_PORT:-7821}"
URL="http://127.0.0.1:$PORT"
INDEX="target/web-tests-index"
LOG="target/browser-artifacts/server.log"
mkdir -p target/browser-artifacts

missing=()
[[ -x /usr/bin/chromium ]] || missing+=("/usr/bin/chromium (apt-get install -y chromium)")
[[ -d web/node_modules/playwright-core ]] || missing+=("web/node_modules (cd web && npm ci)")
if [[ "${SKIP_SCHEMATHESIS:-}" != 1 && ! -x target/schemathesis-venv/bin/schemathesis ]]; then
    missing+=("target/schemathesis-venv (python3 -m venv target/schemathesis-venv && target/schemathesis-venv/bin/pip install schemathesis)")
fi
if ((${#missing[@]})); then
    printf 'web tests cannot run, missing: %s\n' "${missing[@]}" >&2
    exit 1
fi

cargo build --locked --quiet --bin adresse
BIN=target/debug/adresse
rm -rf "$INDEX"
"$BIN" ingest --index "$INDEX" data/ban 2>/dev/null

"$BIN" serve --index "$INDEX" --addr "127.0.0.1:$PORT" 2>"$LOG" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    curl -sf "$URL/health" >/dev/null && break
    sleep 0.1
done
curl -sf "$URL/health" >/dev/null || { echo "server did not start; see $LOG" >&2; exit 1; }

echo "== browser tests (screenshots in target/browser-artifacts/)"
(cd web && ADRESSE_URL="$URL" timeout 300 node --test --test-concurrency=1 tests/)

if [[ "${SKIP_SCHEMATHESIS:-}" != 1 ]]; then
    echo "== schemathesis against $URL/openapi.json"
    # Bounded: few examples per operation and a wall-clock limit. The checks are the ones that
    # mean a real bug: a 5xx, a status, content type or body the spec does not describe.
    timeout 240 target/schemathesis-venv/bin/schemathesis run "$URL/openapi.json" \
        --url "$URL" \
        --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
        --max-examples "${SCHEMATHESIS_EXAMPLES:-25}" \
        --request-timeout 30 \
        --seed 7 \
        --no-color
fi
