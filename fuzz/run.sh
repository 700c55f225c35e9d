#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ on a stable toolchain and runs each for a while.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET…]     # default: 60 s each, every target
#
# cargo-fuzz (`cargo fuzz run query`) works on this layout too, but needs nightly for its
# default AddressSanitizer; the coverage instrumentation libFuzzer needs is a set of stable
# rustc flags, passed here exactly as `cargo fuzz build -s none` passes them. Safe Rust needs no
# sanitizer to turn a bug into a crash: panics, overflow checks and debug assertions abort the
# run and libFuzzer saves the input under fuzz/artifacts/TARGET/.
#
# Corpora live in fuzz/corpus/TARGET/ (committed; libFuzzer adds what it finds, keep it small
# with `-merge=1`, see RELIABILITY.md). Needs a C++ compiler (g++ or clang++) for libFuzzer.
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_EACH="${1:-60}"
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(query ban_csv batch_csv index_open bal)
TRIPLE="$(rustc -vV | sed -n 's/^host: //p')"
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
# --target keeps the flags off build scripts and proc-macros, as cargo-fuzz does.
nice -n 5 cargo build --release --target "$TRIPLE" --bins
for target in "${TARGETS[@]}"; do
    mkdir -p "corpus/$target" "artifacts/$target"
    echo "== $target: ${SECONDS_EACH}s"
    nice -n 5 "target/$TRIPLE/release/$target" "corpus/$target" "seeds/$target" \
        -max_total_time="$SECONDS_EACH" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
        -artifact_prefix="artifacts/$target/" -print_final_stats=1 2>&1 | tail -25
done
