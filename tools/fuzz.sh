#!/usr/bin/env bash
# Runs each cargo-fuzz target for a bounded time, starting from the
# committed seeds (fuzz/seeds/<target>) plus a scratch corpus under
# target/fuzz-corpus that grows across runs on the same machine.
#
#   tools/fuzz.sh            # 60 s per target (what CI runs)
#   tools/fuzz.sh 1800       # 30 minutes per target
#
# A failure leaves the input in fuzz/artifacts/<target>/ and prints the
# decoded problem; `cargo +nightly fuzz run <target> <file>` replays it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds=${1:-60}

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install --quiet --locked cargo-fuzz

mkdir -p target/fuzz-logs
for target in rust_api c_abi; do
    corpus=target/fuzz-corpus/$target
    log=target/fuzz-logs/$target.log
    mkdir -p "$corpus"
    echo "fuzzing $target for ${seconds}s (log: $log)"
    if ! (cd fuzz && cargo +nightly fuzz run "$target" "../$corpus" "seeds/$target" -- \
        -max_total_time="$seconds" -print_final_stats=1) >"$log" 2>&1; then
        grep -E -A4 'panicked|problem:|ERROR|SUMMARY|Failing input|^error' "$log" | head -80
        exit 1
    fi
    grep -E '^(stat::number_of_executed_units|Done)' "$log"
done
